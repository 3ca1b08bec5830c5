#!/usr/bin/env bash
# `make run`: the development server and the background worker (站内通知, reminders, closing
# exams: `manage.py run_worker`), stopped together. HOST / PORT as for runserver.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py run_worker --interval 2 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
echo "后台任务进程已启动（pid $worker）。"
.venv/bin/python manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
