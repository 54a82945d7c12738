"""The password hasher of the test processes: Django's own PBKDF2-SHA256 at 1,000 iterations
instead of its production 1,000,000 (about 1 s of CPU a hash here, and the suite creates and logs
in thousands of users: every factory user, every `client.login`).

The same algorithm name, so the servers the tests start (Daphne, with the production settings)
verify these hashes too: PBKDF2 reads its iteration count from the stored hash, and the server
upgrades it on the first login as it would any old hash. What is tested about passwords (who may
log in, lockouts, the demo's accounts) does not depend on the count."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
