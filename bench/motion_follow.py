"""Does the picture follow the camera? The shape's place under a pan, its area under a zoom.

One prompt without size or position words ("a red circle, blue background"), the flicker bench's
settings otherwise (bench/motion_quality.py: euler / karras, 10 steps, inject 0.05), 24 frames:
1. a pan of 1 px per frame to the left (translation_x 1): the red shape's centroid x per frame;
2. a zoom of 1.02 per frame: the red shape's area in pixels per frame.
Each at denoise 0 (the chain's warp alone: what following looks like), then 0.1, 0.3 and 0.5
with `fixed` seeds and with `noise_warp`. Printed every 2nd frame; the last column is the share of
the warp's own move that the run made by frame SHARE_AT (1: it follows, 0: it stays put; later
the shape reaches the frame's edge and the warp alone slows too). Deterministic; no timing.
Readings: docs/quality.md ("What holds the embedded model's shapes in place").

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/motion_follow.py [--model FOLDER]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine  # noqa: E402
from motion_quality import BASE  # noqa: E402

FRAMES, SHARE_AT = 24, 8
PROMPT = "a red circle, blue background"
MOVES = {"pan 1 px: centroid x": {"zoom": 1.0, "translation_x": 1.0},
         "zoom 1.02: area": {"zoom": 1.02, "translation_x": 0.0}}  # fmt: skip
RUNS = {"warp alone": (0.0, {"inject_noise": False, "seed_mode_seq": "fixed"})}
RUNS |= {f"{d} {name}": (d, extra) for d in (0.1, 0.3, 0.5)
         for name, extra in (("fixed", {"seed_mode_seq": "fixed"}),
                             ("noise_warp", {"seed_mode_seq": "increment", "noise_warp": True}))}  # fmt: skip


def red(image: Any) -> Any:
    return (image[..., 0] > 150) & (image[..., 2] < 120)


def series(
    model: str, move: dict[str, float], denoise: float, extra: dict[str, Any]
) -> list[float]:
    """The run's per-frame reading: centroid x under a pan, area under a zoom."""
    import numpy as np
    from PIL import Image

    from seqsampler.cli.run.render import render
    from seqsampler.cli.spec.resolve import resolve_spec

    spec = {**BASE, "model": model, "frame_count": FRAMES, "denoise_seq": denoise,
            "prompts": {"0": PROMPT}, **move, **extra}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        result = render(resolve_spec(spec), Path(tmp) / "run", overwrite=True, progress=False)
        frames = result.folder.root / "frames"
        pan = move["translation_x"] != 0
        out = []
        for i in range(FRAMES):
            with Image.open(frames / f"{i:05d}.png") as image:
                mask = red(np.asarray(image.convert("RGB")))
            out.append(float(np.nonzero(mask)[1].mean()) if pan else float(mask.sum()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=BASE["model"], help="the spec's model")
    args = parser.parse_args()
    print(f"# {machine()}\n# model: {args.model}")
    for move_name, move in MOVES.items():
        print(
            f"# {move_name}, frames 0, 2, ..., {FRAMES - 2}; share of the warp's move by {SHARE_AT}"
        )
        warp_alone = None
        for name, (denoise, extra) in RUNS.items():
            values = series(args.model, move, denoise, extra)
            warp_alone = warp_alone or values
            share = (values[SHARE_AT] - values[0]) / (warp_alone[SHARE_AT] - warp_alone[0])
            cells = " ".join(f"{v:5.1f}" for v in values[::2])
            print(f"{name:<18} {cells}  {share:5.2f}")


if __name__ == "__main__":
    main()
