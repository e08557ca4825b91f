# Haven — the two commands a newcomer needs:
#   make run    set up and serve Haven on http://127.0.0.1:8000 (SQLite + key files under ./var/)
#   make test   the whole test suite (lint, types, migrations, tests on SQLite, on PostgreSQL when
#               DATABASE_URL points at one, and browser tests)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
export HAVEN_DATA_DIR ?= ./var
# Test processes (pytest-xdist); each one has its own data directory and keys.
PYTEST_WORKERS ?= 2

.PHONY: run init serve test test-fast lint types migrations-check pytest pytest-pg browser-deps bench docs lock clean help

help:
	@echo "make run    — set up and serve Haven on http://127.0.0.1:8000 (demo accounts printed)"
	@echo "make test   — the whole test suite"
	@echo "make test-fast — tests without the slow and browser ones, for a quick loop"
	@echo "make bench  — benchmarks (figures written to bench/results/)"
	@echo "make lock   — rewrite the hash-pinned lock files (UPGRADE=name moves one package)"

# Every package comes from a lock file that pins its version and the sha256 of its files, installed with
# --require-hashes: pip refuses any other bytes and any package the lock does not list. Haven itself is
# installed from this checkout in a separate step (no hash to check, no dependency pulled in). Wheels
# only: installing runs no package's build code. The locks are written by `make lock` (CONTRIBUTING.md).
PIP_LOCKED := $(BIN)/pip install --quiet --require-virtualenv --require-hashes --only-binary :all:

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements/pip.lock requirements/runtime.lock pyproject.toml | $(VENV)/bin/python
	$(PIP_LOCKED) -r requirements/pip.lock
	$(PIP_LOCKED) -r requirements/runtime.lock
	$(BIN)/pip install --quiet --require-virtualenv --no-deps -e .
	touch $@

$(DEV_STAMP): requirements/dev.lock $(RUNTIME_STAMP)
	$(PIP_LOCKED) -r requirements/dev.lock
	touch $@

run: $(RUNTIME_STAMP)
	HAVEN_ENV=local $(BIN)/haven init --demo
	HAVEN_ENV=local $(BIN)/haven serve --host 127.0.0.1 --port 8000

# Debian's chromium drives the browser tests; gettext lets a test compare the catalogues with the code.
browser-deps:
	@if command -v chromium >/dev/null && command -v xgettext >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = "0" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium gettext >/dev/null; \
	else \
		echo "The browser tests need Debian's chromium and gettext. Run:"; \
		echo "  sudo apt-get update && sudo apt-get install -y chromium gettext"; exit 2; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check haven tests bench
	$(BIN)/ruff format --check haven tests bench
	$(BIN)/lint-imports --no-logo --no-cache

types: $(DEV_STAMP)
	$(BIN)/mypy haven

migrations-check: $(DEV_STAMP)
	HAVEN_ENV=test HAVEN_DATA_DIR=$$(mktemp -d) $(BIN)/haven makemigrations --check --dry-run

pytest: $(DEV_STAMP) browser-deps
	$(BIN)/python -m haven.core.i18n_build
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider -q -n $(PYTEST_WORKERS)

pytest-pg: $(DEV_STAMP)
	@if [ -n "$$DATABASE_URL" ]; then \
		echo "== the same tests on PostgreSQL ($${DATABASE_URL%%@*}@…)"; \
		$(BIN)/pytest -p no:cacheprovider -q -n $(PYTEST_WORKERS) -m "not browser"; \
	else echo "DATABASE_URL is not set: skipping the PostgreSQL run"; fi

test: lint types migrations-check pytest pytest-pg

test-fast: $(DEV_STAMP)
	$(BIN)/python -m haven.core.i18n_build
	env -u DATABASE_URL $(BIN)/pytest -p no:cacheprovider -q -m "not slow and not browser" -x

bench: $(DEV_STAMP)
	$(BIN)/python bench/run_all.py

# Rewrite the hash-pinned locks from pyproject.toml, keeping every existing pin; UPGRADE=name moves one
# package. Needs uv (UV=/path/to/uv) and PyPI.
UV ?= uv
lock:
	UV=$(UV) requirements/compile $(if $(UPGRADE),--upgrade-package $(UPGRADE))

docs: $(RUNTIME_STAMP)
	HAVEN_ENV=test HAVEN_DATA_DIR=$$(mktemp -d) $(BIN)/haven docs permissions --write

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
