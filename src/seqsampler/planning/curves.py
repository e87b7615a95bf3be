"""Per-frame denoise (behaviour.md §5) and the start step of a denoise (§7)."""

from __future__ import annotations

import math


def frame_denoise(
    index: int, frames: int, *, start: float, seq: float, sine: bool, high: float
) -> float:
    """Frame 0: `start`. Later: `seq`, or with `sine` one full period over the run,
    `mid + amp * sin(2*pi*i/N)`, mid = (seq + high)/2, amp = (high - seq)/2, clamped to [0, 1]
    against rounding."""
    if index == 0:
        return start
    if not sine:
        return seq
    mid = (seq + high) / 2
    amp = (high - seq) / 2
    return min(1.0, max(0.0, mid + amp * math.sin(2 * math.pi * index / frames)))


def start_step(denoise: float, steps: int) -> int:
    """k = round((1 - d) * S) (Python's round: halves to even), in [0, S]."""
    return min(steps, max(0, round((1 - denoise) * steps)))
