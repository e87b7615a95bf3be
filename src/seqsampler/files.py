"""Atomic file writes: a reader (or a resume after a kill) sees the old file or the new one,
never half of one. Used by the CLI's run folder and by `seqsampler.metrics`.

A run folder is untrusted input (it gets zipped, copied, shared): a temporary file is created
with O_EXCL and O_NOFOLLOW (`tempfile.mkstemp`), `os.replace` replaces a link at the final name
rather than writing through it, `open_own` opens a file written in place without following a
link, and `refuse_outside_links` refuses a folder holding links that lead outside it."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


def _file_mode() -> int:
    """The mode a plainly created file gets (0o666 less the umask); mkstemp's is 0o600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (temp file in the same folder, fsync, os.replace)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """`text` as UTF-8, atomically (see `atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


# --- a folder that is not ours to trust (run folders get zipped, copied, shared) -------------

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # absent on Windows, which has no such links by default
LINK_DEPTH = 3  # levels scanned under a folder: run folder / frames / file (sweep / job / frames)


class NotOwnFile(ValueError):
    """A file seqsampler would write is a symbolic link, a hard link or not a plain file."""


def links_outside(root: Path, depth: int = LINK_DEPTH) -> list[tuple[Path, str]]:
    """Symbolic links at most `depth` levels under `root` (none followed) whose target lies
    outside `root`, as (link, its target as written), sorted."""
    base = os.path.realpath(root)
    found: list[tuple[Path, str]] = []
    stack = [(str(root), 1)]
    while stack:
        folder, level = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = list(entries)
        except OSError:
            continue
        for entry in listed:
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                if os.path.commonpath([base, target]) != base:
                    found.append((Path(entry.path), os.readlink(entry.path)))
            elif level < depth and entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, level + 1))
    return sorted(found)


def refuse_outside_links(root: Path, name: str, way_out: str, depth: int = LINK_DEPTH) -> None:
    """ValueError `name: ...` when `root` holds a symbolic link leading outside it (one line,
    the first link and its target, `way_out` last); nothing is read or written before."""
    links = links_outside(root, depth)
    if not links:
        return
    link, target = links[0]
    more = f" and {len(links) - 1} more" if len(links) > 1 else ""
    raise ValueError(
        f"{name}: {str(root)!r} holds a symbolic link that leads outside it ({str(link)!r} -> "
        f"{target!r}{more}); seqsampler reads and writes a run folder's files only inside it; "
        f"{way_out}"
    )


def open_own(path: Path, flags: int, mode: int = 0o644) -> int:
    """`os.open(path, flags)` for a file seqsampler writes in place (a lock, an appended
    manifest): never through a symbolic link (O_NOFOLLOW), and only a plain file with no other
    name (an existing one is checked with lstat first, and again after opening); NotOwnFile
    otherwise."""
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        before = None
    if before is not None and not (stat.S_ISREG(before.st_mode) and before.st_nlink == 1):
        raise NotOwnFile(_not_own(path, before))
    try:
        fd = os.open(path, flags | NOFOLLOW | getattr(os, "O_NONBLOCK", 0), mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link put there after the lstat
            raise NotOwnFile(_not_own(path, os.lstat(path))) from None
        raise
    after = os.fstat(fd)
    same = before is None or (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
    if not (same and stat.S_ISREG(after.st_mode) and after.st_nlink == 1):
        os.close(fd)
        raise NotOwnFile(_not_own(path, after))
    return fd


def _not_own(path: Path, info: os.stat_result) -> str:
    if stat.S_ISLNK(info.st_mode):
        what = "a symbolic link"
    elif not stat.S_ISREG(info.st_mode):
        what = "not a plain file"
    else:
        what = f"a file with {info.st_nlink} names (a hard link)"
    return (
        f"{str(path)!r} is {what}; seqsampler writes a run folder's files in place only when "
        "they are plain files of their own, never through links; remove it and run the same "
        "command again"
    )
