"""Value schedules: Deforum / FizzNodes keyframe syntax, parsed and evaluated per frame.

Forms (one field's value):
- a number: the same value on every frame;
- a string `0:(0.5), 24:(0.8), 48:(0.5 + 0.1*sin(2*pi*t/12))`: keys are frame numbers (or an
  expression in `max_f`, e.g. `max_f:(1)`; quotes around a key are allowed), values are numbers
  or expressions in `t` (the frame) and `max_f` (the last frame index, N - 1, as in Deforum), in
  parentheses (commas inside them are fine) or bare; a trailing comma is allowed;
- a mapping `{0: 0.5, 24: "0.5 + 0.1*sin(t)"}` (a TOML / YAML table) with the same keys and values.

Semantics (Deforum's `get_inbetweens`): numeric keys are linearly interpolated; an expression key
is evaluated at every frame from its key until the next key (to the end for the last key);
frames before the first key take the first key's value at its key; after a numeric last key the
value holds. Expressions are evaluated by the bounded evaluator of `expressions.py` (Python's
`ast` walked with a whitelist, never `eval`). The keyframe syntax (entries, keys, their checks)
is `keys.py`, shared with FizzNodes prompt schedules (`prompts.py`).

Shared by both front doors (the CLI's spec and the ComfyUI nodes); pure Python, standard library
only, so the node pack needs nothing ComfyUI does not ship.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..messages import short_repr
from .expressions import ScheduleError, evaluate_expression
from .keys import (
    Key,
    check_digits,
    check_key_count,
    check_length,
    check_unique,
    key_frame,
    parse_number,
    split_top_level,
    top_level_colon,
)


def _value(
    text: str, field: str, key: str, position: int, frame: int, max_f: int, seed: int | None
) -> Key:
    raw = text.strip()
    where = f"{field}: key {short_repr(key)} at position {position}"
    if raw.startswith("(") and raw.endswith(")"):
        # Strip one pair of parentheses only when they enclose the whole value.
        depth = 0
        for i, ch in enumerate(raw):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(raw) - 1:
                break
        else:
            raw = raw[1:-1].strip()
    if not raw:
        raise ScheduleError(
            f"{where}: empty value; accepted: a number or an expression in t, max_f"
        )
    check_digits(raw, where)
    number = parse_number(raw)
    if number is not None:
        return Key(frame, number, None, position, key)
    evaluate_expression(raw, frame, max_f, where, seed)  # checks names, functions and syntax now
    return Key(frame, None, raw, position, key)


INT_FIELDS = ("steps", "seed")


def parse_schedule(text: str, field: str, frame_count: int, seed: int | None = None) -> list[Key]:
    """Parse `0:(0.5), 24:(expr), ...` into sorted keys; errors name the field, key and position.
    `seed`: the run's seed, `s` in value expressions (None: `s` is refused)."""
    max_f = frame_count - 1
    check_length(text, field)
    check_digits(text, field)
    keys: list[Key] = []
    chunks = split_top_level(text, field)
    check_key_count(len(chunks), field)
    for start, chunk in chunks:
        if not chunk.strip():
            if start + len(chunk) == len(text) and keys:
                continue  # a trailing comma
            raise ScheduleError(
                f"{field}: empty entry at position {start + 1} in {short_repr(text)}; "
                "accepted: 'key:(value), key:(value), ...'"
            )
        offset = start + len(chunk) - len(chunk.lstrip())
        colon = top_level_colon(chunk)
        if colon is None and len(chunks) == 1:
            kind = "an integer" if field in INT_FIELDS else "a number"
            raise ScheduleError(
                f"{field}: entry {short_repr(chunk.strip())} at position {offset + 1} has no ':'; "
                f"accepted: {kind} or a schedule "
                "'key:(value), key:(value), ...', e.g. '0:(5), 12:(8)'"
            )
        if colon is None:
            raise ScheduleError(
                f"{field}: entry {short_repr(chunk.strip())} at position {offset + 1} has no ':'; "
                "accepted: 'key:(value)', e.g. '0:(0.5)'"
            )
        key_text = chunk[:colon]
        frame = key_frame(key_text, field, offset + 1, max_f)
        value_text = chunk[colon + 1 :]
        keys.append(_value(value_text, field, key_text.strip(), offset + 1, frame, max_f, seed))
    return check_unique(keys, field)


