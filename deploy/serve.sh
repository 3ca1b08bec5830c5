#!/usr/bin/env bash
# `make serve`: run the site as in production on this machine: PostgreSQL from DATABASE_URL,
# Redis for the shared cache and sessions, static files collected and served by WhiteNoise,
# gunicorn with several worker processes (deploy/gunicorn.conf.py), and the background worker
# (manage.py run_worker). Settings: deploy/env.sh.
#
# SERVE_SETUP=0 skips starting PostgreSQL/Redis, creating the database, migrate, the seed data
# and collectstatic: a plain restart of the app server.
set -euo pipefail
cd "$(dirname "$0")/.."
. deploy/env.sh

if [ "${SERVE_SETUP:-1}" != "0" ]; then
  bash deploy/services.sh
  .venv/bin/python deploy/ensure_database.py
  .venv/bin/python manage.py migrate --noinput
  .venv/bin/python manage.py load_initial_data
  .venv/bin/python manage.py collectstatic --noinput --verbosity 0
fi

# The background worker (django-tasks, database queue): notices, reminders, closing exams. One or
# more per server; they share the queue in the database. SERVE_WORKER=0 runs the web server only.
if [ "${SERVE_WORKER:-1}" != "0" ]; then
  .venv/bin/python manage.py run_worker --worker-id "$(hostname)-$$" &
  echo "后台任务进程已启动（pid $!）。"
fi

echo "服务地址：http://${GUNICORN_BIND:-127.0.0.1:8000}/  数据库：$(echo "$DATABASE_URL" | sed -E 's#//[^@/]*@#//#')"
exec .venv/bin/gunicorn --config deploy/gunicorn.conf.py
