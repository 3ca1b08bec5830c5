# Sourced by deploy/serve.sh (and by the load and crash tests before they run manage.py against
# the same server): the production settings with defaults for a plain-HTTP run on 127.0.0.1.
# Whatever is already in the environment wins.

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/training}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export DJANGO_SETTINGS_MODULE=portal.settings.production
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost}"
export DB_CONN_MAX_AGE="${DB_CONN_MAX_AGE:-600}"
# Plain HTTP on the loopback address: no redirect to HTTPS and no Secure-only cookies. Behind a
# TLS load balancer set these to true (or leave them unset there: true is the default).
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SESSION_COOKIE_SECURE="${SESSION_COOKIE_SECURE:-false}"
export CSRF_COOKIE_SECURE="${CSRF_COOKIE_SECURE:-false}"

mkdir -p var
# One key for every process and every app server: sessions and CSRF tokens signed by one server
# must verify on another. Generated once for this machine; in production pass SECRET_KEY.
if [ -z "${SECRET_KEY:-}" ]; then
  if [ ! -s var/secret_key ]; then
    (umask 077 && .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key)
  fi
  SECRET_KEY="$(cat var/secret_key)"
  export SECRET_KEY
fi
