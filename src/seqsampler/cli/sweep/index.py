"""A sweep folder's index, `sweep.json`, and its contact sheet of every job's last frame.

    OUT/sweep.json          {"version", "jobs": [{"name", "folder", "values", "frame_count",
                            "frames_done", "status", "error", "host", "pid", "attempt",
                            "resumed_from", "rendered", "seconds"}], "updated"}
    OUT/contact_sheet.png   every job's last frame, labelled with the job's name
    OUT/<job>/              the job's run folder
    OUT/.workers/<job>.json the process that took the job (worker.py)

Only the driver writes `sweep.json` (atomically). Status: `pending`, `running`, `done`,
`failed` (with `error`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...files import refuse_outside_links
from ..run.folder import RunFolder
from ..spec.fields import SpecError, short_repr

INDEX = "sweep.json"
SHEET = "contact_sheet.png"
STATUSES = ("pending", "running", "done", "failed")
MIN_TILE = 128  # a tile's width, so its label fits


def read_index(root: Path) -> dict[str, Any] | None:
    path = root / INDEX
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        data = None
    jobs = data.get("jobs") if isinstance(data, dict) else None
    if not isinstance(jobs, list) or not all(isinstance(j, dict) for j in jobs):
        raise SpecError(
            f"out: {short_repr(str(path), 240)} is not a sweep index (JSON with a list of jobs); "
            "accepted: a sweep.json written by `seqsampler render`, or --overwrite"
        )
    return data


def check_sweep_folder(root: Path, overwrite: bool) -> None:
    """A sweep folder is new, empty, or holds a sweep.json (else refused unless `overwrite`), and
    holds no symbolic link leading outside it (its jobs' run folders included)."""
    if root.is_dir():
        try:
            refuse_outside_links(
                root, "out", "remove the link or render into a new folder (--out)", depth=4
            )
        except ValueError as exc:
            raise SpecError(str(exc)) from None
    if overwrite or (root / INDEX).is_file() or not root.exists():
        return
    if not root.is_dir() or any(root.iterdir()):
        raise SpecError(
            f"out: {short_repr(str(root), 240)} is not empty and holds no sweep.json (not a sweep "
            "folder); choose a new folder or pass --overwrite"
        )


def write_index(root: Path, jobs: Sequence[Mapping[str, Any]]) -> None:
    from ..run.writers import atomic_write_text

    data = {"version": 1, "updated": round(time.time(), 3), "jobs": list(jobs)}
    atomic_write_text(root / INDEX, json.dumps(data, indent=2))


def last_frames(root: Path, jobs: Sequence[Mapping[str, Any]]) -> list[tuple[str, np.ndarray]]:
    """(job name, last frame) for every job whose last frame exists."""
    from ..run.writers import load_frames

    out = []
    for job in jobs:
        count = int(job.get("frame_count", 0))
        path = RunFolder(root / job["folder"]).frame_path(count - 1)
        if count and path.is_file():
            out.append((job["name"], load_frames([path])[0]))
    return out


def labelled_sheet(
    tiles: Sequence[tuple[str, np.ndarray]], columns: int | None = None
) -> np.ndarray:
    """Tiles in a grid (row-major), each scaled up (nearest) to at least MIN_TILE px wide, with
    its label on a dark strip under it; uint8 [H, W, 3]."""
    import math

    from PIL import Image, ImageDraw, ImageFont

    height, width = tiles[0][1].shape[:2]
    factor = max(1, math.ceil(MIN_TILE / width))
    tw, th = width * factor, height * factor
    font = ImageFont.load_default(size=12)
    strip, gap = 18, 4
    columns = columns or max(1, math.ceil(math.sqrt(len(tiles))))
    rows = math.ceil(len(tiles) / columns)
    sheet = Image.new(
        "RGB", (columns * (tw + gap) + gap, rows * (th + strip + gap) + gap), (255, 255, 255)
    )
    draw = ImageDraw.Draw(sheet)
    for index, (label, frame) in enumerate(tiles):
        r, c = divmod(index, columns)
        x, y = gap + c * (tw + gap), gap + r * (th + strip + gap)
        image = Image.fromarray(frame).resize((tw, th), Image.Resampling.NEAREST)
        sheet.paste(image, (x, y))
        draw.rectangle((x, y + th, x + tw - 1, y + th + strip - 1), fill=(20, 20, 20))
        text = label
        while len(text) > 1 and draw.textlength(text, font=font) > tw - 4:
            text = text[:-2] + "…"  # one character shorter, ending in an ellipsis
        draw.text((x + 2, y + th + 2), text, fill=(255, 255, 255), font=font)
    return np.asarray(sheet).copy()


def write_sheet(root: Path, jobs: Sequence[Mapping[str, Any]]) -> Path | None:
    """The sweep's contact sheet (`OUT/contact_sheet.png`), or None when no job has frames."""
    from ..run.writers import save_image

    tiles = last_frames(root, jobs)
    if not tiles:
        return None
    sizes = {frame.shape for _, frame in tiles}
    if len(sizes) > 1:  # jobs of different sizes: pad each to the largest
        h = max(s[0] for s in sizes)
        w = max(s[1] for s in sizes)
        tiles = [(name, _pad(frame, h, w)) for name, frame in tiles]
    save_image(root / SHEET, labelled_sheet(tiles))
    return root / SHEET


def _pad(frame: np.ndarray, height: int, width: int) -> np.ndarray:
    out = np.full((height, width, 3), 255, dtype=np.uint8)
    out[: frame.shape[0], : frame.shape[1]] = frame
    return out
