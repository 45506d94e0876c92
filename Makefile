# Two commands matter: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run test lint format types pytest screenshots bench bench-core bench-core-1m bench-cli bench-tui bench-chat clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "agentsess-tui needs Python 3.11 or newer; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(STAMP)

## Launch the TUI on the default database (ARGS="--demo" for sample data).
run: $(STAMP)
	$(BIN)/agentsess-tui $(ARGS)

## Lint, type-check and run the whole test suite.
test: $(TSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(TSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TSTAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

types: $(TSTAMP)
	$(BIN)/mypy

pytest: $(TSTAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

## Regenerate screenshots/*.svg from demo data with a frozen clock.
screenshots: $(STAMP)
	$(BIN)/python -m agentsess_tui.app.screenshots screenshots

## Benchmarks write their figures to bench/results/ (slow: they build large databases).
bench: bench-core bench-cli bench-tui bench-chat

bench-core: $(STAMP)
	$(BIN)/python bench/core.py

## The 1M-session, 10M-message set (built once: 5.2 GB, 34 min on 2 busy cores).
bench-core-1m: $(STAMP)
	$(BIN)/python bench/core.py --scale 10 --only page,search,chats --name core-1m
	$(BIN)/python bench/core.py --scale 10 --only procs --name core-1m-writers

bench-cli: $(STAMP)
	$(BIN)/python bench/cli.py

bench-tui: $(STAMP)
	$(BIN)/python bench/tui.py

bench-chat: $(STAMP)
	$(BIN)/python bench/chat.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build dist
