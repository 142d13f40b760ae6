# prbot developer tasks. `make demo` and `make test` are the two commands a newcomer needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench run clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/prbot demo

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/prbot db check
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

bench: install
	$(BIN)/prbot bench retrieval --squad ../shared/bench/cmrc2018_trial.json
	$(BIN)/prbot bench scale

run: install
	$(BIN)/prbot run

clean:
	rm -rf $(VENV) data .pytest_cache
