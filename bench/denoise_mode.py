"""denoise_mode "comfyui" against "steps": model evaluations and time per frame at d = 0.3, 0.5, 0.7.

One plain frame on the embedded model (32x32, cfg 7, euler, S=20), planned by `plan()` in each
mode and run by `run_frame`: ComfyUI's KSampler runs S evaluations over the tail of an
int(S / d)-step schedule, the step-count mode S - round((1 - d) S) from sigma_k of the S-step
schedule. The six cases are timed interleaved; ratio = comfyui time / steps time.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/denoise_mode.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import Row, best_median, interleaved, load  # noqa: E402

from seqsampler.frame_call import run_frame  # noqa: E402
from seqsampler.frame_sampler import StandaloneFrameSampler  # noqa: E402
from seqsampler.models.loader import load_model  # noqa: E402
from seqsampler.planning import SequenceConfig, plan  # noqa: E402

DENOISES = (0.3, 0.5, 0.7)


def run(steps: int = 20, repeats: int = 5) -> list[Row]:
    model = load_model()
    fs = StandaloneFrameSampler(model.denoiser, "euler", "normal")
    pos, neg = model.encode_prompt("a red circle"), model.encode_prompt("")
    x = model.encode(torch.full((1, 3, 32, 32), 0.5))
    cases: dict[str, Any] = {}
    evals: dict[str, int] = {}
    for d in DENOISES:
        config = SequenceConfig(steps=steps, cfg=7.0, frame_count=1, inject_noise=False,
                                seed_keying=False, scheduler="normal", schedules={"denoise": [d]})  # fmt: skip
        for mode in ("comfyui", "steps"):
            frame = plan(config, denoise_mode=mode).frames[0]
            cases[f"{mode} {d}"] = lambda frame=frame: run_frame(frame, fs, pos, neg, x)
            before = fs.model_evaluations
            run_frame(frame, fs, pos, neg, x)
            evals[f"{mode} {d}"] = fs.model_evaluations - before
    times = interleaved(cases, repeats)
    print(f"# denoise_mode: embedded model 32x32, S={steps}, cfg 7, euler; {load()}")
    print(
        f"{'d':>4} {'comfyui evals':>13} {'ms':>8} {'steps evals':>11} {'ms':>8} {'comfyui/steps':>13}"
    )
    rows = []
    for d in DENOISES:
        c, s = best_median(times[f"comfyui {d}"])[1], best_median(times[f"steps {d}"])[1]
        ce, se = evals[f"comfyui {d}"], evals[f"steps {d}"]
        print(f"{d:>4} {ce:>13} {1e3 * c:>8.1f} {se:>11} {1e3 * s:>8.1f} {c / s:>13.2f}")
        rows.append(Row("denoise_mode", f"d={d}: comfyui ({ce} evals) / steps ({se} evals), median time per frame", c, s))  # fmt: skip
    return rows


if __name__ == "__main__":
    run()
