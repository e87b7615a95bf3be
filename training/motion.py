"""Does a prompt that changes only position or size move the shape in a sequence?

`attribute_change(before, after)` renders a 12-frame chain with the demo's settings
(`examples/demo.toml`: sampler, steps, cfg, noise injection, interpolation, colour coherence)
at a constant denoise (default 0.55, the demo's first segment), `before` for frames 0-5 and
`after` from frame 6, and reads each frame's centroid and measured attributes.

    .venv/bin/python training/motion.py [--model FOLDER] [--denoise 0.55] [--seed 7]
        [--seed-mode increment]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

import adherence
import numpy as np

from seqsampler.cli.run.render import render
from seqsampler.cli.spec.file import load_spec_file
from seqsampler.cli.spec.resolve import resolve_spec

DEMO = Path(__file__).resolve().parent.parent / "examples" / "demo.toml"
FRAMES, KEYFRAME = 12, 6
# (before, the words replaced, their replacement, what the changed attribute must then read).
CHANGES = (
    ("a big red circle on the left, blue background", "on the left", "on the right", "right"),
    ("a big yellow square at the top, black background", "at the top", "at the bottom", "bottom"),
    ("a small green triangle in the center, white background", "small", "big", "big"),
    ("a big purple circle in the center, yellow background", "big", "small", "small"),
)
ATTRIBUTE = {"right": "position", "bottom": "position", "big": "size", "small": "size"}


@dataclass(frozen=True)
class Change:
    """Per frame: the centroid (x, y) and the measured position and size."""

    centroids: list[tuple[float, float] | None]
    measured: list[adherence.Measurement]

    def settled_after(self, attribute: str, want: str) -> int | None:
        """Frames after the keyframe until the measured `attribute` reads `want` and stays so
        to the end (0: already on the keyframe itself), or None if it never settles."""
        values = [getattr(m, attribute) for m in self.measured[KEYFRAME:]]
        for k in range(len(values)):
            if all(v == want for v in values[k:]):
                return k
        return None


def attribute_change(
    before: str,
    after: str,
    *,
    model: str = "embedded",
    denoise: float = 0.55,
    seed: int = 7,
    seed_mode: str | None = None,
) -> Change:
    """Render the 12-frame change with the demo's settings (its `seed_mode_seq` unless
    `seed_mode` is given); return what each frame shows."""
    data = load_spec_file(DEMO)
    data.update(
        model=model,
        frame_count=FRAMES,
        seed=seed,
        denoise_seq=denoise,
        prompts={"0": before, str(KEYFRAME): after},
        formats=[],
    )
    if seed_mode is not None:
        data["seed_mode_seq"] = seed_mode
    spec = resolve_spec(data)
    with tempfile.TemporaryDirectory() as folder:
        result = render(spec, Path(folder) / "run", progress=False)
        images = [
            np.asarray(_read(p)) for p in (result.folder.frame_path(i) for i in range(FRAMES))
        ]
    return Change([adherence.centroid(i) for i in images], [adherence.measure(i) for i in images])


def _read(path: Path):
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("RGB").copy()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="embedded")
    p.add_argument("--denoise", type=float, default=0.55)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--seed-mode", default=None, help="seed_mode_seq (default: the demo's, fixed)")
    args = p.parse_args()
    for before, old, new, want in CHANGES:
        after, attribute = before.replace(old, new), ATTRIBUTE[want]
        change = attribute_change(
            before,
            after,
            model=args.model,
            denoise=args.denoise,
            seed=args.seed,
            seed_mode=args.seed_mode,
        )
        xs = " ".join(f"{c[0]:.1f},{c[1]:.1f}" if c else "-" for c in change.centroids)
        settled = change.settled_after(attribute, want)
        print(f"{before!r} -> {new!r}: {attribute} reads {want!r} {settled} frames after the key")
        print(f"  centroids: {xs}")
        print(f"  {attribute}: {[getattr(m, attribute) for m in change.measured]}")


if __name__ == "__main__":
    main()
