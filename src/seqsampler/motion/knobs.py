"""The checks of one frame's 2D camera motion knobs (`Knobs`, Deforum's 2D mode names: defined
with their units in `planning.camera_knobs`, re-exported here).

Pure Python (no torch): a planner or a spec reader may import it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from ..planning.camera_knobs import Knobs
from ..planning.fields import SPECS
from ..planning.names import MOTION_BORDERS

__all__ = [
    "BORDERS",
    "CENTER_RANGE",
    "TRANSLATION_LIMIT",
    "Knobs",
    "check_border",
    "check_knobs",
    "knobs_from",
]

BORDERS = MOTION_BORDERS
"""What a warp shows where the source is out of frame (OpenCV: BORDER_REPLICATE,
BORDER_REFLECT_101, BORDER_WRAP, BORDER_CONSTANT with 0)."""

TRANSLATION_LIMIT = 4.0
"""|translation| may be at most this many frame widths (x) or heights (y)."""
_CENTER = SPECS["transform_center_x"]
assert _CENTER.low is not None and _CENTER.high is not None  # the table bounds it
CENTER_RANGE: tuple[float, float] = (_CENTER.low, _CENTER.high)
"""The accepted range of `transform_center_x`/`transform_center_y` (fractions of W, H): the
FIELDS table's."""


def knobs_from(record: Mapping[str, Any]) -> Knobs:
    """The knobs of a plan frame's `motion` record (a mapping holding at least the knobs'
    names; other keys, such as its border and sharpening, are not knobs and are left out)."""
    return Knobs(**{item.name: record[item.name] for item in fields(Knobs) if item.name in record})


def check_knobs(knobs: Knobs, width: int, height: int) -> None:
    """Raise ValueError naming the first knob out of range (before any model work)."""
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise ValueError(f"motion frame size {width!r} x {height!r}: expected positive integers")
    for field in fields(Knobs):
        value = getattr(knobs, field.name)
        if field.name != "perspective_flip" and not math.isfinite(value):
            raise ValueError(f"{field.name} = {value!r}: expected a finite number")
    if knobs.zoom <= 0:
        raise ValueError(f"zoom = {knobs.zoom!r}: expected > 0 (1 = no zoom, > 1 zooms in)")
    for name, size in (("translation_x", width), ("translation_y", height)):
        value = getattr(knobs, name)
        if abs(value) > TRANSLATION_LIMIT * size:
            raise ValueError(
                f"{name} = {value!r}: expected |{name}| <= {TRANSLATION_LIMIT:g} x the frame "
                f"size ({TRANSLATION_LIMIT * size:g} pixels)"
            )
    low, high = CENTER_RANGE
    for name in ("transform_center_x", "transform_center_y"):
        value = getattr(knobs, name)
        if not low <= value <= high:
            raise ValueError(f"{name} = {value!r}: expected a fraction in [{low:g}, {high:g}]")
    if knobs.perspective_flip and not 0 < knobs.perspective_flip_fv < 180:
        raise ValueError(
            f"perspective_flip_fv = {knobs.perspective_flip_fv!r}: expected degrees in (0, 180)"
        )


def check_border(border: str) -> str:
    """`border` if it is one of BORDERS, else ValueError listing them."""
    if border not in BORDERS:
        raise ValueError(f"motion_border = {border!r}: expected one of {', '.join(BORDERS)}")
    return border
