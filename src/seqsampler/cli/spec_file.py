"""The spec as the user wrote it: a TOML or YAML file, and the command line's field flags.

`load_spec_file(path) -> dict`, `parse_flag_value(text)` (one flag's value),
`check_names(data)` (every name is a spec field), `apply_overrides(data, {field: value})`.
Nothing here validates values: `spec.resolve_spec` does.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomllib

from .fields import SpecError, all_fields


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """Read a `.toml` or `.yaml` / `.yml` spec into a dict."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec: no file at {str(path)!r}; accepted: a .toml or .yaml file")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            raise SpecError(
                f"spec: {str(path)!r} has suffix {suffix!r}; accepted: .toml, .yaml, .yml"
            )
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec: {str(path)!r} is not valid TOML: {exc}") from None
    except Exception as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(f"spec: {str(path)!r} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"spec: {str(path)!r} must hold a table of fields; got {data!r}")
    return data


def parse_flag_value(text: str) -> Any:
    """A command-line value: a TOML value (number, true/false, "string", [list], {table}),
    JSON, or else the text itself (so `0:(0.5), 8:(0.9)` and bare prompts work)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        pass
    stripped = text.strip()
    if stripped.startswith('"') and ":" in stripped:  # a Fizz-style body without braces
        try:
            return json.loads("{" + stripped.rstrip(",") + "}")
        except ValueError:
            pass
    return text


def check_names(data: Mapping[str, Any], where: str = "spec") -> None:
    """Every name in `data` is a spec field (else the closest one is suggested)."""
    known = all_fields()
    for name in data:
        if name not in known:
            close = difflib.get_close_matches(str(name), list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"{where}: unknown field {name!r}{hint}; accepted: {', '.join(known)}")


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with command-line values (already parsed) replacing its fields."""
    check_names(overrides, "command line")
    return {**data, **overrides}
