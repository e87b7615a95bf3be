"""Time per image of two embedded-model folders, side by side: the shipped weights against a
baseline (issue 15's budget: at most 1.5x the first version's time per image).

Workload: 32 single-shape adherence prompts (`training/adherence.py`, seed 3) sampled in one
batch at the model's defaults (euler_ancestral, karras, 20 steps, cfg 5), one torch thread;
rounds of [baseline, shipped] after a warm-up round.

    git archive 7e511a8 src/seqsampler/assets/embedded | tar -x -C /tmp/v1   # the first version
    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/model_speed.py \
        /tmp/v1/src/seqsampler/assets/embedded
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))

import adherence  # noqa: E402
import torch  # noqa: E402
from _common import Row, best_median, interleaved, machine  # noqa: E402

from seqsampler.models.loader import load_model  # noqa: E402

PROMPTS = 32


def run(baseline: Path, repeats: int = 3) -> list[Row]:
    torch.set_num_threads(1)
    texts = adherence.captions(adherence.prompt_scenes(3, PROMPTS))
    models = {"baseline": load_model(baseline), "shipped": load_model()}
    times = interleaved(
        {name: lambda m=m: adherence.sample_prompts(m, texts, 3) for name, m in models.items()},
        repeats,
    )
    print(f"# model_speed: {PROMPTS} prompts batched, 1 thread, baseline {baseline}")
    for name, values in times.items():
        ms = " ".join(f"{1e3 * v / PROMPTS:.0f}" for v in values)
        print(f"{name:<9} {ms} ms per image ({repeats} rounds)")
    med = {name: best_median(values)[1] for name, values in times.items()}
    return [
        Row("model_speed", "shipped / baseline, time per image", med["shipped"], med["baseline"])
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="a model folder (e.g. the first version's)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"# {machine()}")
    for row in run(args.baseline, args.repeats):
        print(f"{row.compares}: {row.ratio:.2f}")


if __name__ == "__main__":
    main()
