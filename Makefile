# The two quickstart commands: `make demo` and `make test`. Each sets up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/seqsampler: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/seqsampler

demo: setup
	$(BIN)/seqsampler demo --overwrite

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# One torch thread per worker: two workers of two threads each on two cores run 3x slower.
test: setup lint
	OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 -q

.PHONY: setup demo lint test
