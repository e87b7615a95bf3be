#!/usr/bin/env bash
# Full-size SD 1.5 UNet per-frame latency vs bare UNet calls on CUDA (tiny on CPU without one),
# then the same with torch.compile, then the Pareto table's settings per output frame against an
# img2img loop (bench/gpu_pareto.py; gpu.py's arguments are not passed to it).
# Run from the repository root; PY overrides the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export PYTHONPATH=src${PYTHONPATH:+:$PYTHONPATH}
"$PY" bench/gpu.py "$@"
"$PY" bench/gpu.py --compile "$@"
"$PY" bench/gpu_pareto.py
