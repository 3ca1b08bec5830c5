"""Local development: `make run`. Debug on, a fixed key that is only good for this machine."""

import os

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
NOTIFICATIONS_EMAIL = True  # printed by the worker on its console

# Development tools (load data, load-test exam): never part of production.
INSTALLED_APPS = [*INSTALLED_APPS, "tools.loadtesting"]  # noqa: F405
