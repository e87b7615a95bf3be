"""Prompt-table keys at or after `frame_count`: dropped here, with a log line naming the keys
as the user wrote them (`prompts key '40'`), before the planner would report them as
`cond_keyframes`, a field the user of a table never wrote."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("seqsampler.cli")


def _frame_count(data: Mapping[str, Any]) -> int | None:
    value = data.get("frame_count", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None  # invalid or 0: resolve_spec reports it
    return value


def drop_late_keys(
    data: Mapping[str, Any], positive: list[str], negative: list[str], keyframes: Any
) -> tuple[list[str], list[str], Any]:
    """With prompts (and negatives) given as tables, drop the keys at or after `frame_count`
    (the sorted keys' tail: earlier prompt indices are unchanged) and log them once."""
    frames = _frame_count(data)
    if frames is None or not isinstance(data.get("prompts"), Mapping):
        return positive, negative, keyframes
    kept = [k for k in keyframes if k < frames]
    if len(kept) == len(keyframes):
        return positive, negative, keyframes
    late = set(keyframes) - set(kept)
    names = []
    for field in ("prompts", "negative"):
        table = data.get(field)
        if isinstance(table, Mapping):
            names += [f"{field} key {str(key)!r}" for key in table if int(str(key).strip()) in late]
    log.info(
        "ignoring %s: at or after frame_count %d (the last frame is %d)",
        ", ".join(names),
        frames,
        frames - 1,
    )
    count = 1 + len(kept)
    if len(negative) == len(positive):
        negative = negative[:count]
    return positive[:count], negative, kept
