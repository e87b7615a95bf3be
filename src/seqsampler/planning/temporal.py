"""Loops and colour coherence in the plan: rules applied after every frame is planned
(docs/quality.md). `loop_frames` closes a loop over the last k frames; `color_coherence` gives
each frame after its anchor a `ColorMatch`. Pure Python (no torch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from .config import SequenceConfig
from .plan_data import ColorMatch, FramePlan


def loop_weight(index: int, frames: int, loop_frames: int) -> float | None:
    """The pull of frame `index`'s output toward frame 0's: None before the last `loop_frames`
    frames, then (j + 1) / (k + 1) on the j-th of the k loop frames, so the last frame is one
    ordinary step away from frame 0 (a weight of 1 would show frame 0 twice)."""
    first = frames - loop_frames
    if loop_frames <= 0 or index < first:
        return None
    return (index - first + 1) / (loop_frames + 1)


def with_loop(config: SequenceConfig, planned: list[FramePlan]) -> list[FramePlan]:
    """Over the last `loop_frames` frames: prompt 0 on both sides, reached by a glide of
    1 / (frames left) (so the last loop frame's conditioning is exactly prompt 0's), and the
    pull toward frame 0 (`loop_weight`)."""
    k, n = config.loop_frames, len(planned)
    out = list(planned)
    for i in range(n - k, n) if k > 0 else ():
        out[i] = replace(
            planned[i], positive=0, negative=0, glide=1.0 / (n - i), loop=loop_weight(i, n, k)
        )
    return out


# Colour coherence in `keyframe` mode anchors each segment at its first settled frame: the
# first frame whose conditioning is within SETTLED_GLIDE of the segment's prompt (the segment's
# first frame on a hard cut), then ceil(1 / denoise) - 1 frames more for the loopback to redraw
# the picture at that frame's denoise (a frame at denoise d keeps about 1 - d of its input).
SETTLED_GLIDE = 0.1


def segment_starts(planned: Sequence[FramePlan]) -> list[int]:
    """Frame 0 and every frame whose positive prompt differs from the previous frame's."""
    return [
        f.frame for i, f in enumerate(planned) if i == 0 or f.positive != planned[i - 1].positive
    ]


def settled_frame(planned: Sequence[FramePlan], start: int, end: int) -> int:
    """The first settled frame of the segment `start .. end - 1` (see SETTLED_GLIDE)."""
    remaining = 1.0
    index = start
    for index in range(start, end):
        glide = planned[index].glide
        remaining = 0.0 if glide is None or index == 0 else remaining * (1.0 - glide)
        if remaining <= SETTLED_GLIDE:
            break
    denoise = planned[index].denoise
    extra = math.ceil(1.0 / denoise) - 1 if denoise > 0 else 0
    return min(index + extra, end - 1)


def with_color(config: SequenceConfig, planned: list[FramePlan]) -> list[FramePlan]:
    """The `color` of every frame after its anchor (none before: the anchor's own output and
    a segment's frames while its palette settles are left as they are)."""
    if config.color_coherence == "none" or config.color_coherence_source == "video":
        return planned  # none, or matched to the input frames (planning.video)
    n = len(planned)
    anchors = [0] * n
    if config.color_coherence_anchor == "keyframe":
        starts = segment_starts(planned)
        first_anchor = None
        for start, end in zip(starts, [*starts[1:], n], strict=True):
            anchor = settled_frame(planned, start, end)
            if first_anchor is None:
                first_anchor = anchor
            if planned[start].loop is not None:  # the loop returns to frame 0's palette
                anchor = first_anchor
            anchors[start:end] = [anchor] * (end - start)
    out = list(planned)
    for i, frame in enumerate(planned):
        if i <= anchors[i]:
            continue
        strength = config.frame_value(
            "color_coherence_strength", i, config.color_coherence_strength
        )
        out[i] = replace(frame, color=ColorMatch(config.color_coherence, anchors[i], strength))
    return out
