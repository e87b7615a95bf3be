"""One writer per run folder: an OS lock (`fcntl.flock`) on `.seqsampler.lock` in the folder.

The lock belongs to the open file, so the OS releases it however the process ends (return,
exception, Ctrl-C, SIGKILL). The holder writes its pid into the file so that a second writer's
error can name it. Where `fcntl` is missing (Windows) no lock is taken.

The lock file is opened without following a symbolic link and only when it is a plain file of
its own (`files.open_own`): a `.seqsampler.lock` that links to another file is refused before
anything is written to it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ...files import open_own
from ..spec.fields import SpecError, short_repr

log = logging.getLogger(__name__)

LOCK_NAME = ".seqsampler.lock"


class RunFolderBusy(SpecError):
    """Another process holds the run folder's lock."""


@contextmanager
def folder_lock(root: Path) -> Iterator[None]:
    """Hold the run folder's lock for the `with` block; RunFolderBusy if another process has it."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = root / LOCK_NAME
    fd = open_own(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            who = f"pid {holder}" if holder else "another process"
            raise RunFolderBusy(
                f"out: the run folder {short_repr(str(root), 240)} is being written by another "
                f"seqsampler ({who}); wait for it to finish or render into another folder (--out)"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text.isascii() and text.isdigit() else None
    except OSError:
        return None
