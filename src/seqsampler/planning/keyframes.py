"""Which prompt is active at each frame (behaviour.md §2)."""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Sequence
from fractions import Fraction

log = logging.getLogger(__name__)


def effective_keyframes(keyframes: Sequence[int], frames: int) -> tuple[int, ...]:
    """The sorted unique keyframes `k` with `0 < k < frames`; logs the ignored ones once."""
    kept = tuple(sorted({k for k in keyframes if 0 < k < frames}))
    ignored = sorted({k for k in keyframes if not 0 < k < frames})
    if ignored:
        log.info(
            "cond_keyframes: ignoring %s (a keyframe is a frame in 1..%d where the next "
            "prompt starts; frame 0 always starts prompt 0)",
            ignored,
            frames - 1,
        )
    return kept


def spread_keyframes(prompts: int, frames: int) -> tuple[int, ...]:
    """Even spread: prompt j starts at frame round(j * N / P), j = 1..P-1 (halves to even),
    filtered like given keyframes (unique, in 1..N-1), so prompt 0 always starts frame 0."""
    starts = (round(Fraction(j * frames, prompts)) for j in range(1, prompts))
    return tuple(sorted({k for k in starts if 0 < k < frames}))


def prompt_index(frame: int, keyframes: Sequence[int], count: int) -> int:
    """The number of keyframes <= frame, clamped to count - 1 (`keyframes` sorted, as
    `effective_keyframes` and `spread_keyframes` give them: a binary search, O(log K))."""
    return min(bisect_right(keyframes, frame), count - 1)
