"""The load and crash tests' management commands (`make loadtest`, `make crashtest`): production
settings plus the load tools (prepare_load_exam writes signed-in sessions, verify_load_exam checks
the run). The server under test runs plain production settings; only tests/load/ uses these."""

from .production import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tools.loadtesting"]  # noqa: F405
