# The two quickstart commands: `make demo` and `make test`. Each sets up .venv first (`make demo`
# with the [cli] extra only; `make test`, `lint`, `check` and `bench` add the [dev] extra).
#   make test        lint + the whole suite: the tests in .venv (torch 2.13.0 CPU), then the tests
#                    marked `comfyui` in a venv that imports a real ComfyUI (.ci/comfy-env builds
#                    it once from ../shared/vendor or $COMFYUI_TARBALL, cached outside the repo)
#   make test-comfy  only the tests marked `comfyui`
#   make check       the fast tier for the edit loop: .venv, not `slow`, not `comfyui`
SHELL := bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
COMFY_ENV := .ci/comfy-env
# One torch thread per worker: two workers of two threads each on two cores run 3x slower.
XDIST := -n 2
# The slowest tests, listed after each run, so the suite's time stays visible in CI's log.
DURATIONS := --durations=15
# A test that needs ComfyUI but is not marked `comfyui` skips in .venv (COMFYUI_PATH unset):
# that fails the run, and so does any skip in the ComfyUI run, so that nothing skips for want
# of ComfyUI. pytest's -ra summary lists the skips ("SKIPPED [n] file:line: reason").
define pytest_no_skips
	@log=$$(mktemp) && trap 'rm -f "$$log"' EXIT && set -o pipefail && \
	echo '$(1)' && OMP_NUM_THREADS=1 $(1) 2>&1 | tee "$$log" && \
	if grep -Ei '^SKIPPED.*$(2)' "$$log" >/dev/null; then \
		echo "make: $(3)" >&2; exit 1; fi
endef

# Two stamps: `setup` (what `make demo` needs: torch, then the project with its [cli] extra) and
# `setup-dev` (the [dev] extra on top: pytest, ruff, mypy, Ray), so `make demo` installs no test
# tools; either order of `make demo` and `make test` works.
$(BIN)/seqsampler: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[cli]'
	touch $@

$(VENV)/dev.stamp: $(BIN)/seqsampler pyproject.toml
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

setup: $(BIN)/seqsampler

setup-dev: $(VENV)/dev.stamp

demo: setup
	$(BIN)/seqsampler demo --overwrite

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: setup-dev lint
	$(call pytest_no_skips,$(BIN)/pytest $(XDIST) $(DURATIONS) -q -m "not comfyui",COMFYUI,a test above skipped for want of ComfyUI: mark it @pytest.mark.comfyui)
	$(MAKE) --no-print-directory test-comfy

# Not after setup: it needs only the ComfyUI venv, not .venv.
test-comfy:
	$(call pytest_no_skips,$(COMFY_ENV) -- pytest $(XDIST) $(DURATIONS) -q -m comfyui,,the ComfyUI run skipped tests (above); it must run them all)

check: setup-dev
	OMP_NUM_THREADS=1 $(BIN)/pytest $(XDIST) -q -m "not slow and not comfyui"

# Every benchmark in one table, written into BENCHMARKS.md (machine, versions, date); `bench/*.py`
# also run alone.
bench: setup-dev
	OMP_NUM_THREADS=1 $(BIN)/python bench/run_all.py

.PHONY: setup setup-dev demo lint test test-comfy check bench
