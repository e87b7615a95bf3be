"""The keyframe syntax value and prompt schedules share: a schedule's text split into
`key:value` entries at top-level commas, a key read as a frame number (or an expression in
`max_f`), and the checks on length, key count, digits and repeated frames.

Pure Python, standard library only (shared by `values.py` and `prompts.py`).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from ..fields import MAX_FRAMES
from ..messages import short_repr
from .expressions import ScheduleError, evaluate_expression

MAX_SCHEDULE_CHARS = 10_000  # one value schedule's text (a string, or one table value)
MAX_SCHEDULE_KEYS = MAX_FRAMES  # keys of one value schedule


@dataclass(frozen=True)
class Key:
    """One keyframe: `frame`, and either a number `value` or an `expression` (source text)."""

    frame: int
    value: float | None
    expression: str | None
    position: int  # 1-based column of the key in the field's text (0 for mapping entries)
    text: str  # the key as written


def split_top_level(text: str, field: str) -> list[tuple[int, str]]:
    """Split on commas outside parentheses and quotes; returns (start offset, chunk) pairs."""
    chunks: list[tuple[int, str]] = []
    depth_stack: list[int] = []
    quote: str | None = None
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth_stack.append(i)
        elif ch in ")]}":
            if not depth_stack:
                raise ScheduleError(
                    f"{field}: unmatched {ch!r} at position {i + 1} in {short_repr(text)}; "
                    "accepted: 'key:(value), key:(value), ...'"
                )
            depth_stack.pop()
        elif ch == "," and not depth_stack:
            chunks.append((start, text[start:i]))
            start = i + 1
    if quote:
        raise ScheduleError(f"{field}: unclosed quote {quote} in {short_repr(text)}")
    if depth_stack:
        raise ScheduleError(
            f"{field}: unclosed '(' at position {depth_stack[-1] + 1} in {short_repr(text)}; "
            "accepted: 'key:(value), key:(value), ...'"
        )
    chunks.append((start, text[start:]))
    return chunks


def non_ascii_digit(text: str) -> str | None:
    """The first digit outside 0-9 in `text`, described (`'٣'`, `'³'`, `'①'`: `str.isdigit` and
    `float` accept some of them, `int` fewer), or None when there is none."""
    for i, ch in enumerate(text):
        if not ch.isascii() and ch.isnumeric():
            name = unicodedata.name(ch, "unnamed")
            return f"the non-ASCII digit U+{ord(ch):04X} ({name}) at position {i + 1}"
    return None


def check_digits(text: str, where: str) -> None:
    note = non_ascii_digit(text)
    if note is not None:
        raise ScheduleError(f"{where}: {short_repr(text)} holds {note}; accepted: the digits 0-9")


def parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def key_frame(text: str, field: str, position: int, max_f: int) -> int:
    raw = text.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1].strip()
    where = f"{field}: key {short_repr(text.strip())} at position {position}"
    check_digits(raw, where)
    if not raw:
        raise ScheduleError(
            f"{where}: empty key; accepted: a frame number or an expression in max_f"
        )
    number = parse_number(raw)
    value = number if number is not None else evaluate_expression(raw, 0, max_f, where)
    if value != int(value) or value < 0:
        raise ScheduleError(f"{where}: gives {value}; accepted: a whole frame number >= 0")
    return int(value)


def check_length(text: str, field: str) -> None:
    if len(text) > MAX_SCHEDULE_CHARS:
        raise ScheduleError(
            f"{field}: the schedule {short_repr(text)} has {len(text)} characters; accepted: at "
            f"most {MAX_SCHEDULE_CHARS}"
        )


def check_key_count(count: int, field: str) -> None:
    if count > MAX_SCHEDULE_KEYS:
        raise ScheduleError(
            f"{field}: the schedule has {count} keys; accepted: at most {MAX_SCHEDULE_KEYS}"
        )


def top_level_colon(chunk: str) -> int | None:
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(chunk):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0:
            return i
    return None


def check_unique(keys: list[Key], field: str) -> list[Key]:
    seen: dict[int, Key] = {}
    for key in keys:
        if key.frame in seen:
            first = seen[key.frame]
            raise ScheduleError(
                f"{field}: key {short_repr(key.text)} at position {key.position} repeats frame {key.frame} "
                f"(already given by key {short_repr(first.text)} at position {first.position}); "
                "accepted: each frame once"
            )
        seen[key.frame] = key
    if not keys:
        raise ScheduleError(f"{field}: the schedule has no keys; accepted: 'key:(value), ...'")
    return sorted(keys, key=lambda k: k.frame)
