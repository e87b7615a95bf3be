"""FizzNodes prompt schedules: `"0": "a rose", "24": "a tulip"` as (frame, prompt) pairs.

Keys take the value schedules' forms (`keys.py`); pure Python, standard library only.
"""

from __future__ import annotations

import json

from ..messages import short_repr
from .expressions import ScheduleError
from .keys import (
    Key,
    check_key_count,
    check_length,
    check_unique,
    key_frame,
    split_top_level,
    top_level_colon,
)


def parse_prompt_schedule(text: str, field: str, frame_count: int) -> list[tuple[int, str]]:
    """A FizzNodes prompt schedule `"0": "a rose", "24": "a tulip"` as sorted (frame, prompt).

    Keys are frame numbers (or expressions in `max_f`), quoted or not; values are quoted
    strings (double quotes take JSON escapes). Braces around the whole text and a trailing comma
    are allowed. Errors name the field, the key and its position.
    """
    check_length(text, field)
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    if body.startswith("{") and body.endswith("}"):
        body, offset = body[1:-1], offset + 1
    max_f = frame_count - 1
    out: list[Key] = []
    prompts: dict[int, str] = {}
    chunks = split_top_level(body, field)
    check_key_count(len(chunks), field)
    for start, chunk in chunks:
        position = offset + start + len(chunk) - len(chunk.lstrip()) + 1
        if not chunk.strip():
            if start + len(chunk) == len(body) and out:
                continue  # a trailing comma
            raise ScheduleError(
                f"{field}: empty entry at position {position}; accepted: "
                '\'"frame": "prompt", "frame": "prompt", ...\''
            )
        colon = top_level_colon(chunk)
        if colon is None:
            raise ScheduleError(
                f"{field}: entry {short_repr(chunk.strip())} at position {position} has no ':'; "
                'accepted: \'"frame": "prompt"\', e.g. \'"0": "a red rose"\''
            )
        key_text = chunk[:colon].strip()
        frame = key_frame(key_text, field, position, max_f)
        raw = chunk[colon + 1 :].strip()
        where = f"{field}: key {short_repr(key_text)} at position {position}"
        if len(raw) < 2 or raw[0] != raw[-1] or raw[0] not in "\"'":
            raise ScheduleError(
                f"{where}: the prompt {short_repr(raw)} is not a quoted string; accepted: "
                '"prompt text"'
            )
        if raw[0] == '"':
            try:
                prompt = json.loads(raw)
            except ValueError as exc:
                raise ScheduleError(f"{where}: invalid string {short_repr(raw)} ({exc})") from None
        else:
            prompt = raw[1:-1]
        if not isinstance(prompt, str) or not prompt.strip():
            raise ScheduleError(f"{where}: empty prompt; accepted: a non-empty prompt text")
        if frame >= frame_count:
            raise ScheduleError(
                f"{where}: frame {frame} is past the last frame ({max_f}, frame_count "
                f"{frame_count}); accepted: keys 0..{max_f}"
            )
        out.append(Key(frame, None, None, position, key_text))
        prompts[len(out) - 1] = prompt.strip()
    keys = check_unique(out, field)
    order = {id(key): index for index, key in enumerate(out)}
    return [(key.frame, prompts[order[id(key)]]) for key in keys]
