"""The spec's `prompts` and `negative` mapped onto the planner's prompt lists and keyframes.

A string or a list follows the node's rule (a list spreads evenly, or is placed by
`cond_keyframes`); a table of keyframes `{"0" = "...", "24" = "..."}` sets the keyframes from
its keys (docs/cli.md "Prompts and keyframes").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...planning.schedule.keys import non_ascii_digit
from .fields import MAX_PROMPT_CHARS, MAX_PROMPTS, SpecError, short_repr


def _check_size(count: int, name: str) -> None:
    if count > MAX_PROMPTS:
        raise SpecError(
            f"{name}: {count} prompts; accepted: at most {MAX_PROMPTS} (one per frame at most)"
        )


def _check_text(text: str, name: str) -> None:
    if len(text) > MAX_PROMPT_CHARS:
        raise SpecError(
            f"{name}: the prompt {short_repr(text)} has {len(text)} characters; accepted: at "
            f"most {MAX_PROMPT_CHARS}"
        )


def _keyed_texts(value: Mapping, name: str) -> dict[int, str]:
    _check_size(len(value), name)
    out: dict[int, str] = {}
    for key, text in value.items():
        raw = str(key).strip() if isinstance(key, (str, int)) else ""
        note = non_ascii_digit(raw)
        if note is not None:
            raise SpecError(
                f"{name}: key {short_repr(key)} holds {note}; accepted: a frame number in the "
                "digits 0-9"
            )
        if not raw.isdigit() or len(raw) > 18:
            raise SpecError(
                f'{name}: key {short_repr(key)}; accepted: a frame number >= 0, e.g. {{"0" = "...", '
                '"24" = "..."}'
            )
        if int(raw) in out:
            raise SpecError(
                f"{name}: key {short_repr(key)} repeats frame {int(raw)}; accepted: each once"
            )
        if not isinstance(text, str):
            raise SpecError(
                f"{name}: key {short_repr(key)} has {short_repr(text)}; accepted: a prompt string"
            )
        _check_text(text, name)
        out[int(raw)] = text
    if not out:
        raise SpecError(f"{name}: the table is empty; accepted: at least one keyframe")
    return out


def _text_list(value: Any, name: str) -> list[str]:
    if isinstance(value, list):
        _check_size(len(value), name)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{name}: got {short_repr(value)}; accepted: a non-empty list of strings")
    for text in value:
        _check_text(text, name)
    return list(value)


def prompt_lists(data: Mapping[str, Any]) -> tuple[list[str], list[str], Any, dict[str, Any]]:
    """(positive list, negative list, cond_keyframes, normalised prompt fields).

    A table of keyframes: the keys of both tables together, sorted, become the prompt starts;
    each list holds the prompt active at each key; cond_keyframes are the keys after the first.
    Without a key 0 the first keyframe's prompt applies from frame 0 (as Deforum fills).
    """
    # 1. The prompts are given, and cond_keyframes is bounded.
    prompts, negative = data.get("prompts"), data.get("negative", "")
    if prompts is None:
        raise SpecError(
            'prompts: missing; accepted: a string, a list, or a table {"0" = "...", "24" = "..."}'
        )
    keyframes = data.get("cond_keyframes", [])
    if isinstance(keyframes, (list, tuple)) and len(keyframes) > MAX_PROMPTS:
        raise SpecError(
            f"cond_keyframes: {len(keyframes)} entries; accepted: at most {MAX_PROMPTS}"
        )
    # 2. A string or a list follows the node's rule (keyframes as given, or spread).
    if isinstance(prompts, str):
        prompts = [prompts]
    if isinstance(prompts, list):
        return _listed(prompts, negative, keyframes)
    # 3. A table of keyframes: its keys (and the negative table's) are the keyframes.
    if not isinstance(prompts, Mapping):
        raise SpecError(
            f"prompts: got {short_repr(prompts)}; accepted: a string, a list, or a table of keyframes"
        )
    if "cond_keyframes" in data:
        raise SpecError(
            "cond_keyframes: not accepted with a table of prompts (its keys are the keyframes); "
            "drop cond_keyframes or give prompts as a list"
        )
    return _keyed(prompts, negative)


def _listed(
    prompts: list[Any], negative: Any, keyframes: Any
) -> tuple[list[str], list[str], Any, dict[str, Any]]:
    """Prompts as a list: the negative a string or a list (not a table)."""
    positive = _text_list(prompts, "prompts")
    if isinstance(negative, Mapping):
        raise SpecError(
            "negative: a keyframe table needs prompts as a table too; accepted: a string or a list"
        )
    if isinstance(negative, str):
        _check_text(negative, "negative")
    neg = [negative] if isinstance(negative, str) else _text_list(negative, "negative")
    return positive, neg, keyframes, {"prompts": positive, "negative": neg}


def _keyed(
    prompts: Mapping[Any, Any], negative: Any
) -> tuple[list[str], list[str], list[int], dict[str, Any]]:
    """Prompts as a table of keyframes: the negative one string or a table keyed like them."""
    pos_keys = _keyed_texts(prompts, "prompts")
    if isinstance(negative, str):
        _check_text(negative, "negative")
        neg_keys = {min(pos_keys): negative}
    elif isinstance(negative, Mapping):
        neg_keys = _keyed_texts(negative, "negative")
    else:
        raise SpecError(
            f"negative: got {short_repr(negative)}; accepted: a string or a table keyed like prompts"
        )
    keys = sorted(set(pos_keys) | set(neg_keys))
    positive = _actives(pos_keys, keys)
    neg = [negative] if isinstance(negative, str) else _actives(neg_keys, keys)
    normalised = {
        "prompts": {str(k): pos_keys[k] for k in sorted(pos_keys)},
        "negative": negative
        if isinstance(negative, str)
        else {str(k): neg_keys[k] for k in sorted(neg_keys)},
    }
    return positive, neg, list(keys[1:]), normalised


def _actives(table: dict[int, str], keys: list[int]) -> list[str]:
    """The prompt active at each key (one pass over the sorted keys, not one per key)."""
    out, current = [], table[min(table)]
    for k in keys:
        current = table.get(k, current)
        out.append(current)
    return out
