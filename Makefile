# prbot developer tasks. `make demo` and `make test` are the two commands a newcomer needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench run clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/prbot demo

# Both tiers: the fast one (rules, parsers, storage, scheduling, rendering) and the full one (the
# embedding model, Chroma, prbot as a subprocess).
test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/prbot db check
	$(BIN)/python -m pytest

# The inner loop: everything that needs neither the embedding model nor a subprocess, on two workers.
test-fast: install
	$(BIN)/python -m pytest -m "not full" -n 2

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	$(BIN)/prbot bench retrieval --squad ../shared/bench/cmrc2018_trial.json
	$(BIN)/prbot bench scale

run: install
	$(BIN)/prbot run

clean:
	rm -rf $(VENV) data .pytest_cache
