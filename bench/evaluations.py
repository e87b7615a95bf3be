"""Model work exactly as planned: network calls and batch sizes per frame, standalone front door.

Per path, with S steps, euler (one model evaluation per step), denoise 0.5 (k = S/2):
plain S (ComfyUI denoise), plain S - k (denoise_mode "steps"), unsample 2(S - k), copy 0;
cfg 1 makes one call of batch 1 per evaluation (no uncond pass), cfg > 1 one call of batch 2
(cond and uncond batched). Counted with a network that records every call.

Evaluations per frame = network items (the sum of the batch sizes of its calls). With
cfg_mode "full" a plain frame of S' calls costs 2 S' at cfg > 1; with "once" its first call is
batch 2 and the other S' - 1 batch 1: S' + 1. Unsampling inverts with full guidance in either
mode: an unsampled frame costs 2(S-k) + 2(S-k) full, 2(S-k) + (S-k) + 1 once.

    PYTHONPATH=src .venv/bin/python bench/evaluations.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402

from seqsampler.conditioning import Conditioning  # noqa: E402
from seqsampler.frame_sampler import StandaloneFrameSampler  # noqa: E402
from seqsampler.models.denoiser import DiscreteDenoiser  # noqa: E402
from seqsampler.planning import SequenceConfig, plan  # noqa: E402
from seqsampler.sampling import sd_sigma_space  # noqa: E402
from seqsampler.sequence import run_sequence  # noqa: E402


class CountingNetwork:
    """A stand-in eps network (0.1 x) that records the batch size of every call."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    def __call__(self, x: torch.Tensor, timestep: torch.Tensor, cond: Any) -> torch.Tensor:
        self.batches.append(x.shape[0])
        return 0.1 * x


def count(
    steps: int,
    cfg: float,
    *,
    unsample: bool,
    denoise_mode: str = "comfyui",
    cfg_mode: str = "full",
) -> list[list[int]]:
    """Per frame of a 3-frame chain (denoise 1.0, 0.5, 0.0): the batch size of each call."""
    network = CountingNetwork()
    denoiser = DiscreteDenoiser(network, sd_sigma_space())
    fs = StandaloneFrameSampler(denoiser, "euler", "normal", cfg_mode=cfg_mode)
    config = SequenceConfig(
        steps=steps, cfg=cfg, frame_count=3, inject_noise=False, seed_keying=False,
        unsample_latents=unsample, schedules={"denoise": [1.0, 0.5, 0.0]},
    )  # fmt: skip
    the_plan = plan(config, denoise_mode=denoise_mode)
    per_frame: list[list[int]] = []

    def on_frame(frame: Any, latent: torch.Tensor) -> None:
        per_frame.append(network.batches[sum(len(f) for f in per_frame) :])

    cond = Conditioning(torch.ones(1, 4, 8))
    run_sequence(the_plan, fs, [cond], [cond], torch.zeros(1, 4, 8, 8), on_frame=on_frame)
    return per_frame


def table(steps: int = 20) -> list[tuple[str, list[int], list[int], str]]:
    """(case, calls per frame, batch sizes seen, expected) rows, cfg_mode "full"."""
    k = steps // 2
    rows = []
    cases = [
        ("cfg 7, comfyui: plain S, plain S, copy 0", 7.0, False, "comfyui", [steps, steps, 0]),
        ("cfg 7, steps: plain S, plain S-k, copy 0", 7.0, False, "steps", [steps, steps - k, 0]),
        (
            "cfg 7, unsample: plain S, 2(S-k), copy 0",
            7.0,
            True,
            "comfyui",
            [steps, 2 * (steps - k), 0],
        ),  # fmt: skip
        ("cfg 1 (no uncond pass)", 1.0, False, "comfyui", [steps, steps, 0]),
    ]
    for name, cfg, unsample, mode, expected in cases:
        frames = count(steps, cfg, unsample=unsample, denoise_mode=mode)
        calls = [len(f) for f in frames]
        batches = sorted({b for f in frames for b in f})
        rows.append(
            (name, calls, batches, f"expected {expected}, batch {[1] if cfg == 1 else [2]}")
        )
    return rows


MODE_CASES = [  # (case, cfg, unsample, denoise_mode)
    ("cfg 7, comfyui", 7.0, False, "comfyui"),
    ("cfg 7, steps", 7.0, False, "steps"),
    ("cfg 7, unsample", 7.0, True, "comfyui"),
    ("cfg 1", 1.0, False, "comfyui"),
]


def items(frames: list[list[int]]) -> list[int]:
    """Evaluations per frame: network items, the sum of the batch sizes of its calls."""
    return [sum(f) for f in frames]


def mode_table(steps: int = 20) -> list[tuple[str, list[int], list[int]]]:
    """(case, evaluations per frame full, evaluations per frame once) rows."""
    rows = []
    for name, cfg, unsample, mode in MODE_CASES:
        full, once = (
            items(count(steps, cfg, unsample=unsample, denoise_mode=mode, cfg_mode=m))
            for m in ("full", "once")
        )
        rows.append((name, full, once))
    return rows


def count_cadence(cadence: int, frames: int = 10, steps: int = 8) -> list[int]:
    """Per frame of a `frames`-frame chain at `cadence` (cfg 7, default denoise curve): the
    network calls made for it. The frames between two diffused ones are handed out after the
    next diffused frame is made, so the calls made since the last diffused frame are given to
    the diffused frame of the group and the frames between get 0; the sum is every call made."""
    network = CountingNetwork()
    denoiser = DiscreteDenoiser(network, sd_sigma_space())
    fs = StandaloneFrameSampler(denoiser, "euler", "normal")
    config = SequenceConfig(steps=steps, cfg=7.0, frame_count=frames, cadence=cadence)
    calls: list[int] = []

    def on_frame(frame: Any, latent: torch.Tensor) -> None:
        calls.append(0 if frame.between is not None else len(network.batches) - sum(calls))

    cond = Conditioning(torch.ones(1, 4, 8))
    run_sequence(plan(config), fs, [cond], [cond], torch.zeros(1, 4, 8, 8), on_frame=on_frame)
    assert sum(calls) == len(network.batches)
    return calls


def run() -> list[Any]:
    from _common import Row

    out = []
    print("# evaluations: network calls per frame (3 frames: denoise 1.0, 0.5, 0.0), S=20, euler")
    for name, calls, batches, expected in table():
        print(f"{name:<44} calls {calls} batch {batches}  ({expected})")
        out.append(Row("evaluations", f"{name}: calls frame 1 / S", calls[1], 20, unit="count"))
    print("# evaluations per frame (network items), cfg_mode full vs once, same chain")
    for name, full, once in mode_table():
        print(f"{name:<44} full {full}  once {once}")
        out.append(Row("evaluations", f"{name}: frame 1 once / full", once[1], full[1], "count"))
    print("# network calls per frame with cadence 1 and 3 (10 frames, S=8, cfg 7)")
    for cadence in (1, 3):
        calls = count_cadence(cadence)
        print(f"cadence {cadence}: {calls} = {sum(calls)}")
        out.append(
            Row("evaluations", f"cadence {cadence}: calls / 10 frames", sum(calls), 80, "count")
        )
    return out


if __name__ == "__main__":
    run()
