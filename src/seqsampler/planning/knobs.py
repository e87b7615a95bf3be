"""Per-frame knob schedules, for both front doors: their schedule inputs become the planner's
`schedules` here (the CLI's spec in `cli.spec.resolve`, the ComfyUI scheduled nodes in
`comfy_adapter.scheduled_plan`).

A schedule of a knob (`denoise`, or a field marked `schedule="knob"` in the field table
`fields.FIELDS`) gives that knob one value per frame; a schedule of a denoise-rule field
(`schedule="denoise"`: denoise_start / _seq / _max) folds into each frame's denoise through
the node's rule (behaviour.md §5). Every value is checked against the table's range (ints
rounded), and a knob's schedule needs its switch on. Errors are `ScheduleError`s naming the
input as the front door calls it, the frame and what is accepted. Pure Python (no torch).

A new scheduled knob is one FIELDS entry with `schedule="knob"`: its range, rounding, switch
and per-frame values come from here, and the planner reads it with `config.frame_value`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .config import SequenceConfig, range_text
from .curves import frame_denoise
from .fields import (
    DENOISE_KNOB,
    DENOISE_RULE,
    SCHEDULE_KNOBS,
    SPECS,
    switch_advice,
    switch_is_on,
)
from .schedule import ScheduleError, is_schedule, schedule_values


def _bounds(name: str) -> tuple[str, float | None, float | None]:
    """(kind, low, high) of a knob or a scheduled field."""
    spec: Any = SCHEDULE_KNOBS.get(name) or SPECS[name]
    return spec.kind, spec.low, spec.high


def _out_of_range(value: float, low: float | None, high: float | None) -> bool:
    return (low is not None and value < low) or (high is not None and value > high)


def frame_values(
    field: str, name: str, value: Any, frame_count: int, seed: int | None = None
) -> list[Any]:
    """`value` (a number, a schedule string or a mapping) at every frame, for the knob or
    scheduled field `name` (`field`: the input's name in messages): ints rounded for an int
    knob, each value in its range. `seed`: `s` in expressions (`run_seed`)."""
    kind, low, high = _bounds(name)
    out: list[Any] = []
    for frame, raw in enumerate(schedule_values(value, field, frame_count, seed)):
        checked: Any = int(round(raw)) if kind == "int" else raw
        if _out_of_range(checked, low, high):
            raise ScheduleError(
                f"{field}: the schedule gives {checked:g} at frame {frame}; accepted: values "
                f"{range_text(low, high)}"
            )
        out.append(checked)
    return out


def _plain(text: str, kind: str) -> float | int:
    """A number written as text: an int knob takes digits exactly, else the rounded number."""
    value = float(text)
    if kind == "int":
        stripped = text.strip()
        return int(stripped) if stripped.lstrip("+-").isdigit() else int(round(value))
    return value


def text_values(
    field: str, name: str, text: Any, frame_count: int, seed: int | None = None
) -> tuple[Any, list[Any] | None]:
    """A text input (a node widget) of knob `name`: (its number, None) for a plain number,
    (None, the per-frame values) for a schedule; in range either way. `seed` as `frame_values`."""
    if not isinstance(text, str):
        text = str(text)
    if not text.strip():
        raise ScheduleError(f"{field}: empty; accepted: a number or a schedule '0:(a), 24:(b)'")
    if is_schedule(text):
        return None, frame_values(field, name, text, frame_count, seed)
    kind, low, high = _bounds(name)
    value = _plain(text, kind)
    if _out_of_range(value, low, high):
        raise ScheduleError(f"{field}: {value:g}; accepted: a value {range_text(low, high)}")
    return value, None


def run_seed(name: str, seed: Any) -> int | None:
    """`s` in knob `name`'s expressions: the run's seed (Deforum's `s`) when it is a plain
    number; None (so `s` is refused) in the seed's own schedule or while the seed is scheduled."""
    if name == "seed" or isinstance(seed, bool) or not isinstance(seed, int):
        return None
    return seed


def check_switch(field: str, name: str, settings: Mapping[str, Any] | Any) -> None:
    """A schedule of knob `name` has an effect only while its switch is on in `settings` (a
    config, or a mapping of the front door's values); a `ScheduleError` naming both if not."""
    knob = SCHEDULE_KNOBS.get(name)
    if knob is None or knob.switch is None:
        return
    if switch_is_on(settings, knob.switch):
        return
    raise ScheduleError(
        f"{field}: a schedule has no effect while {knob.switch} is off; accepted: "
        f"{switch_advice(knob.switch)}, or give a plain number"
    )


def denoise_curve(config: SequenceConfig, values: Mapping[str, Sequence[float]]) -> list[float]:
    """The node's denoise rule at every frame (§5), with the denoise-rule fields scheduled in
    `values` taking their frame's value and the others `config`'s."""
    frames = config.frame_total

    def knob(name: str, i: int) -> float:
        return values[name][i] if name in values else getattr(config, name)

    return [
        frame_denoise(
            i,
            frames,
            start=knob("denoise_start", i),
            seq=knob("denoise_seq", i),
            sine=config.denoise_sine,
            high=knob("denoise_max", i),
        )
        for i in range(frames)
    ]


def planner_schedules(
    config: SequenceConfig, values: Mapping[str, Sequence[Any]]
) -> dict[str, list[Any]]:
    """The planner's `schedules` from per-frame values by knob or scheduled field: the knobs as
    they are, the denoise-rule fields folded into each frame's denoise (`denoise_curve`, with
    `config`'s other values) unless `denoise` itself is given."""
    out = {name: list(v) for name, v in values.items() if name not in DENOISE_RULE}
    if DENOISE_KNOB not in out and any(name in values for name in DENOISE_RULE):
        out[DENOISE_KNOB] = denoise_curve(config, values)
    return out
