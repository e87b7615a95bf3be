"""Shared by the importer tests: the published files, the CLI's field registry, a TOML round
trip, and `seqsampler plan` run on an imported spec."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from seqsampler.importing import ImportResult, to_toml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # noqa: F401

DATA = Path(__file__).parent / "data"


def published(name: str) -> Any:
    """A published settings / export file of tests/importing/data, parsed."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def cli_fields() -> frozenset[str]:
    """Every spec field the CLI takes (what the `seqsampler import` command passes)."""
    from seqsampler.cli.spec.fields import all_fields

    return frozenset(all_fields())


def round_trip(result: ImportResult) -> tuple[str, dict[str, Any]]:
    """The spec's TOML text and what tomllib reads back from it."""
    text = to_toml(result, source="test")
    return text, tomllib.loads(text)


def plan_of(tmp_path: Path, text: str, capsys: Any, *flags: str) -> dict[str, Any]:
    """`seqsampler plan SPEC --format json` on the spec text; its plan as a dict."""
    from seqsampler.cli import main

    spec = tmp_path / "imported.toml"
    spec.write_text(text, encoding="utf-8")
    capsys.readouterr()
    status = main(["plan", str(spec), "--format", "json", *flags])
    out = capsys.readouterr()
    assert status == 0, out.err
    return json.loads(out.out)


def notes_of(text: str) -> list[str]:
    """The `not carried: NAME = ...` names in a spec's comments."""
    prefix = "# not carried: "
    return [
        line[len(prefix) :].split(" = ")[0] for line in text.splitlines() if line.startswith(prefix)
    ]
