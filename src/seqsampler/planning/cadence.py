"""Frames made between others (issue 30): output interpolation's and cadence's names, pure Python.

`INBETWEEN_MODES` are the ways `seqsampler.inbetween` makes a frame from its two neighbours:
`crossfade`, `motion` (each neighbour moved by the camera, then cross-faded) and `flow`
(motion, then dense optical flow between the two).
"""

from __future__ import annotations

from .messages import short_repr

INBETWEEN_MODES = ("crossfade", "motion", "flow")
MAX_INTERPOLATE = 8  # video frames per rendered frame


def check_inbetween_mode(mode: object, name: str = "interpolate_mode") -> str:
    """`mode` if it is one of INBETWEEN_MODES, else ValueError naming `name` and listing them."""
    if not isinstance(mode, str) or mode not in INBETWEEN_MODES:
        raise ValueError(f"{name}: got {short_repr(mode)}; accepted: {', '.join(INBETWEEN_MODES)}")
    return mode
