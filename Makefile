# Two commands matter: `make run` (set up and serve on SQLite) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install setup run test lint format clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

setup: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_initial_data

# The site and its background worker (manage.py run_worker: notices, reminders, closing exams).
run: setup
	@$(BIN)/python manage.py demo_accounts
	HOST=$(HOST) PORT=$(PORT) bash deploy/dev.sh

# The background worker alone, e.g. on a second server or beside a web server started otherwise
# (make run and make serve start one themselves). Several may run: they share the database queue.
.PHONY: worker
worker: install
	$(BIN)/python manage.py run_worker

# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (PostgreSQL-only tests run there).
test: install
	env -u DATABASE_URL $(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$TEST_DATABASE_URL"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var $(VENV) .pytest_cache .ruff_cache

# Benchmarks (issue 7, not part of `make test`): PostgreSQL database training_bench (created if
# absent; BENCH_DATABASE_URL to change), 100,000 questions, 10,000 staff, 12 months of records
# (generate_load_data, only what is missing), then one table of figures. Takes minutes.
.PHONY: bench
bench: install
	tests/bench/bench.sh

# Search quality (issue 16): run a file of queries through /search/ as staff see it, print each
# query's first five result pages and found/total last. SEARCH_QUERIES picks the file.
SEARCH_QUERIES ?= ../shared/search/dev_queries.tsv
.PHONY: search-eval
search-eval: setup
	$(BIN)/python manage.py search_eval $(SEARCH_QUERIES)

# Compile the project's zh_Hans catalogue (needs gettext's msgfmt; the compiled .mo is committed).
messages:
	msgfmt --check -o site/locale/zh_Hans/LC_MESSAGES/django.mo site/locale/zh_Hans/LC_MESSAGES/django.po
	msgfmt --check -o site/locale/zh_Hans/LC_MESSAGES/djangojs.mo site/locale/zh_Hans/LC_MESSAGES/djangojs.po

# Production mode on this machine: PostgreSQL (DATABASE_URL, default database `training`), Redis,
# collected static files, gunicorn and the background worker (deploy/). README: 生产部署.
.PHONY: serve loadtest crashtest
serve: install
	bash deploy/serve.sh

# Against `make serve` on its own database training_load and port 8100; minutes, not in `make test`.
# LOAD_PROFILE=realistic (default: 2,000 people within 120 s, a save every 15-30 s; every p95 < 1 s)
# or burst (a save every 2-5 s; the sustained save rate). LOAD_SERVERS=2: two app servers behind
# Debian's HAProxy (installed when missing), one killed mid-run. docs/performance.md.
loadtest: install
	@if [ "$${LOAD_SERVERS:-1}" -gt 1 ]; then bash scripts/install-haproxy.sh; fi
	$(BIN)/python -m tests.load.loadtest

crashtest: install
	$(BIN)/python -m tests.load.crashtest

# End-to-end tests in Debian's Chromium driven by Playwright for Python (never a downloaded browser),
# with axe-core from npm for the accessibility check. README: 端到端测试（浏览器）.
.PHONY: e2e e2e-deps
e2e-deps:
	bash scripts/install-browser.sh

e2e: install e2e-deps
	env -u DATABASE_URL $(BIN)/pytest -m e2e tests/e2e
