# The two commands: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
# The first Python 3.11+ on PATH. The probe is quiet (a pyenv shim for a version that is not
# installed says so on stderr) and runs at most once per make (the value is kept on first use).
PYTHON_PROBE = $(shell for p in python3.13 python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null 2>&1 && \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then \
	echo $$p; break; fi; done 2>/dev/null)
PYTHON ?= $(eval PYTHON := $(PYTHON_PROBE))$(PYTHON)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

.PHONY: run test lint lint-openapi format fuzz openapi bench bench-1m previews bench-engine bench-import clean help

help:
	@echo "make run   - set up .venv and serve the API on http://$(HOST):$(PORT) (docs at /docs)"
	@echo "make test  - set up .venv with dev extras and run the whole test suite"
	@echo "make lint  - ruff check, ruff format --check, mypy"
	@echo "make previews - PNG renders of opinion letters and the public page (build/previews)"

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[embedded]'
	@touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.stamp-run

# Webhooks are delivered by the server processes themselves here (in production, run
# `vetting worker` as a process of its own); VETTING_WEBHOOK_WORKER_IN_SERVER=false turns it off.
run: $(VENV)/.stamp-run
	VETTING_WEBHOOK_WORKER_IN_SERVER=$${VETTING_WEBHOOK_WORKER_IN_SERVER:-true} \
	$(BIN)/vetting serve --host $(HOST) --port $(PORT) --workers $(WORKERS) --demo

test: $(VENV)/.stamp-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp-dev
	$(BIN)/ruff check app tests scripts bench
	$(BIN)/ruff format --check app tests scripts bench
	$(BIN)/mypy app
	$(BIN)/lint-imports
	../shared/tools/import-cycles app 2>/dev/null || [ ! -x ../shared/tools/import-cycles ]

lint-openapi:
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	npx --no-install redocly lint openapi/openapi.json

format: $(VENV)/.stamp-dev
	$(BIN)/ruff check --fix app tests scripts bench
	$(BIN)/ruff format app tests scripts bench

fuzz: $(VENV)/.stamp-dev
	$(BIN)/python scripts/fuzz_api.py --max-time 150

# The vetting benchmark (bench/run.py --help): ARGS passes options, e.g. ARGS="--seconds 10".
bench: $(VENV)/.stamp-dev
	$(BIN)/python bench/run.py $(ARGS)

# PNG renders of the opinion letter (objection, no objection, sealed; pages 1 and 2) and of the
# public results page, for review (not committed): build/previews/. The page is screenshotted by
# headless Chromium, installed from Debian's packages when missing and run as root; elsewhere
# install it yourself (without it the page's HTML is written and its PNG skipped).
previews: $(VENV)/.stamp-dev
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && echo "installing Chromium (Debian package chromium) for the page's screenshot" \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; } || true
	$(BIN)/python scripts/previews.py build/previews

bench-1m: $(VENV)/.stamp-dev
	$(BIN)/python bench/run.py --cadres 1000000 $(ARGS)

bench-engine: $(VENV)/.stamp-dev
	$(BIN)/python bench/engine_bench.py

bench-import: $(VENV)/.stamp-dev
	$(BIN)/python bench/import_bench.py

openapi: $(VENV)/.stamp-dev
	$(BIN)/vetting openapi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
