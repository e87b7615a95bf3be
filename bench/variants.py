"""Variants in one batch against separate runs: images per second of K seeds of one spec
(K = 1, 4, 8) rendered by `run_variants` as one batch, against the same K seeds rendered one
after another by `run_sequence`, on the embedded model.

The spec is examples/demo.toml (cut to `frames` frames; euler, karras, 10 steps, cfg 4, glide,
interpolation, lab colour coherence), seeds 1..K. Each case makes K x frames latents and decodes
them (what a render does before writing PNGs; no file I/O). The cases are timed interleaved,
best and median of the repeats; ratio = separate time / batched time (> 1: batching is faster).
The largest difference between a batched variant and the same seed alone is printed too.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/variants.py [--frames 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import ROOT, Row, best_median, interleaved, load  # noqa: E402

from seqsampler.cli.run.folder import RunFolder  # noqa: E402
from seqsampler.cli.run.temporal import coherence_feedback  # noqa: E402
from seqsampler.cli.spec.file import apply_overrides, load_spec_file  # noqa: E402
from seqsampler.cli.spec.resolve import resolve_spec  # noqa: E402
from seqsampler.frame_sampler import StandaloneFrameSampler  # noqa: E402
from seqsampler.models.loader import load_model  # noqa: E402
from seqsampler.planning import plan  # noqa: E402
from seqsampler.sequence import run_sequence  # noqa: E402
from seqsampler.variants import run_variants  # noqa: E402

SIZES = (1, 4, 8)
NOWHERE = RunFolder(Path("/nonexistent-run-folder"))  # colour anchors are read only on a resume


def demo_plans(frames: int, count: int) -> tuple[Any, list[Any]]:
    """The demo spec cut to `frames` frames, and its plans for seeds 1..count."""
    data = load_spec_file(str(ROOT / "examples" / "demo.toml"))
    specs = [
        resolve_spec(apply_overrides(data, {"frame_count": frames, "seed": seed}))
        for seed in range(1, count + 1)
    ]
    return specs[0], [plan(s.config) for s in specs]


def run(frames: int = 8, repeats: int = 3, sizes: tuple[int, ...] = SIZES) -> list[Row]:
    model = load_model()
    spec, plans = demo_plans(frames, max(sizes))
    positive = [model.encode_prompt(t) for t in spec.positive]
    negative = [model.encode_prompt(t) for t in spec.negative]
    sampler = StandaloneFrameSampler(
        model.denoiser, spec.config.sampler_name, spec.config.scheduler
    )
    init = torch.zeros(model.latent_shape(32, 32, 1))

    def feedback(p: Any) -> Any:
        return coherence_feedback(p, model, NOWHERE)

    def separate(k: int) -> list[torch.Tensor]:
        outs = [
            run_sequence(p, sampler, positive, negative, init, feedback=feedback(p))
            for p in plans[:k]
        ]
        return [model.decode(o) for o in outs]

    def batched(k: int) -> torch.Tensor:
        out = run_variants(plans[:k], sampler, positive, negative, init,
                           feedbacks=[feedback(p) for p in plans[:k]])  # fmt: skip
        assert out is not None
        return model.decode(out.flatten(0, 1))

    largest = max(sizes)
    alone = torch.stack([o for o in separate(largest)], dim=1)  # [frames, K, 3, 32, 32]
    together = batched(largest).reshape(alone.shape)
    pixels = ((alone.clamp(0, 1) - together.clamp(0, 1)).abs() * 255).max().item()
    cases: dict[str, Any] = {}
    for k in sizes:
        cases[f"separate {k}"] = lambda k=k: separate(k)
        cases[f"batched {k}"] = lambda k=k: batched(k)
    times = interleaved(cases, repeats)
    print(
        f"# variants: demo spec, {frames} frames, embedded model 32x32, "
        f"{torch.get_num_threads()} thread(s); {load()}"
    )
    print(f"# batched vs alone, K={largest}: largest pixel difference {pixels:.2f} / 255")
    print(f"{'K':>3} {'separate img/s':>15} {'batched img/s':>14} {'separate/batched (median)':>26} {'(best)':>7}")  # fmt: skip
    rows = []
    for k in sizes:
        (sb, sm), (bb, bm) = best_median(times[f"separate {k}"]), best_median(times[f"batched {k}"])
        images = k * frames
        print(f"{k:>3} {images / sm:>15.1f} {images / bm:>14.1f} {sm / bm:>26.2f} {sb / bb:>7.2f}")
        rows.append(Row("variants", f"K={k} seeds, {frames} frames: separate runs / one batch, median time", sm, bm))  # fmt: skip
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    run(args.frames, args.repeats)
