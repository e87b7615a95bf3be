"""The spec's camera motion checked at the render size, before any model is loaded: every
frame's knobs (`motion.knobs.check_knobs`: the pan at most 4x the frame size, besides the
config's own ranges), one `SpecError` naming the field, the frame, the value and what is
accepted. The size is the spec's `width` / `height`, or the model's trained size."""

from __future__ import annotations

from dataclasses import asdict, fields

from ...motion.knobs import Knobs, check_knobs, knobs_from
from ...planning import Plan
from .fields import SpecError

KNOB_NAMES = tuple(item.name for item in fields(Knobs))


def check_motion(the_plan: Plan, size: tuple[int, int] | None) -> None:
    """Each frame's motion record at the render `size` = (W, H) (None: unknown before the model
    is loaded; the chain checks it then, still before any model evaluation)."""
    if size is None:
        return
    config = the_plan.config
    try:  # the fields as given (a one-frame run moves nothing but is refused all the same)
        check_knobs(knobs_from({name: getattr(config, name) for name in KNOB_NAMES}), *size)
    except ValueError as exc:
        raise SpecError(f"{exc} for a {size[0]}x{size[1]} render") from None
    for frame in the_plan.frames:
        if frame.motion is None:
            continue
        try:
            check_knobs(knobs_from(asdict(frame.motion)), *size)
        except ValueError as exc:
            raise SpecError(
                f"{exc} at frame {frame.frame} of a {size[0]}x{size[1]} render"
            ) from None
