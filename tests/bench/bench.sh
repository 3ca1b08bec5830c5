#!/usr/bin/env bash
# `make bench`: make sure PostgreSQL and Redis are up, create the benchmark database if it
# is absent, migrate, load the seed content and the load data (each step only adds what is
# missing), then run the benchmarks and print their table. BENCH_DATABASE_URL picks the database.
set -euo pipefail
cd "$(dirname "$0")/../.."

# PostgreSQL and Redis up (installed from Debian's packages if missing), as for `make serve`.
bash deploy/services.sh

# Development settings with the load tools (generate_load_data) installed, debug off.
export DJANGO_SETTINGS_MODULE=portal.settings.bench
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/training_bench}"
# The shared cache and sessions in Redis, as in production (its own database number and prefix).
export REDIS_URL="${BENCH_REDIS_URL:-redis://127.0.0.1:6379/2}"
export CACHE_KEY_PREFIX=bench
name="${DATABASE_URL##*/}"
server="${DATABASE_URL%/*}/postgres"
if [ "$(psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" != "1" ]; then
  psql "$server" -qc "CREATE DATABASE \"$name\""
fi

.venv/bin/python manage.py migrate --noinput -v 0
.venv/bin/python manage.py load_initial_data --skip-demo-history
.venv/bin/python manage.py generate_load_data ${BENCH_SIZES:-}
.venv/bin/python tests/bench/run.py ${BENCH_ARGS:-}
