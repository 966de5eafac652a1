# Two commands for a fresh machine: `make demo` and `make test`. Everything they need is
# installed here, into .venv, from PyPI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test lint bench bench-report bench-baseline clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Create and migrate an embedded SQLite file, load the demo fixtures, serve on 127.0.0.1:8000.
demo: $(STAMP)
	$(BIN)/voucher-engine demo

## The whole suite, SQLite and PostgreSQL (PostgreSQL must be reachable when CI=true); then
## every benchmark once, untimed and small, so none rots (docs/benchmarks.md).
## The suite runs on TEST_WORKERS processes (pytest-xdist): most tests wait on a database or a
## server process as much as they compute, so more workers than cores still pays. A test file
## stays on one worker (--dist loadfile), so a module's shared server process starts once.
TEST_WORKERS ?= 4

test: $(STAMP) lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile
	$(BIN)/pytest benchmarks --benchmark-disable -q

## Import contracts, the linter and the formatter's check (ruff), the type checker (mypy --strict;
## its packages are in pyproject.toml) and the documentation site, where a link to nothing fails
## the build.
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check src adapters plugins tests benchmarks
	$(BIN)/ruff format --check src adapters plugins tests benchmarks
	$(BIN)/mypy
	$(BIN)/mkdocs build --strict --quiet

BENCH_RESULTS := benchmarks/results/raw.json

## The benchmarks, timed (about 15 minutes): writes benchmarks/REPORT.md and
## benchmarks/results/, and fails when a ratio fell more than 30% below benchmarks/baseline.json.
bench: $(STAMP)
	command -v wrk || (apt-get update && apt-get install -y wrk)
	mkdir -p benchmarks/results
	$(BIN)/pytest benchmarks --benchmark-json=$(BENCH_RESULTS) --benchmark-sort=name \
		--benchmark-columns=median,rounds -q
	$(BIN)/python benchmarks/report.py $(BENCH_RESULTS) --check

## Write benchmarks/REPORT.md again from the last `make bench` run (no new measurements).
bench-report: $(STAMP)
	$(BIN)/python benchmarks/report.py $(BENCH_RESULTS)

## Store the last run's ratios as the baseline `make bench` compares against.
bench-baseline: $(STAMP)
	$(BIN)/python benchmarks/report.py $(BENCH_RESULTS) --write-baseline

clean:
	rm -rf $(VENV) .pytest_cache .benchmarks demo-data site
