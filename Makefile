# Two commands for a fresh machine: `make demo` and `make test`. Everything they need is
# installed here, into .venv, from PyPI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create and migrate an embedded SQLite file, load the demo fixtures, serve on 127.0.0.1:8000.
demo: $(STAMP)
	$(BIN)/voucher-engine demo

## The whole suite, SQLite and PostgreSQL (PostgreSQL must be reachable when CI=true).
test: $(STAMP) lint
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks demo-data
