"""Settings shared by every environment. Secrets and databases come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE

PROJECT_DIR = Path(__file__).resolve().parent.parent  # site/ (import name: portal)
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = BASE_DIR / "var"  # git-ignored: SQLite file, media, collected static

INSTALLED_APPS = [
    "portal.home",
    "portal.organisation",
    "portal.search",
    "portal.thesaurus",
    "portal.notifications",
    "portal.jobs",
    "cases",
    "quizzes",
    "quizzes.changes",
    "quizzes.analysis",
    "quizzes.imports",
    "assessment",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "csp",
    "axes",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy: the strict policy below; a looser one for the Wagtail admin.
    "portal.security.PathCSPMiddleware",
    # A NUL character anywhere in a request is refused (400) before it can reach PostgreSQL.
    "portal.security.RejectNulMiddleware",
    # Static files straight from the app server, compressed and with far-future cache headers.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signed-in sessions end after SESSION_IDLE_TIMEOUT without a request.
    "portal.organisation.idle.IdleTimeoutMiddleware",
    # An address that failed to log in too often waits (429) before trying again.
    "portal.organisation.throttle.LoginThrottleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a lock-out into the Chinese lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.organisation.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

# SQLite in var/ unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer fails a request (and /healthz/) within seconds
    # instead of the operating system's two-minute TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Autosaves arrive several at once (one request per answer). SQLite then refuses a second
    # writer outright ("database is locked") unless each transaction takes the write lock when it
    # begins and waits its turn: IMMEDIATE, with a 20 s wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# Sessions live in the database, so any app server behind a load balancer can serve any request.
# With REDIS_URL set (as `make serve` does), the cache is shared by every process and machine and
# sessions are read through it; without it (development, tests), a per-process memory cache.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "training"),
            # redis-py waits forever by default: a Redis that stops answering would hold every
            # request (and /healthz/) instead of failing it.
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2")),
                "socket_timeout": float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2")),
            },
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# At least 10 characters of three of the four classes (upper, lower, digit, symbol), not
# containing the username, not like the name or e-mail, not a common password.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "portal.organisation.passwords.EnterprisePasswordValidator",
        "OPTIONS": {"min_length": 10, "min_classes": 3},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# The load balancer checks /healthz/ over plain HTTP behind its TLS (production's
# SECURE_SSL_REDIRECT would answer it with a redirect).
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Wagtail's page and document privacy send anonymous visitors to our login page too.
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

# Sessions end when the browser closes, and after SESSION_IDLE_TIMEOUT seconds (default 30
# minutes, at least 5) without a request; the exam paper pings /accounts/keepalive/ every 4 minutes.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT = max(300, int(os.environ.get("SESSION_IDLE_TIMEOUT", "1800")))

# Login throttling (django-axes): 5 wrong passwords for one username from one address lock that
# pair out for 15 minutes, on our login page and the Wagtail admin's alike; a success resets it.
# A disabled account's password goes through the same count (portal.organisation.backends).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.organisation.backends.LoginBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.organisation.views.login_locked_out"
# The client's address: the connection's, or behind TRUSTED_PROXY_COUNT proxies (a load
# balancer: 1) the one the outermost of them saw, from X-Forwarded-For; a client's own
# X-Forwarded-For entries are never used. (django-ipware is not installed: axes' AXES_IPWARE_*
# settings would do nothing.)
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "portal.organisation.throttle.client_address"
# Per address, whatever the usernames: after 30 failed logins in a 10-minute window, logins from
# that address wait until the window ends (429). Counted in the shared cache (Redis in production).
LOGIN_THROTTLE_FAILURES = int(os.environ.get("LOGIN_THROTTLE_FAILURES", "30"))
LOGIN_THROTTLE_WINDOW = int(os.environ.get("LOGIN_THROTTLE_WINDOW", "600"))
LOGIN_THROTTLE_DELAY = int(os.environ.get("LOGIN_THROTTLE_DELAY", "10"))

# Content-Security-Policy (django-csp 4). Our pages run only our own static scripts and styles:
# no inline script, no inline style, no other origin. The Wagtail admin renders a few inline
# scripts and styles of its own, so /admin/ gets the looser ADMIN policy (portal/security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "frame-src": [SELF],  # page previews
        "frame-ancestors": [SELF],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [PROJECT_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
# Everyone works in Beijing time; the admin account page offers no list of world time zones.
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
USE_I18N = True
USE_TZ = True

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
]
STATICFILES_DIRS = [PROJECT_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_URL = "/static/"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

WAGTAIL_SITE_NAME = "供电服务培训考试平台"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")

# Background jobs (django-tasks). "background" is the database queue that `manage.py run_worker`
# works through (started by `make run` and `make serve`): notices, reminders, closing exams —
# nothing of it runs inside a request. "default" keeps Wagtail's own small housekeeping tasks
# (reference index, file deletion) running at once, as they always have.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "background": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
# What the worker's clock runs once a minute (portal.notifications.tasks.tick), each `job(now=)`.
BACKGROUND_JOBS = [
    "quizzes.papers.scheduling.close_and_release",
    "quizzes.papers.reminders.scan",
    "portal.notifications.tasks.resume_undelivered",
]
# A monthly exam result that changes (a submit, marking, a void, a missed exam) recomputes the
# person's assessment record in a background job (assessment/listeners.py), not in the request.
ASSESSMENT_RECORDS_IN_BACKGROUND = True
# Notices also go by e-mail (Django's mail settings; the console in development) when this is on.
NOTIFICATIONS_EMAIL = os.environ.get("NOTIFICATIONS_EMAIL", "0") == "1"
SITE_URL = WAGTAILADMIN_BASE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# Wagtail's database backend with Chinese queries analysed as the index stores them (the admin).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "portal.search.backends"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# The admin calls no outside host (the Content-Security-Policy would block it anyway): no
# Gravatar images, no release check.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

FIXTURES_DIR = BASE_DIR / "fixtures"

# Practice answers per person: at most N in each window (seconds, N). Slows harvesting of keys
# through practice without getting in the way of real study (one question every five seconds).
PRACTICE_ANSWER_LIMITS = [(60, 12), (3600, 300)]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
