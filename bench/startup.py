"""Start-up: wall time of fresh processes, from exec to exit (interpreter start included).

Rows (median of `repeats` interleaved rounds, one warm-up round first, OMP_NUM_THREADS=1):
- `seqsampler --version` vs `python -c pass` (the interpreter alone);
- `seqsampler plan examples/demo.toml` vs `python -c "import torch"` (plan imports no torch);
- loading the embedded model (`load_model()`, torch-only modules) vs building the same folder
  with diffusers' `UNet2DConditionModel` and transformers' `CLIPTextModel` (what it did before).
Goals (issue 28): plan under 1.5 s, model load under 2 s on the 2-core CI machine.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/startup.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Row, best_median, load  # noqa: E402

LOAD_OURS = "from seqsampler.models.loader import load_model; load_model()"
LOAD_DIFFUSERS = (
    "import torch; from diffusers import UNet2DConditionModel; "
    "from transformers import CLIPTextModel; from seqsampler.models.embedded import EMBEDDED_DIR; "
    "UNet2DConditionModel.from_pretrained(EMBEDDED_DIR / 'unet', torch_dtype=torch.float32, "
    "low_cpu_mem_usage=False); "
    "CLIPTextModel.from_pretrained(EMBEDDED_DIR / 'text_encoder', dtype=torch.float32)"
)
CLI = [sys.executable, "-m", "seqsampler.cli"]
COMMANDS = {
    "version": [*CLI, "--version"],
    "python": [sys.executable, "-c", "pass"],
    "plan": [*CLI, "plan", str(ROOT / "examples" / "demo.toml")],
    "import torch": [sys.executable, "-c", "import torch"],
    "load": [sys.executable, "-c", LOAD_OURS],
    "load diffusers": [sys.executable, "-c", LOAD_DIFFUSERS],
}
PAIRS = [
    ("seqsampler --version vs python -c pass", "version", "python"),
    ("seqsampler plan demo.toml vs python -c 'import torch'", "plan", "import torch"),
    ("embedded model load: torch-only vs diffusers+transformers", "load", "load diffusers"),
]


def _seconds(argv: list[str]) -> float:
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(ROOT / "src"),
        "HF_HUB_OFFLINE": "1",
    }
    start = time.perf_counter()
    subprocess.run(
        argv, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def run(repeats: int = 5) -> list[Row]:
    print(f"# startup: fresh processes, median of {repeats}; {load()} at start")
    for argv in COMMANDS.values():  # warm-up: the file cache
        _seconds(argv)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(repeats):
        for name, argv in COMMANDS.items():
            times[name].append(_seconds(argv))
    med = {name: best_median(values)[1] for name, values in times.items()}
    for name, value in med.items():
        print(
            f"{name:>16}: median {value:.2f} s (min {min(times[name]):.2f}, max {max(times[name]):.2f})"
        )
    return [Row("startup", compares, med[a], med[b]) for compares, a, b in PAIRS]


if __name__ == "__main__":
    from _common import table

    print(table(run()))
