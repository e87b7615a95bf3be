"""Keyframe curves of the CLIP Text Encode Sequence (v2) node: where each prompt starts.

Pure Python (no torch, no ComfyUI). `P` prompts over `F` frames: prompt `j` starts at frame
`round(F * e(j / P))` for an easing curve `e` with `e(0) = 0`, `e(1) = 1`, increasing. The
result holds the `P - 1` start frames of prompts `1 .. P-1` (prompt 0 starts at frame 0): the
"frames where the next prompt starts" that `KSamplerSeq2` reads from `cond_keyframes`.
They are strictly increasing and inside `(0, F)`, so every prompt is shown for at least one
frame (this fixes the published node's B11: indices instead of values, negative and
descending keyframes).

| type | e(u) | prompt lengths |
|---|---|---|
| linear | u | equal (the sampler's even spread) |
| sinus | (1 - cos(pi u)) / 2 | short at both ends, long in the middle (ease in-out) |
| sinus_inverted | acos(1 - 2u) / pi | long at both ends, short in the middle (its inverse) |
| half_sinus | sin(pi u / 2) | long first, shorter and shorter (ease out) |
| half_sinus_inverted | 1 - cos(pi u / 2) | short first, longer and longer (ease in; the mirror) |

Prompt text: one prompt per non-empty line; a line `N:prompt` (the v1 syntax) sets that
prompt's start frame to `N` explicitly, the others follow the curve.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

KEYFRAME_TYPES: tuple[str, ...] = (
    "linear",
    "sinus",
    "sinus_inverted",
    "half_sinus",
    "half_sinus_inverted",
)

_CURVES: dict[str, Callable[[float], float]] = {
    "linear": lambda u: u,
    "sinus": lambda u: (1.0 - math.cos(math.pi * u)) / 2.0,
    "sinus_inverted": lambda u: math.acos(1.0 - 2.0 * u) / math.pi,
    "half_sinus": lambda u: math.sin(math.pi * u / 2.0),
    "half_sinus_inverted": lambda u: 1.0 - math.cos(math.pi * u / 2.0),
}


def ease(kind: str, u: float) -> float:
    """The easing curve `e(u)` of keyframe type `kind`, for `u` in [0, 1]."""
    if kind not in _CURVES:
        raise ValueError(
            f"cond_keyframes_type must be one of {', '.join(KEYFRAME_TYPES)}; got {kind!r}"
        )
    return _CURVES[kind](min(1.0, max(0.0, u)))


def curve_keyframes(kind: str, frame_count: int, prompt_count: int) -> list[int]:
    """Start frames of prompts 1..P-1: strictly increasing ints in (0, F), spaced by `kind`."""
    if not isinstance(frame_count, int) or frame_count < 1:
        raise ValueError(f"frame_count must be an int >= 1; got {frame_count!r}")
    if not isinstance(prompt_count, int) or prompt_count < 1:
        raise ValueError(f"the text must hold at least one prompt; got {prompt_count!r}")
    if prompt_count > frame_count:
        raise ValueError(
            f"frame_count must be at least the number of prompts ({prompt_count}) so that "
            f"every prompt gets a frame; got {frame_count}"
        )
    raw = [round(frame_count * ease(kind, j / prompt_count)) for j in range(1, prompt_count)]
    return _strictly_inside(raw, frame_count)


def _strictly_inside(values: list[int], frame_count: int) -> list[int]:
    """Nudge rounded keyframes apart so they are strictly increasing and inside (0, F)."""
    out = list(values)
    previous = 0
    for j, value in enumerate(out):  # Forward: at least one frame after the previous.
        out[j] = previous = max(value, previous + 1)
    ceiling = frame_count
    for j in range(len(out) - 1, -1, -1):  # Backward: at least one frame before the next.
        out[j] = ceiling = min(out[j], ceiling - 1)
    return out


_EXPLICIT = re.compile(r"^([0-9]+)\s*:(.*)$")  # ASCII digits only: "٣:" is prompt text


def parse_prompt_lines(text: str) -> list[tuple[int | None, str]]:
    """`(start frame or None, prompt)` per non-empty line; `N:prompt` gives the start `N`."""
    prompts: list[tuple[int | None, str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        match = _EXPLICIT.match(stripped)
        if match:
            prompts.append((int(match.group(1)), match.group(2).strip()))
        else:
            prompts.append((None, stripped))
    return prompts


def sequence_keyframes(kind: str, frame_count: int, starts: Sequence[int | None]) -> list[int]:
    """Start frames of prompts 1..P-1: explicit starts where given, the curve elsewhere.

    `starts[j]` is prompt j's explicit start frame or None. Prompt 0 always starts at frame 0
    (an explicit start there only says where the text put it). The result must increase
    strictly down the lines, or a ValueError names the offending line.
    """
    count = len(starts)
    if count == 0:
        raise ValueError("text holds no prompt; write one prompt per line")
    if all(start is not None for start in starts[1:]):
        curve = [0] * (count - 1)
    else:
        curve = curve_keyframes(kind, frame_count, count)
    keyframes = [
        curve[j - 1] if start is None else int(start) for j, start in enumerate(starts[1:], start=1)
    ]
    previous = 0
    for j, keyframe in enumerate(keyframes, start=1):
        if keyframe <= previous:
            raise ValueError(
                f"prompt line {j + 1} (prompt {j}) would start at frame {keyframe}, not after "
                f"the previous prompt's start {previous}; start frames (N:prompt) must "
                "increase down the lines"
            )
        previous = keyframe
    return keyframes
