from tests.safety.conftest import api, park, private_files  # noqa: F401  (the same two-enterprise park)
