"""Frames made between others (issue 30): output interpolation's names and cadence's plan.

`INBETWEEN_MODES` are the ways `seqsampler.inbetween` makes a frame from its two neighbours:
`crossfade`, `motion` (each neighbour moved by the camera, then cross-faded) and `flow`
(motion, then dense optical flow between the two). With `cadence` N the model makes every N-th
frame, every keyframe and prompt change and the last frame (`diffused_frames`); each frame
between two of them carries a `FrameBetween` record (`with_cadence`); a colour anchor that
falls between is moved back to the diffused frame before it (the model's frames are matched to
frames the model made). `resume_source` names the frame whose output a resume needs. Pure Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .messages import short_repr

INBETWEEN_MODES = ("crossfade", "motion", "flow")
MAX_INTERPOLATE = 8  # video frames per rendered frame


def check_inbetween_mode(mode: object, name: str = "interpolate_mode") -> str:
    """`mode` if it is one of INBETWEEN_MODES, else ValueError naming `name` and listing them."""
    if not isinstance(mode, str) or mode not in INBETWEEN_MODES:
        raise ValueError(f"{name}: got {short_repr(mode)}; accepted: {', '.join(INBETWEEN_MODES)}")
    return mode


MAX_CADENCE = 8


@dataclass(frozen=True)
class FrameBetween:
    """A frame the model does not make (cadence): made from the diffused frames `previous` and
    `next` around it at position t = (frame - previous) / (next - previous) in (0, 1)."""

    previous: int
    next: int
    t: float

    def __post_init__(self) -> None:
        if not (0 <= self.previous < self.next and 0.0 < self.t < 1.0):
            raise ValueError(
                f"between: previous {self.previous!r}, next {self.next!r}, t {self.t!r}; "
                "accepted: 0 <= previous < next and t in (0, 1)"
            )


def diffused_frames(cadence: int, frames: int, changes: Iterable[int]) -> tuple[int, ...]:
    """The frames the model makes with `cadence` N over `frames` frames: every N-th (0, N, 2N,
    ...), every frame in `changes` (the keyframes and every frame whose prompts differ from the
    frame before: a prompt change is never faded in, unlike Deforum's cadence) and the last."""
    if frames <= 0:
        return ()
    marked = {i for i in range(0, frames, cadence)} | {frames - 1}
    marked |= {i for i in changes if 0 <= i < frames}
    return tuple(sorted(marked))


def with_cadence(cadence: int, planned: list[Any], keyframes: Iterable[int]) -> list[Any]:
    """`planned` (`FramePlan`s, one per frame; plan_data imports this module, so they are not
    typed here) with each frame between two diffused ones marked (`FramePlan.between`) and each
    colour anchor that is such a frame moved to the diffused frame before it. Cadence 1
    returns `planned` as it is."""
    if cadence == 1:
        return planned
    changes = set(keyframes) | {
        f.frame
        for prev, f in zip(planned, planned[1:], strict=False)
        if (f.positive, f.negative) != (prev.positive, prev.negative)
    }
    diffused = diffused_frames(cadence, len(planned), changes)
    out = list(planned)
    for start, end in zip(diffused, diffused[1:], strict=False):
        for j in range(start + 1, end):
            t = (j - start) / (end - start)
            out[j] = replace(out[j], between=FrameBetween(start, end, t))
    for i, frame in enumerate(out):
        color = frame.color
        if color is not None and out[color.anchor].between is not None:
            anchor = out[color.anchor].between.previous
            out[i] = replace(frame, color=replace(color, anchor=anchor))
    return out


def resume_source(frames: Sequence[Any], start: int) -> int:
    """The frame whose saved output a resume at `start` > 0 continues from: `start - 1`, or,
    when that frame is made between (cadence), the diffused frame before it (`frames`: the
    plan's `FramePlan`s)."""
    between = frames[start - 1].between
    return start - 1 if between is None else between.previous
