"""The spec's `prompts` and `negative` mapped onto the planner's prompt lists and keyframes.

A string or a list follows the node's rule (a list spreads evenly, or is placed by
`cond_keyframes`); a table of keyframes `{"0" = "...", "24" = "..."}` sets the keyframes from
its keys (docs/cli.md "Prompts and keyframes").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fields import SpecError


def _keyed_texts(value: Mapping, name: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for key, text in value.items():
        raw = str(key).strip()
        if not raw.isdigit():
            raise SpecError(
                f'{name}: key {key!r}; accepted: a frame number >= 0, e.g. {{"0" = "...", '
                '"24" = "..."}'
            )
        if int(raw) in out:
            raise SpecError(f"{name}: key {key!r} repeats frame {int(raw)}; accepted: each once")
        if not isinstance(text, str):
            raise SpecError(f"{name}: key {key!r} has {text!r}; accepted: a prompt string")
        out[int(raw)] = text
    if not out:
        raise SpecError(f"{name}: the table is empty; accepted: at least one keyframe")
    return out


def _text_list(value: Any, name: str) -> list[str]:
    if not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{name}: got {value!r}; accepted: a non-empty list of strings")
    return list(value)


def prompt_lists(data: Mapping[str, Any]) -> tuple[list[str], list[str], Any, dict[str, Any]]:
    """(positive list, negative list, cond_keyframes, normalised prompt fields).

    A table of keyframes: the keys of both tables together, sorted, become the prompt starts;
    each list holds the prompt active at each key; cond_keyframes are the keys after the first.
    Without a key 0 the first keyframe's prompt applies from frame 0 (as Deforum fills).
    """
    prompts, negative = data.get("prompts"), data.get("negative", "")
    if prompts is None:
        raise SpecError(
            'prompts: missing; accepted: a string, a list, or a table {"0" = "...", "24" = "..."}'
        )
    keyframes = data.get("cond_keyframes", [])
    if isinstance(prompts, str):
        prompts = [prompts]
    if isinstance(prompts, list):
        positive = _text_list(prompts, "prompts")
        if isinstance(negative, Mapping):
            raise SpecError(
                "negative: a keyframe table needs prompts as a table too; accepted: a string "
                "or a list"
            )
        neg = [negative] if isinstance(negative, str) else _text_list(negative, "negative")
        return positive, neg, keyframes, {"prompts": positive, "negative": neg}
    if not isinstance(prompts, Mapping):
        raise SpecError(
            f"prompts: got {prompts!r}; accepted: a string, a list, or a table of keyframes"
        )
    if "cond_keyframes" in data:
        raise SpecError(
            "cond_keyframes: not accepted with a table of prompts (its keys are the keyframes); "
            "drop cond_keyframes or give prompts as a list"
        )
    pos_keys = _keyed_texts(prompts, "prompts")
    if isinstance(negative, str):
        neg_keys = {min(pos_keys): negative}
    elif isinstance(negative, Mapping):
        neg_keys = _keyed_texts(negative, "negative")
    else:
        raise SpecError(
            f"negative: got {negative!r}; accepted: a string or a table keyed like prompts"
        )
    keys = sorted(set(pos_keys) | set(neg_keys))

    def active(table: dict[int, str], key: int) -> str:
        before = [k for k in table if k <= key]
        return table[max(before) if before else min(table)]

    positive = [active(pos_keys, k) for k in keys]
    neg = [active(neg_keys, k) for k in keys]
    if isinstance(negative, str):
        neg = [negative]
    normalised = {
        "prompts": {str(k): pos_keys[k] for k in sorted(pos_keys)},
        "negative": negative
        if isinstance(negative, str)
        else {str(k): neg_keys[k] for k in sorted(neg_keys)},
    }
    return positive, neg, list(keys[1:]), normalised
