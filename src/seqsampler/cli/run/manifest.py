"""The run folder's manifest, `manifest.jsonl`: one line per complete frame, in frame order,
`{"frame": i, "latent": SHA-256, "png": SHA-256}`, appended (and fsynced) after both of the
frame's files are in place. A resume trusts a frame only when its files still have the hashes
the manifest recorded; it renders again from the first frame that fails, saying which and why.

A killed append leaves at most a last line without its newline; it is ignored (that frame is
rendered again). Any other line that is not a manifest entry makes the manifest damaged: it is
named with the way out (`--overwrite`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from ...files import open_own
from ..spec.fields import SpecError, short_repr
from .writers import atomic_write_text

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.jsonl"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    frame: int
    latent: str
    png: str

    def line(self) -> str:
        return json.dumps({"frame": self.frame, "latent": self.latent, "png": self.png}) + "\n"


def _parse(line: str, index: int, path: Path) -> Entry:
    try:
        data = json.loads(line)
        entry = Entry(int(data["frame"]), str(data["latent"]), str(data["png"]))
    except (ValueError, KeyError, TypeError, RecursionError):
        entry = None
    if entry is None or entry.frame != index:
        raise SpecError(
            f"out: {short_repr(str(path), 240)} is damaged (line {index + 1}: "
            f"{short_repr(line.strip())} is not the entry of frame {index}); pass --overwrite "
            "to render the run folder again"
        )
    return entry


def read_manifest(path: Path) -> list[Entry]:
    """The manifest's entries (frame 0, 1, ...); [] when there is none."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError(
            f"out: {short_repr(str(path), 240)} is damaged (not UTF-8 text); pass --overwrite to "
            "render the run folder again"
        ) from None
    lines = text.split("\n")
    if lines and lines[-1] != "":
        log.info("%s: ignoring a last line cut short by an interrupted write", path)
    return [_parse(line, i, path) for i, line in enumerate(lines[:-1])]


def verified_prefix(
    entries: list[Entry], latent_path, frame_path, frame_count: int
) -> tuple[int, str | None]:
    """How many frames from 0 have files matching their entries; and why the next one fails
    (None when the manifest's frames all verify)."""
    for entry in entries[:frame_count]:
        i = entry.frame
        for kind, path, expected in (
            ("latent", latent_path(i), entry.latent),
            ("PNG", frame_path(i), entry.png),
        ):
            if not path.is_file():
                return i, f"its {kind} {path.name} is missing"
            if sha256_file(path) != expected:
                return i, f"its {kind} {path.name} does not match the manifest's SHA-256"
    return min(len(entries), frame_count), None


def truncate_manifest(path: Path, entries: list[Entry], keep: int) -> None:
    """Keep the first `keep` entries (atomically); frames from `keep` on are rendered again."""
    if keep == len(entries) and path.is_file() and path.read_bytes().endswith(b"\n"):
        return
    if keep == 0 and not path.exists():
        return
    atomic_write_text(path, "".join(e.line() for e in entries[:keep]))


def append_entry(path: Path, frame: int, latent_sha256: str, png_sha256: str) -> None:
    """Record a complete frame: one line appended with a single write, then fsynced."""
    line = Entry(frame, latent_sha256, png_sha256).line().encode()
    fd = open_own(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)  # never through a link
    try:
        size = os.fstat(fd).st_size
        try:
            written = os.write(fd, line)
            if written != len(line):  # a full disk may take part of it
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # no torn line before the next append
            raise
    finally:
        os.close(fd)
