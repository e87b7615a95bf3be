"""The plan as a compact table for the render log: one row per run of frames with the same
prompts (frame 0 on its own), each column one value or its range over the run. The full plan is
plan.json (and, with `-v`, one line per frame in the log)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ...chart import cell_text
from ...planning import Plan

# Column title -> the value of a frame shown in it (None where it does not apply).
_COLUMNS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("seed", lambda f: f.seed),
    ("denoise", lambda f: f.denoise),
    ("path", lambda f: f.path),
    ("steps", lambda f: f.steps),
    ("evals", lambda f: f.model_steps),
    ("cfg", lambda f: f.cfg),
    ("glide", lambda f: f.glide),
    ("noise", lambda f: f.noise_strength),
    ("interp", lambda f: cell_text(f, "interp") if f.interp is not None else None),
)


def _runs(plan: Plan) -> list[list[Any]]:
    runs: list[list[Any]] = []
    for frame in plan.frames:
        last = runs[-1][-1] if runs else None
        same = (
            last is not None
            and last.frame > 0
            and (last.positive, last.negative)
            == (
                frame.positive,
                frame.negative,
            )
        )
        if same:
            runs[-1].append(frame)
        else:
            runs.append([frame])
    return runs


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _span(values: Sequence[Any]) -> str:
    """One value, or `low..high` for numbers, or the distinct values joined by `/`."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return _text(distinct[0])
    numbers = [v for v in distinct if isinstance(v, (int, float))]
    if len(numbers) == len(distinct):
        low, high = _text(min(numbers)), _text(max(numbers))
        return low if low == high else f"{low}..{high}"
    return "/".join(_text(v) for v in distinct)


def plan_summary(plan: Plan) -> str:
    """A header line and one row per run of frames with the same prompt and negative."""
    evals = sum(f.model_steps for f in plan.frames)
    header = (
        f"plan: {plan.frame_count} frames, keyframes {list(plan.keyframes)}, {evals} model "
        "steps (every frame in plan.json; -v logs them)"
    )
    rows = [["frames", "prompt", "neg", *(title for title, _ in _COLUMNS)]]
    for run in _runs(plan):
        first, last = run[0].frame, run[-1].frame
        frames = str(first) if first == last else f"{first}-{last}"
        cells = [_span([get(f) for f in run]) for _, get in _COLUMNS]
        seeds = len({f.seed for f in run})
        cells[0] = f"{seeds} seeds" if seeds > 2 else cells[0]  # random or keyed: no range
        rows.append([frames, str(run[0].positive), str(run[0].negative), *cells])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]  # fmt: skip
    return "\n".join([header, *lines])