def parse_mapping(
    mapping: Mapping, field: str, frame_count: int, seed: int | None = None
) -> list[Key]:
    """Parse a `{key: value}` table (TOML / YAML) with the same key and value forms."""
    max_f = frame_count - 1
    check_key_count(len(mapping), field)
    keys = []
    for raw_key, raw_value in mapping.items():
        key_text = str(raw_key) if isinstance(raw_key, (str, int, float)) else ""
        if not key_text or isinstance(raw_key, bool):
            raise ScheduleError(
                f"{field}: key {short_repr(raw_key)}; accepted: a frame number or an "
                "expression in max_f"
            )
        check_length(key_text, field)
        frame = key_frame(key_text, field, 0, max_f)
        if isinstance(raw_value, bool) or not isinstance(raw_value, (int, float, str)):
            raise ScheduleError(
                f"{field}: key {short_repr(key_text)} has value {short_repr(raw_value)}; "
                "accepted: a number or an expression string"
            )
        if isinstance(raw_value, str):
            check_length(raw_value, field)
        keys.append(_value(str(raw_value), field, key_text, 0, frame, max_f, seed))
    return check_unique(keys, field)


def evaluate_keys(
    keys: list[Key], field: str, frame_count: int, seed: int | None = None
) -> list[float]:
    """One value per frame 0..N-1 (Deforum's in-betweens: see the module docstring)."""
    max_f = frame_count - 1
    values: list[float | None] = [None] * frame_count

    def at(key: Key, t: int) -> float:
        if key.expression is None:
            assert key.value is not None, f"{field}: key {key.text!r} holds no value"
            return key.value
        where = f"{field}: key {short_repr(key.text)} at frame {t}"
        return evaluate_expression(key.expression, t, max_f, where, seed)

    for j, key in enumerate(keys):
        end = keys[j + 1].frame if j + 1 < len(keys) else frame_count
        if key.expression is not None:
            for t in range(key.frame, min(end, frame_count)):
                values[t] = at(key, t)
        elif key.frame < frame_count:
            values[key.frame] = key.value
    # Linear in-betweens from each numeric key to the next key's value at its frame.
    for j, key in enumerate(keys[:-1]):
        if key.expression is not None:
            continue
        nxt = keys[j + 1]
        v0, v1 = at(key, key.frame), at(nxt, nxt.frame)
        for t in range(key.frame + 1, min(nxt.frame, frame_count)):
            values[t] = v0 + (v1 - v0) * (t - key.frame) / (nxt.frame - key.frame)
    first, last = keys[0], keys[-1]
    for t in range(min(first.frame, frame_count)):
        values[t] = at(first, first.frame)
    if last.expression is None:
        for t in range(last.frame + 1, frame_count):
            values[t] = at(last, last.frame)
    filled: list[float] = []
    for t, v in enumerate(values):
        assert v is not None, f"{field}: frame {t} got no value from keys {keys!r}"
        filled.append(float(v))
    return filled


def schedule_values(
    value: object, field: str, frame_count: int, seed: int | None = None
) -> list[float]:
    """A field's per-frame values from a number, a schedule string or a mapping; `seed` is `s`
    in expressions (Deforum's run seed; None: `s` is refused)."""
    if isinstance(value, bool):
        raise ScheduleError(f"{field}: got {short_repr(value)}; accepted: a number or a schedule")
    if isinstance(value, (int, float)):
        return [float(value)] * frame_count
    if isinstance(value, str):
        check_length(value, field)
        number = parse_number(value.strip())
        if number is not None:
            return [number] * frame_count
        keys = parse_schedule(value, field, frame_count, seed)
        return evaluate_keys(keys, field, frame_count, seed)
    if isinstance(value, Mapping):
        return evaluate_keys(
            parse_mapping(value, field, frame_count, seed), field, frame_count, seed
        )
    raise ScheduleError(
        f"{field}: got {short_repr(value)}; accepted: a number, a schedule string '0:(0.5), 24:(0.8)' "
        "or a table {0 = 0.5, 24 = 0.8}"
    )


def is_schedule(value: object) -> bool:
    """Whether a field's value varies by frame (a schedule string or a mapping)."""
    if isinstance(value, Mapping):
        return True
    return isinstance(value, str) and parse_number(value.strip()) is None
