"""Camera motion in the plan (docs/behaviour.md §13): each frame's `FramePlan.motion` from the
motion fields, their per-frame schedules taken frame by frame. Pure Python (no torch).

Frame i's record describes the move from frame i-1 to frame i (the chain warps frame i-1's
output by it), so frame 0 has none; nor has a frame whose camera does not move and whose
contrast and unsharp mask are off, so a plan at the defaults is exactly as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .camera_knobs import FrameMotion
from .config import SequenceConfig
from .fields import MOTION_FIELDS, SPECS
from .plan_data import FramePlan

# The motion fields that take a value per frame (a schedule, or the field's number): the
# table's motion rows marked schedule="knob".
MOTION_KNOBS = tuple(name for name in MOTION_FIELDS if SPECS[name].schedule == "knob")


def frame_motion(config: SequenceConfig, index: int) -> FrameMotion | None:
    """Frame `index`'s motion record, or None (frame 0, or nothing to do)."""
    if index == 0:
        return None
    values = {name: config.frame_value(name, index, getattr(config, name)) for name in MOTION_KNOBS}
    motion = FrameMotion(
        **values,
        perspective_flip=config.perspective_flip,
        border=config.motion_border,
        space=config.motion_space,
    )
    return motion if motion.moves or motion.sharpens else None


def with_motion(config: SequenceConfig, planned: Sequence[FramePlan]) -> list[FramePlan]:
    """`planned` with every frame's motion record (behaviour.md §13)."""
    return [replace(f, motion=frame_motion(config, f.frame)) for f in planned]
