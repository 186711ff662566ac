# Patron — everyday commands. `make run` serves a demo on http://127.0.0.1:8000; `make test`
# runs the whole suite on SQLite and, when a PostgreSQL server answers, on PostgreSQL too.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1
PYTEST_ARGS ?=
CHROMIUM := /usr/bin/chromium
PATRON_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export PATRON_TEST_POSTGRES_URL

# Exit 0 when PostgreSQL accepts a connection at PATRON_TEST_POSTGRES_URL within 5 seconds.
PG_ANSWERS = $(BIN)/python -c 'import asyncio, os, asyncpg; \
	asyncio.run(asyncpg.connect(os.environ["PATRON_TEST_POSTGRES_URL"], timeout=5))' >/dev/null 2>&1

.PHONY: run test lint schema migrations bench bench-jobs bench-scale wrk locales messages chromium install install-test

# --- environment ----------------------------------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled catalogs (.mo) are build output, not committed: compile whenever .po files exist.
locales: $(VENV)/.installed
	@if [ -d portal/locales ] && find portal/locales -name '*.po' | grep -q .; then \
		$(BIN)/pybabel compile -d portal/locales --statistics; \
	fi

# After changing portal strings: merge them into the catalogs (new ones at the end) and list what
# is left to translate; exits 1 while anything is untranslated.
messages: $(VENV)/.installed
	$(BIN)/python -m portal.catalogs

# The browser tests drive Debian's Chromium (with a CJK font for the Chinese pages); install it
# when missing (needs root and apt).
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
			|| echo "make: could not install chromium with apt-get; the browser tests need $(CHROMIUM)."; \
	else \
		echo "make: $(CHROMIUM) is missing and this is not root: run 'sudo apt-get install chromium' for the browser tests."; \
	fi

# --- run --------------------------------------------------------------------------------------

run: $(VENV)/.installed locales
	$(BIN)/patron migrate
	$(BIN)/patron demo
	$(BIN)/patron serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

# --- checks -----------------------------------------------------------------------------------

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# Lint, pytest on SQLite, then pytest on PostgreSQL when it answers. Under CI=true a PostgreSQL
# that does not answer fails the run: the PostgreSQL half is never skipped silently in CI.
test: $(VENV)/.installed-test chromium locales
	@status=0; \
	echo "== ruff check"; \
	$(BIN)/ruff check . || status=1; \
	echo "== pytest on SQLite"; \
	$(BIN)/python -m pytest $(PYTEST_ARGS) || status=1; \
	if $(PG_ANSWERS); then \
		echo "== pytest on PostgreSQL (a throw-away database for this run)"; \
		PATRON_TEST_DB=postgres $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS) || status=1; \
	elif [ "$$CI" = "true" ]; then \
		echo "make test: FAILED: PostgreSQL does not answer at PATRON_TEST_POSTGRES_URL; under CI=true the PostgreSQL run may not be skipped." >&2; \
		status=1; \
	else \
		echo "make test: PostgreSQL does not answer at PATRON_TEST_POSTGRES_URL; skipped the PostgreSQL run."; \
	fi; \
	exit $$status

# --- maintenance ------------------------------------------------------------------------------

schema: $(VENV)/.installed
	$(BIN)/patron export-schema
	@if [ -f ../shared/tools/check_contract.py ]; then \
		$(PYTHON) ../shared/tools/check_contract.py schema/schema.graphql; \
	fi

# New migration for model changes (tortoise reads server.core.database.TORTOISE_ORM; a scratch
# SQLite URL keeps it away from real data). Name it with: make migrations NAME=add_x
migrations: $(VENV)/.installed
	DATABASE_URL=sqlite:///tmp/patron-makemigrations-$$$$.db $(BIN)/tortoise makemigrations $(if $(NAME),--name $(NAME))

# Patron against a bare endpoint, in one run (SQLite; BENCH_ARGS=--postgres for PostgreSQL), then
# the dashboard's SQL count. wrk (Debian's package) drives the load; installed here when missing.
bench: $(VENV)/.installed-test wrk
	$(BIN)/python bench/ratio.py $(BENCH_ARGS)
	$(BIN)/python bench/sql_count.py $(filter --postgres,$(BENCH_ARGS))

# The slow part: a million members (build time, flat reads, nightly jobs under load; workers and
# memory on PostgreSQL), and the scale tests marked slow. SCALE_ARGS="--members 100000" for less.
# A day's nightly jobs (expiry, warnings, tier reviews and notices, birthdays, anniversaries) at
# 100k members, SQLite then PostgreSQL when it answers; JOBS_ARGS=--members 1000000 for a million.
bench-jobs: $(VENV)/.installed-test
	$(BIN)/python bench/jobs_bench.py $(JOBS_ARGS)
	@if $(PG_ANSWERS); then $(BIN)/python bench/jobs_bench.py --postgres $(JOBS_ARGS); fi

bench-scale: $(VENV)/.installed-test wrk
	$(BIN)/python -m pytest -m slow tests/performance -q
	$(BIN)/python bench/scale.py $(SCALE_ARGS)
	@if $(PG_ANSWERS); then $(BIN)/python bench/scale.py --postgres $(SCALE_ARGS); fi

wrk:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's wrk for the benchmarks..."; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
			|| echo "make: could not install wrk with apt-get; the benchmarks need it."; \
	else \
		echo "make: wrk is missing and this is not root: run 'sudo apt-get install wrk' for the benchmarks."; \
	fi
