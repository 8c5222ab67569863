# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CLIENTBOOK_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test lint typecheck test-sqlite test-postgres test-citus fuzz install migration clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@# The console's browser tests drive Debian's Chromium (tests/surfaces/console).
	@test -x /usr/bin/chromium || { apt-get update -qq && apt-get install -y -qq chromium; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make run PORT=8080` (or HOST=0.0.0.0): the demo banner prints the same address.
HOST ?= $(or $(CLIENTBOOK_HOST),127.0.0.1)
PORT ?= $(or $(CLIENTBOOK_PORT),8000)
# Aimeos' /jsonapi answers for the demo store when a request names no other.
DEFAULT_STORE ?= $(or $(CLIENTBOOK_DEFAULT_STORE),DEMO)
run: $(STAMP)
	CLIENTBOOK_HOST=$(HOST) CLIENTBOOK_PORT=$(PORT) $(BIN)/clientbook demo
	CLIENTBOOK_HOST=$(HOST) CLIENTBOOK_PORT=$(PORT) CLIENTBOOK_DEFAULT_STORE=$(DEFAULT_STORE) \
		$(BIN)/clientbook serve

# The two legs run side by side (each prints its output when it ends): on two cores
# that halves the wait. pytest-timeout stops a hung test, so a leg always ends.
test: lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

test-sqlite: $(STAMP)
	CLIENTBOOK_TEST_DATABASE_URL= $(BIN)/pytest

test-postgres: $(STAMP)
	$(BIN)/python scripts/postgres_leg.py $(BIN)/pytest

# Not part of `make test` (CI has no Citus): the suite on a Citus cluster whose database
# CLIENTBOOK_TEST_CITUS_URL names, emptied, migrated and distributed first (docs/citus.md).
test-citus: $(STAMP)
	$(BIN)/python scripts/citus_leg.py $(BIN)/pytest

# A long fuzzing run: many cases per operation, on SQLite then PostgreSQL
# (`make test` runs the same tests with CLIENTBOOK_FUZZ_EXAMPLES=10).
FUZZ_EXAMPLES ?= 500
fuzz: $(STAMP)
	CLIENTBOOK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) CLIENTBOOK_TEST_DATABASE_URL= $(BIN)/pytest tests/fuzz
	CLIENTBOOK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python scripts/postgres_leg.py $(BIN)/pytest tests/fuzz

# `make migration m="add price lists"` writes a new migration from the models.
migration: $(STAMP)
	CLIENTBOOK_DATABASE_URL=sqlite:///$(CURDIR)/var/migration-draft.sqlite3 $(BIN)/clientbook migrate
	CLIENTBOOK_DATABASE_URL=sqlite:///$(CURDIR)/var/migration-draft.sqlite3 $(BIN)/alembic revision --autogenerate -m "$(m)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
