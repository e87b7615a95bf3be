"""The knob values of one frame's 2D camera motion (Deforum's 2D mode names) and their checks.

Pure Python (no torch): a planner or a spec reader may import it. Units as Deforum's: `zoom` is a
scale per frame (1 = none, > 1 zooms in), `angle` degrees per frame counter-clockwise,
`translation_x`/`translation_y` pixels per frame at the render size (W x H),
`transform_center_x`/`transform_center_y` the centre as a fraction of W and H, the perspective
flip's angles and field of view in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

BORDERS = ("replicate", "reflect", "wrap", "zeros")
"""What a warp shows where the source is out of frame (OpenCV: BORDER_REPLICATE,
BORDER_REFLECT_101, BORDER_WRAP, BORDER_CONSTANT with 0)."""

TRANSLATION_LIMIT = 4.0
"""|translation| may be at most this many frame widths (x) or heights (y)."""
CENTER_RANGE = (-1.0, 2.0)
"""The accepted range of `transform_center_x`/`transform_center_y` (fractions of W, H)."""


@dataclass(frozen=True)
class Knobs:
    """One frame's motion knobs; the defaults are the identity (no motion)."""

    zoom: float = 1.0
    angle: float = 0.0
    translation_x: float = 0.0
    translation_y: float = 0.0
    transform_center_x: float = 0.5
    transform_center_y: float = 0.5
    perspective_flip: bool = False
    perspective_flip_theta: float = 0.0
    perspective_flip_phi: float = 0.0
    perspective_flip_gamma: float = 0.0
    perspective_flip_fv: float = 53.0


def knobs_from(record: Mapping[str, Any]) -> Knobs:
    """The knobs of a plan frame's `motion` record (a mapping holding at least the knobs'
    names; other keys, such as its border and sharpening, are not knobs and are left out)."""
    return Knobs(**{item.name: record[item.name] for item in fields(Knobs) if item.name in record})


def check_knobs(knobs: Knobs, width: int, height: int) -> None:
    """Raise ValueError naming the first knob out of range (before any model work)."""
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise ValueError(f"motion frame size {width!r} x {height!r}: expected positive integers")
    for field in fields(knobs):
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
