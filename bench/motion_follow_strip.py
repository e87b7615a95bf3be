"""docs/motion_follow.png: does the embedded model's picture follow the camera? (docs/quality.md)

bench/motion_quality.py's zoom-and-pan spec (48 frames, zoom 1.02 + 0.5 px per frame, the demo's
prompts), rendered by the CLI four ways: denoise 0 after frame 0 (the chain's warp alone: what
following the camera looks like), then denoise 0.1, 0.3 and 0.5 with `fixed` seeds. One row
each, frames 0, 4, ..., 44, upscaled 4x (nearest). Deterministic; no timing.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/motion_follow_strip.py [--out PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, machine  # noqa: E402
from motion_quality import BASE  # noqa: E402

ROWS = {"denoise 0 (the warp alone)": {"denoise_seq": 0.0, "inject_noise": False},
        "denoise 0.1": {"denoise_seq": 0.1}, "denoise 0.3": {"denoise_seq": 0.3},
        "denoise 0.5": {"denoise_seq": 0.5}}  # fmt: skip
FRAMES, EVERY, SCALE, LABEL = 48, 4, 4, 150


def render_frames(root: Path, name: str, fields: dict[str, Any]) -> list[Any]:
    """The run's frame PNGs as Pillow images (the CLI's render of BASE + fields, fixed seed)."""
    from PIL import Image

    from seqsampler.cli.run.render import render
    from seqsampler.cli.spec.resolve import resolve_spec

    spec = {**BASE, "frame_count": FRAMES, "seed_mode_seq": "fixed", **fields}
    result = render(resolve_spec(spec), root / name, overwrite=True, progress=False)
    frames = result.folder.root / "frames"
    return [Image.open(frames / f"{i:05d}.png").convert("RGB") for i in range(0, FRAMES, EVERY)]


def main() -> None:
    from PIL import Image, ImageDraw

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "motion_follow.png")
    args = parser.parse_args()
    print(f"# {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = {label: render_frames(Path(tmp), f"r{i}", fields)
                for i, (label, fields) in enumerate(ROWS.items())}  # fmt: skip
    side = 32 * SCALE
    columns = len(next(iter(rows.values())))
    sheet = Image.new("RGB", (LABEL + columns * side, len(rows) * side), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (label, images) in enumerate(rows.items()):
        draw.text((6, r * side + side // 2 - 6), label, fill="black")
        for c, image in enumerate(images):
            sheet.paste(image.resize((side, side), Image.NEAREST), (LABEL + c * side, r * side))
    sheet.save(args.out, optimize=True)
    print(f"wrote {args.out} ({sheet.width}x{sheet.height}; frames 0..{FRAMES - 1} every {EVERY})")


if __name__ == "__main__":
    main()
