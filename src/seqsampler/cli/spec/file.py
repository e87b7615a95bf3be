"""The spec as the user wrote it: a TOML or YAML file, and the command line's field flags.

`load_spec_file(path) -> dict`, `parse_flag_value(text)` (one flag's value),
`check_names(data)` (every name is a spec field), `apply_overrides(data, {field: value})`,
`flag_overrides(args)` (the field flags the command line gave, as {field: value}).
Nothing here validates values: `resolve.resolve_spec` does.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: tomllib's origin, the tomli package
    import tomli as tomllib

from .fields import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_SPEC_BYTES,
    SpecError,
    all_fields,
    short_repr,
    short_text,
)

# The argparse `dest` of a field's flag: FLAG_PREFIX + the field's name (`app` adds the flags).
FLAG_PREFIX = "field__"


def check_structure(data: Any, where: str) -> None:
    """Nesting depth <= MAX_DEPTH and values <= MAX_NODES (an iterative walk, so a deep value
    cannot exhaust the stack); else a SpecError naming `where`."""
    stack = [(data, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise SpecError(
                f"{where}: more than {MAX_NODES} values in all; accepted: at most {MAX_NODES}"
            )
        if depth > MAX_DEPTH:
            raise SpecError(
                f"{where}: lists and tables nested more than {MAX_DEPTH} deep; accepted: at most "
                f"{MAX_DEPTH}"
            )
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
            nodes += len(value)  # the keys
        elif isinstance(value, (list, tuple)):
            stack.extend((v, depth + 1) for v in value)


def _unique_keys_loader(base: Any, name: str) -> Any:
    """`base` (a PyYAML SafeLoader) refusing a key repeated in one mapping, as TOML does (YAML
    would keep the last value silently); merge keys (`<<`) and unhashable keys are left to it."""

    class UniqueKeys(base):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            lines: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                line = key_node.start_mark.line + 1
                try:
                    repeated = key in lines
                except TypeError:  # unhashable: the base constructor reports it
                    continue
                if repeated:
                    raise SpecError(
                        f"spec: {name} repeats the key {short_repr(key, 80)} on line {line} "
                        f"(first on line {lines[key]}); accepted: each key once in a table, as "
                        "in TOML"
                    )
                lines[key] = line
            return super().construct_mapping(node, deep=deep)

    return UniqueKeys


def _yaml_load(text: str, name: str) -> Any:
    """YAML, checked event by event before anything is built: no aliases (so no "billion
    laughs"), nesting at most MAX_DEPTH, at most MAX_NODES nodes; then a safe load (libyaml's
    when installed) that refuses a repeated key."""
    import yaml

    loader = _unique_keys_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader), name)
    depth = nodes = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise SpecError(
                f"spec: {name} uses the YAML alias *{short_text(str(event.anchor), 40)} "
                f"(line {event.start_mark.line + 1}); accepted: YAML without aliases (*name)"
            )
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            nodes += 1
            if nodes > MAX_NODES:
                raise SpecError(
                    f"spec: {name} holds more than {MAX_NODES} values; accepted: at most "
                    f"{MAX_NODES}"
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise SpecError(
                    f"spec: {name} nests lists and tables more than {MAX_DEPTH} deep; "
                    f"accepted: at most {MAX_DEPTH}"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.load(text, Loader=loader)  # noqa: S506 (a SafeLoader)


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """Read a `.toml` or `.yaml` / `.yml` spec into a dict (at most MAX_SPEC_BYTES, UTF-8)."""
    path = Path(path)
    name = repr(str(path))  # a path is bounded by the OS (PATH_MAX); show it whole
    if not path.is_file():
        raise SpecError(f"spec: no file at {name}; accepted: a .toml or .yaml file")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".yaml", ".yml"):
        raise SpecError(
            f"spec: {name} has suffix {short_repr(suffix)}; accepted: .toml, .yaml, .yml"
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"spec: cannot read {name} ({short_text(str(exc), 200)})") from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(
            f"spec: {name} is larger than {MAX_SPEC_BYTES} bytes; accepted: a spec of at most "
            f"{MAX_SPEC_BYTES // 1024} KiB"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"spec: {name} is not UTF-8 text (byte {exc.start}); accepted: a UTF-8 .toml or "
            ".yaml file"
        ) from None
    kind = "TOML" if suffix == ".toml" else "YAML"
    if kind == "TOML":
        text = text.removeprefix("\ufeff")  # a UTF-8 BOM, as YAML and editors accept it
    try:
        data = tomllib.loads(text) if kind == "TOML" else (_yaml_load(text, name) or {})
    except SpecError:
        raise
    except (RecursionError, MemoryError):
        raise SpecError(
            f"spec: {name} nests too deep to parse; accepted: lists and tables at most "
            f"{MAX_DEPTH} deep"
        ) from None
    except Exception as exc:  # tomllib.TOMLDecodeError, yaml.YAMLError, int-size limits
        raise SpecError(f"spec: {name} is not valid {kind}: {short_text(str(exc), 200)}") from None
    if not isinstance(data, dict):
        raise SpecError(f"spec: {name} must hold a table of fields; got {short_repr(data)}")
    check_structure(data, f"spec: {name}")
    return data


def parse_flag_value(text: str) -> Any:
    """A command-line value: a TOML value (number, true/false, "string", [list], {table}),
    JSON, or else the text itself (so `0:(0.5), 8:(0.9)` and bare prompts work)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (ValueError, RecursionError, MemoryError):  # TOMLDecodeError is a ValueError
        pass
    try:
        return json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        pass
    stripped = text.strip()
    if stripped.startswith('"') and ":" in stripped:  # a Fizz-style body without braces
        try:
            return json.loads("{" + stripped.rstrip(",") + "}")
        except (ValueError, RecursionError, MemoryError):
            pass
    return text


def check_names(data: Mapping[str, Any], where: str = "spec") -> None:
    """Every name in `data` is a spec field (else the closest one is suggested)."""
    known = all_fields()
    for name in data:
        if name not in known:
            close = difflib.get_close_matches(str(name)[:100], list(known), n=1)
            hint = f" (did you mean {short_repr(close[0])}?)" if close else ""
            raise SpecError(
                f"{where}: unknown field {short_repr(name)}{hint}; accepted: {', '.join(known)}"
            )


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with command-line values (already parsed) replacing its fields."""
    check_names(overrides, "command line")
    check_structure(overrides, "command line")
    return {**data, **overrides}


def flag_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The field flags given on the command line, {field: value} (`parse_flag_value`)."""
    return {
        key[len(FLAG_PREFIX) :]: parse_flag_value(value)
        for key, value in vars(args).items()
        if key.startswith(FLAG_PREFIX)
    }
