"""`ImportResult` and the builder both importers fill: a field is carried only if seqsampler knows it.

The known field names come from the caller (the CLI passes `seqsampler.cli.spec.fields.all_fields()`,
every spec field it takes) or, by default, from the planner's field table plus the CLI's own
fields listed in docs/cli.md. A value for a field not among them (Deforum's motion, cadence and
video input while seqsampler has none) becomes a `not carried` note instead, so a field added
later is carried by the same importer without a change here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..planning import field_names, field_specs

# The CLI's own spec fields (docs/cli.md, "The CLI's own fields"): with the planner's field table,
# the names known when the caller gives none. The CLI passes its live registry instead.
CLI_OWN_FIELDS = (
    "model", "preset", "prompts", "negative", "width", "height", "denoise", "denoise_mode",
    "cfg_mode", "fps", "formats", "upscale", "interpolate", "interpolate_mode", "audio",
)  # fmt: skip
# Node fields the spec does not take directly (cli/spec/fields.py `_DERIVED`).
_DERIVED = ("positive_count", "negative_count", "schedules")
VALUE_TEXT_LIMIT = 160  # the most characters of a value shown in a comment


@dataclass
class ImportResult:
    """A spec (field -> value, in the order it is written), the lines of the comment block
    (`not carried: ...` and other notes), comments above single fields, and a header."""

    spec: dict[str, Any]
    notes: list[str]
    comments: dict[str, list[str]] = field(default_factory=dict)
    header: list[str] = field(default_factory=list)


def default_known_fields() -> frozenset[str]:
    """The planner's spec fields (its field table, less the derived ones) and the CLI's own."""
    return frozenset(n for n in field_names() if n not in _DERIVED) | frozenset(CLI_OWN_FIELDS)


def field_choices(name: str) -> tuple[str, ...]:
    """The accepted choices of a choice field of the planner's table (empty if it has none)."""
    for spec in field_specs():
        if spec.name == name:
            return spec.choices
    return ()


def field_range(name: str) -> tuple[float | None, float | None]:
    """The accepted range (low, high) of a number field of the planner's table."""
    for spec in field_specs():
        if spec.name == name:
            return spec.low, spec.high
    return None, None


def value_text(value: Any, limit: int = VALUE_TEXT_LIMIT) -> str:
    """A value as JSON on one line (strings quoted and escaped), cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + f"... ({len(text)} chars)"
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def comment_text(text: str) -> str:
    """`text` safe inside a TOML comment: control characters (newlines included) escaped."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def is_number(value: Any) -> bool:
    """A finite int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


class SpecBuilder:
    """Collects the spec's fields, carrying a field only when seqsampler knows its name."""

    def __init__(self, known_fields: Collection[str] | None) -> None:
        self.known = frozenset(known_fields) if known_fields is not None else default_known_fields()
        self.spec: dict[str, Any] = {}
        self.notes: list[str] = []
        self.comments: dict[str, list[str]] = {}
        self.header: list[str] = []

    def knows(self, name: str) -> bool:
        return name in self.known

    def put(self, name: str, value: Any, origin: str, *comments: str | None) -> bool:
        """Set spec field `name` (from the source's setting `origin`) if seqsampler knows it,
        with `comments` above it (None skipped); otherwise note it as not carried. Returns
        whether it was carried."""
        if name not in self.known:
            self.not_carried(origin, value, f"seqsampler has no {name} field yet")
            return False
        self.spec[name] = value
        for text in comments:
            if text:
                self.comment(name, text)
        return True

    def comment(self, name: str, text: str) -> None:
        self.comments.setdefault(name, []).append(text)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def not_carried(self, name: str, value: Any, why: str) -> None:
        self.notes.append(f"not carried: {name} = {value_text(value)} ({why})")

    def result(self) -> ImportResult:
        comments = {k: v for k, v in self.comments.items() if k in self.spec}
        return ImportResult(dict(self.spec), list(self.notes), comments, list(self.header))


def first_known(builder: SpecBuilder, candidates: tuple[str, ...]) -> str:
    """The first of `candidates` seqsampler knows, else the first (reported as missing)."""
    for name in candidates:
        if builder.knows(name):
            return name
    return candidates[0]


def settings_mapping(settings: Any, what: str) -> Mapping[str, Any]:
    """The source as a mapping, else a ValueError naming what was expected."""
    if not isinstance(settings, Mapping):
        kind = type(settings).__name__
        raise ValueError(f"{what}: got a JSON {kind}; accepted: a JSON object of settings")
    return settings
