"""An `ImportResult` written as a commented TOML spec (a small emitter for the spec's subset).

Top-level fields first (strings, numbers, booleans, lists), each below its comments, then the
`not carried` notes, then the tables (`[prompts]`, `[negative]`, per-frame schedule tables):
TOML puts every plain key before the first table. Strings are TOML basic strings with every
control character escaped; comments have theirs escaped too (`result.comment_text`), so a
prompt or a path from the source cannot break the file. `tomllib` reads the output back to the
same values (tests/importing/test_toml_out.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from ..version import __version__
from .result import ImportResult, comment_text

TOML_INT_MAX = 2**63 - 1  # larger ints (seeds up to 2**64 - 1) are written as strings
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}
_TO_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    return (
        '"'
        + _TO_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04X}"), text)
        + '"'
    )


def toml_key(key: str) -> str:
    """A key: bare when TOML allows it and it is not a number (prompt keys are quoted, as in
    docs/cli.md), else quoted."""
    return key if _BARE_KEY.fullmatch(key) and not key.isdigit() else toml_string(key)


def toml_value(value: Any) -> str:
    """One value of the spec's subset: str, bool, int, finite float, list of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value) if abs(value) <= TOML_INT_MAX else toml_string(str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"spec value {value!r}; accepted: finite numbers")
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ValueError(
        f"spec value of type {type(value).__name__}; accepted: str, number, bool, list"
    )


def _comments(lines: list[str]) -> list[str]:
    return [f"# {comment_text(line)}".rstrip() for line in lines]


def to_toml(result: ImportResult, source: str = "") -> str:
    """The spec as TOML text, with its header, field comments and notes as comments."""
    head = f"seqsampler {__version__} import" + (f" of {source}" if source else "")
    out = _comments([head, *result.header])
    out += _comments(["check it with: seqsampler plan SPEC (render after setting model)"])
    tables = {k: v for k, v in result.spec.items() if isinstance(v, Mapping)}
    out.append("")
    for name, value in result.spec.items():
        if name in tables:
            continue
        out += _comments(result.comments.get(name, []))
        out.append(f"{toml_key(name)} = {toml_value(value)}")
    if result.notes:
        out += ["", *_comments(["settings not carried over, and notes:"])]
        out += _comments(result.notes)
    for name, table in tables.items():
        out += ["", *_comments(result.comments.get(name, [])), f"[{toml_key(name)}]"]
        out += [f"{toml_key(str(k))} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(out) + "\n"
