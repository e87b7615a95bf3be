"""Value schedules moved from Deforum / Parseq into seqsampler's schedule syntax.

Deforum's schedules (`0:(0.65), 25:(0.55)`) are already seqsampler's syntax (docs/cli.md "Value
schedules": same keys, Deforum's in-betweens); these helpers rewrite their values (strength ->
denoise as 1 - v), put the run's seed where Deforum's `s` stands, keep the values in a field's
range as Deforum clamps them, and turn Parseq's per-frame values into a compact exact table.
Every schedule is parsed and evaluated here with the planner's own parser, so one that seqsampler
would refuse is reported at import, not at render.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..planning.schedule import parse_schedule, schedule_values
from ..planning.schedule.keys import Key

_SEED_SYMBOL = re.compile(r"(?<![A-Za-z0-9_.])s(?![A-Za-z0-9_(])")


def uses_seed_symbol(text: str) -> bool:
    """Whether a schedule's text uses Deforum's `s` (the run's seed) as a name."""
    return bool(_SEED_SYMBOL.search(text))


def with_seed(text: str, seed: int) -> str:
    """Deforum's `s` replaced by the seed's value (in parentheses)."""
    return _SEED_SYMBOL.sub(f"({seed})", text)


def number_text(value: float) -> str:
    """A short exact-enough text of a number for a schedule: 12 significant digits."""
    text = format(round(value, 12), ".12g")
    return "0" if text == "-0" else text


def rewrite(
    text: str,
    field: str,
    frames: int,
    number: Callable[[float], float],
    expression: Callable[[str], str],
) -> str:
    """The schedule with each numeric value v replaced by `number(v)` and each expression e by
    `expression(e)`, keys as written. Raises `ScheduleError` (a ValueError) if it does not parse."""
    keys = parse_schedule(text, field, frames)
    return ", ".join(f"{k.text}:({_new_value(k, number, expression)})" for k in keys)


def _new_value(key: Key, number: Callable[[float], float], expression: Callable[[str], str]) -> str:
    if key.expression is not None:
        return expression(key.expression)
    assert key.value is not None
    return number_text(number(key.value))


def one_minus(text: str, field: str, frames: int) -> str:
    """Deforum's strength schedule as a denoise schedule: 1 - v per value, `1 - (e)` per
    expression (a plain number stays a number)."""
    stripped = text.strip()
    try:
        return number_text(1 - float(stripped))
    except ValueError:
        pass
    return rewrite(text, field, frames, lambda v: 1 - v, lambda e: f"1 - ({e})")


def per_255(text: str, field: str, frames: int) -> str:
    """A schedule in 8-bit image units (Deforum's unsharp threshold) as a fraction of the value
    range: v / 255 per value, `(e) / 255` per expression."""
    stripped = text.strip()
    try:
        return number_text(float(stripped) / 255)
    except ValueError:
        pass
    return rewrite(text, field, frames, lambda v: v / 255, lambda e: f"({e}) / 255")


def clamped(
    text: str, field: str, frames: int, low: float, high: float
) -> tuple[str | dict[int, float], list[int]]:
    """The schedule kept within [low, high], and the frames whose value had to move. Deforum
    clamps strength after its in-betweens (and seqsampler refuses a value out of a field's
    range), so a schedule that leaves the range becomes the exact table of its clamped per-frame
    values; one already in range comes back unchanged."""
    values = schedule_values(text, field, frames)
    outside = [i for i, v in enumerate(values) if not low <= v <= high]
    if not outside:
        return text, []
    return compact_table([min(max(v, low), high) for v in values]), outside


def compact_table(values: Sequence[float]) -> dict[int, float]:
    """Per-frame values as schedule keys, dropping the inner frames of runs of equal values:
    the planner's linear in-betweens of two equal keys give that value exactly, and after the
    last key the value holds, so the table reproduces every frame exactly."""
    table: dict[int, float] = {}
    last = len(values) - 1
    for i, value in enumerate(values):
        same_before = i > 0 and values[i - 1] == value
        same_after = i == last or values[i + 1] == value
        if not (same_before and same_after):
            table[i] = value
    return table


def table_values(table: dict[int, float], field: str, frames: int) -> list[float]:
    """What the planner makes of a table per frame (to check a compact table reproduces)."""
    return schedule_values({str(k): v for k, v in table.items()}, field, frames)
