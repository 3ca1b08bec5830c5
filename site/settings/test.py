"""The pytest suite: SQLite unless DATABASE_URL points at PostgreSQL (see `make test`)."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFICATIONS_EMAIL = True  # sent once per notice: tests read mail.outbox
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every test client comes from 127.0.0.1 and the cache outlives a test, so the per-address login
# throttle would let one test's failed logins refuse the next test's; the tests of the throttle
# set their own limit (tests/test_authentication.py).
LOGIN_THROTTLE_FAILURES = 1_000_000
# The load tools are tested too (tests/tools/); production never installs them.
INSTALLED_APPS = [*INSTALLED_APPS, "tools.loadtesting"]  # noqa: F405
# Tests read a person's record right after the submit that changed it: recomputed at once here;
# tests/assessment/test_record_jobs.py turns the background job on and runs the worker.
ASSESSMENT_RECORDS_IN_BACKGROUND = False
