"""`seqsampler import deforum|parseq FILE [-o SPEC.toml] [--overwrite]`: the command's back end.

`add_import_arguments(parser)` adds the arguments to a subcommand's parser; `cmd_import(args,
known_fields)` runs it (returns the exit status); `main_import(argv)` is the same as a command
of its own (one-line errors, exit status 2 for bad input, 1 for a file that cannot be written).
The spec goes to `-o` (refused if it exists, unless `--overwrite`) or to stdout; a summary of
what was carried is logged.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

from .deforum import deforum_to_spec
from .parseq import parseq_to_spec
from .result import ImportResult
from .toml_out import to_toml

log = logging.getLogger("seqsampler.cli")

IMPORTERS: dict[str, Callable[..., ImportResult]] = {
    "deforum": deforum_to_spec,
    "parseq": parseq_to_spec,
}
ACCEPTED = {
    "deforum": "a Deforum settings file (JSON, e.g. 20230512220015_settings.txt)",
    "parseq": "Parseq's rendered output (JSON with rendered_frames)",
}
MAX_SOURCE_BYTES = 64 << 20  # a Parseq export of 1024 frames and many fields is a few MB


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"the number {name} (not JSON)")


def read_source(kind: str, path: str | Path) -> Any:
    """The JSON of a settings or export file (at most MAX_SOURCE_BYTES, UTF-8, a BOM allowed)."""
    path = Path(path)
    where = f"{kind}: {str(path)!r}"
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise ValueError(f"{where}: cannot read it ({exc.strerror or exc}); accepted: "
                         f"{ACCEPTED[kind]}") from None  # fmt: skip
    if len(raw) > MAX_SOURCE_BYTES:
        raise ValueError(f"{where} is larger than {MAX_SOURCE_BYTES >> 20} MiB")
    try:
        return json.loads(raw.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        text = " ".join(str(exc).split())[:200]
        raise ValueError(f"{where} is not JSON ({text}); accepted: {ACCEPTED[kind]}") from None


def import_file(
    kind: str, path: str | Path, known_fields: Collection[str] | None = None
) -> ImportResult:
    """Read and import one file; ValueError (one line) for a file that is not a source."""
    if kind not in IMPORTERS:
        raise ValueError(f"import: got {kind!r}; accepted: {', '.join(IMPORTERS)}")
    return IMPORTERS[kind](read_source(kind, path), known_fields)


def write_text(path: Path, text: str, overwrite: bool) -> None:
    """Write `text` to `path` atomically (a temporary file renamed); refuse an existing file
    unless `overwrite`."""
    if path.is_dir():
        raise ValueError(f"out: {str(path)!r} is a folder; accepted: a .toml file path")
    if path.exists() and not overwrite:
        raise ValueError(f"out: {str(path)!r} exists; pass --overwrite to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of `seqsampler import`."""
    parser.add_argument("kind", choices=tuple(IMPORTERS), help="what the file is")
    parser.add_argument("file", help="a Deforum settings file or Parseq's rendered JSON")
    parser.add_argument("--out", "-o", help="the spec file to write [default: stdout]")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out")


def cmd_import(args: argparse.Namespace, known_fields: Collection[str] | None = None) -> int:
    """Run `seqsampler import` with parsed `args`; `known_fields`: the spec fields the CLI takes."""
    result = import_file(args.kind, args.file, known_fields)
    text = to_toml(result, source=f"{Path(args.file).name} ({args.kind})")
    skipped = sum(note.startswith("not carried:") for note in result.notes)
    if args.out:
        write_text(Path(args.out), text, args.overwrite)
        log.info("wrote %s", args.out)
    else:
        sys.stdout.write(text)
    log.info(
        "%d fields carried, %d settings not carried (each is a comment in the spec)",
        len(result.spec),
        skipped,
    )
    return 0


def main_import(
    argv: Sequence[str] | None = None, known_fields: Collection[str] | None = None
) -> int:
    """`seqsampler import` as a command of its own: 0, 2 for bad input, 1 for a write failure."""
    parser = argparse.ArgumentParser(prog="seqsampler import", description=__doc__.splitlines()[0])
    add_import_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return cmd_import(args, known_fields)
    except ValueError as exc:
        sys.stderr.write(f"seqsampler: error: {' '.join(str(exc).split())}\n")
        return 2
    except OSError as exc:
        sys.stderr.write(f"seqsampler: error: cannot write {exc.filename}: {exc.strerror}\n")
        return 1
