"""`run_metrics(run_folder)`: read a run folder's frames and plan, write metrics.json,
metrics.csv and metrics.png beside them, and return the metrics."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..files import atomic_write_bytes, refuse_outside_links
from .measures import UNITS, segment_starts_of, sequence_metrics, series_names
from .plot import metrics_png

OUTPUTS = ("metrics.json", "metrics.csv", "metrics.png")
FRAME_NAME = re.compile(r"^([0-9]{5})\.png$")  # ASCII digits only
ACCEPTED_FOLDER = "a run folder written by `seqsampler render` (plan.json and frames/00000.png ...)"


# motion_matrix(motion record of a plan frame, width, height) -> its 3x3 matrix (the CLI passes
# seqsampler.motion.transform's; this package imports no other seqsampler module)
MotionMatrix = Callable[[dict[str, Any], int, int], Any]


def _run_files(root: Path) -> tuple[list[Path], list[int], list[Any]]:
    """The frame PNGs (frames/00000.png ... without gaps), each frame's prompt index and its
    `motion` record (None when the frame has none)."""
    if not root.exists():
        raise ValueError(f"run_folder: {str(root)!r} does not exist; accepted: {ACCEPTED_FOLDER}")
    if not root.is_dir():
        raise ValueError(f"run_folder: {str(root)!r} is not a folder; accepted: {ACCEPTED_FOLDER}")
    refuse_outside_links(root, "run_folder", "remove the link, or measure a copy without it")
    plan_path, frames_dir = root / "plan.json", root / "frames"
    if not plan_path.is_file() or not frames_dir.is_dir():
        missing = [p.name for p in (plan_path, frames_dir) if not p.exists()]
        raise ValueError(
            f"run_folder: {str(root)!r} is not a run folder (no {' or '.join(missing)}); "
            f"accepted: {ACCEPTED_FOLDER}"
        )
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        prompts = [int(frame["positive"]) for frame in plan["frames"]]
        motions = [frame.get("motion") for frame in plan["frames"]]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else exc
        raise ValueError(
            f"run_folder: {str(plan_path)!r} is not a plan ({exc.__class__.__name__}: {reason}); "
            "accepted: Plan.to_json() output, a 'frames' list whose entries hold 'positive'"
        ) from exc
    indices = sorted(
        int(m.group(1)) for p in frames_dir.iterdir() if (m := FRAME_NAME.match(p.name))
    )
    if not indices:
        raise ValueError(
            f"run_folder: {str(frames_dir)!r} holds no frames; accepted: {ACCEPTED_FOLDER}"
        )
    if indices != list(range(len(indices))):
        gap = next(i for i, n in enumerate(indices) if i != n)
        raise ValueError(
            f"run_folder: {str(frames_dir)!r} lacks frame {gap:05d}.png (frames "
            f"{indices[0]}..{indices[-1]}); accepted: frames numbered 00000.png up, without gaps"
        )
    if len(indices) > len(prompts):
        raise ValueError(
            f"run_folder: {str(frames_dir)!r} holds {len(indices)} frames but plan.json plans "
            f"{len(prompts)}; accepted: at most the plan's frames"
        )
    paths = [frames_dir / f"{i:05d}.png" for i in indices]
    return paths, prompts[: len(indices)], motions[: len(indices)]


def _load(paths: list[Path]) -> list[Any]:
    import numpy as np
    from PIL import Image

    frames = []
    for path in paths:
        try:
            with Image.open(path) as image:
                frames.append(np.asarray(image.convert("RGB")).copy())
        except Exception as exc:  # Pillow raises OSError, SyntaxError, EOFError, ... on a bad file
            reason = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ValueError(
                f"run_folder: {str(path)!r} is not a readable image ({reason}); accepted: frame "
                "PNGs as `seqsampler render` writes them (render the run again to replace it)"
            ) from None
    return frames


def metrics_csv(metrics: dict[str, Any]) -> str:
    """One row per frame: frame, segment start flag, every series (empty where undefined)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    names = series_names(metrics)
    writer.writerow(["frame", "keyframe", *names])
    starts = set(metrics["segment_starts"])
    for i in range(metrics["frame_count"]):
        values = [metrics["frames"][name][i] for name in names]
        cells = ["" if v is None else f"{v:.6g}" for v in values]
        writer.writerow([i, int(i in starts), *cells])
    return buffer.getvalue()


def summary_table(metrics: dict[str, Any]) -> str:
    """A compact fixed-width summary: one row per series (mean, min, max, worst frame), the seam."""
    rows = [["metric", "mean", "min", "max", "worst", "unit"]]
    for name in series_names(metrics):
        s = metrics["summary"][name]
        cells = ["-" if s[k] is None else f"{s[k]:.4f}" for k in ("mean", "min", "max")]
        worst = "-" if s["worst_frame"] is None else str(s["worst_frame"])
        rows.append([name, *cells, worst, UNITS[name]])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if c in (0, 5) else cell.rjust(w)
            for c, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
    seam = metrics["summary"]["seam"]
    ratio = "unbounded" if seam["ratio"] is None else f"{seam['ratio']:.3f}"
    lines.append(
        f"loop seam (last -> frame 0): mean|diff|/255 {seam['change']:.4f}, "
        f"median consecutive change {seam['median_change']:.4f}, ratio {ratio}"
    )
    lines.append(
        f"{metrics['frame_count']} frames {metrics['width']}x{metrics['height']}, "
        f"segment starts {metrics['segment_starts']}"
    )
    return "\n".join(lines)


def run_metrics(
    run_folder: str | Path, *, motion_matrix: MotionMatrix | None = None, **options: Any
) -> dict[str, Any]:
    """Measure a run folder's frames (segments from plan.json's prompt indices) and write
    metrics.json, metrics.csv and metrics.png into it. `options` go to `sequence_metrics`.
    `motion_matrix` turns plan.json's per-frame `motion` records into matrices at the frames'
    size, so the change is also measured with the camera undone (MOTION_SERIES).
    Returns the metrics (as in metrics.json) with `"outputs"`: the paths written."""
    root = Path(run_folder)
    paths, prompts, motions = _run_files(root)
    frames = _load(paths)
    height, width = frames[0].shape[:2]
    for path, frame in zip(paths, frames, strict=True):
        if frame.shape != frames[0].shape:
            raise ValueError(
                f"run_folder: {str(path)!r} is {frame.shape[1]}x{frame.shape[0]} while "
                f"00000.png is {width}x{height}; accepted: frames of one size"
            )
    if motion_matrix is not None and any(m is not None for m in motions):
        options["matrices"] = [
            None if m is None else motion_matrix(m, width, height) for m in motions
        ]
    metrics = sequence_metrics(frames, segment_starts_of(prompts), **options)
    metrics["run_folder"] = str(root)
    atomic_write_bytes(root / "metrics.json", (json.dumps(metrics, indent=2) + "\n").encode())
    atomic_write_bytes(root / "metrics.csv", metrics_csv(metrics).encode())
    atomic_write_bytes(root / "metrics.png", metrics_png(metrics))
    return {**metrics, "outputs": [str(root / name) for name in OUTPUTS]}
