"""Values in error messages: `short_repr` and `short_text` cut any value to a bounded length.

Every `ValueError` of the planner (and of the front doors) shows the bad value through these, so a
huge or deeply nested input costs no more than a line of text. Standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SHORT_REPR_LIMIT = 80


def short_repr(value: Any, limit: int = SHORT_REPR_LIMIT) -> str:
    """`repr(value)` cut to `limit` characters (with a note of the full length) for messages.

    Containers are summarised before `repr` so a huge or deeply nested value costs no more than
    `limit` characters: only the head of a string, list or mapping is ever turned into text.
    """
    text = _bounded_repr(value, limit + 1, 0)
    if len(text) <= limit:
        return text
    size = ""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        size = f" ({len(value)} {'chars' if isinstance(value, (str, bytes)) else 'items'})"
    elif isinstance(value, int) and not isinstance(value, bool):
        size = f" ({value.bit_length()} bits)"
    return text[: max(limit - 3, 0)] + "..." + size


def short_text(text: str, limit: int = SHORT_REPR_LIMIT) -> str:
    """`text` (a message, a list of words) on one line, cut to `limit` characters."""
    one_line = " ".join(text[: limit * 4].split())
    return one_line if len(one_line) <= limit else one_line[: max(limit - 3, 0)] + "..."


def _bounded_repr(value: Any, budget: int, depth: int) -> str:
    """A repr of at most about `budget` characters that never formats more than that."""
    if depth > 8:
        return "..."
    if isinstance(value, (str, bytes)):
        return repr(value[:budget]) + ("..." if len(value) > budget else "")
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 4 * budget:  # more than `budget` decimal digits: show a size
            return f"<int of {value.bit_length()} bits>"
        return repr(value)
    if isinstance(value, Mapping):
        parts, used = [], 0
        for k, v in value.items():
            if used > budget:
                parts.append("...")
                break
            part = f"{_bounded_repr(k, budget, depth + 1)}: {_bounded_repr(v, budget, depth + 1)}"
            parts.append(part)
            used += len(part) + 2
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        parts, used = [], 0
        for item in value:
            if used > budget:
                parts.append("...")
                break
            part = _bounded_repr(item, budget, depth + 1)
            parts.append(part)
            used += len(part) + 2
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        return open_ + ", ".join(parts) + close
    text = repr(value)
    return text[:budget] + ("..." if len(text) > budget else "")
