#!/usr/bin/env bash
# `make bench`: make sure PostgreSQL is up (as .ci/run does), create the benchmark database if it
# is absent, migrate, load the seed content and the load data (each step only adds what is
# missing), then run the benchmarks and print their table. BENCH_DATABASE_URL picks the database.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

# Development settings with the load tools (generate_load_data) installed, debug off.
export DJANGO_SETTINGS_MODULE=portal.settings.bench
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/training_bench}"
name="${DATABASE_URL##*/}"
server="${DATABASE_URL%/*}/postgres"
if [ "$(psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != "1" ]; then
  psql "$server" -qc "CREATE DATABASE \"$name\""
fi

.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_initial_data --skip-demo-history
.venv/bin/python manage.py generate_load_data ${BENCH_SIZES:-}
.venv/bin/python tests/bench/run.py ${BENCH_ARGS:-}
