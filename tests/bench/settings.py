"""The project's settings plus one bench-only route: the baseline that `make bench` measures
dispatch against (a minimal token-authenticated DRF POST writing one row in a transaction)."""

from command.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
