"""What the command writes to stderr while it runs, set up for one command and put back after.

`seqsampler`'s log records go to stderr as bare messages: INFO by default (the plan as a
compact table, then the progress bars), DEBUG with `-v` (every frame's plan line too), WARNING
with `-q`, which also hides every progress bar, the model libraries' weight-loading bars
included for the commands that load a model (`transformers` / `diffusers`
`disable_progress_bar()`, their logging at ERROR; not imported for the others). The
render logs the plan itself, before the bars, so the library's own per-frame plan record
(`seqsampler.sequence`, INFO) is held back. Other libraries' records are left to them.

Text from a prompt, a spec or a file name may hold control characters and terminal escape
sequences (ESC [ 31 m, a carriage return, OSC title sequences, bidi overrides): `printable`
shows them as Python escapes (`\x1b`, `\r`, `\u202e`), never raw. The command's error line
(`app.main`), argparse's errors, the paths it prints and every seqsampler log record pass
through it; a log record keeps the newlines and tabs of our own tables.
"""

from __future__ import annotations

import importlib
import logging
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MODEL_LIBRARIES = ("transformers", "diffusers")
# Format characters that reorder or hide text on a terminal (bidi embeddings, overrides,
# isolates, the marks); other format characters (zero-width joiners in emoji) are kept.
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(ch: str) -> str:
    if ch in "\n\r\t":
        return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, keep: str = "") -> str:
    """`text` with every control character (C0, DEL, C1: ESC and CSI included), line and
    paragraph separator and bidi control written as an escape (`\x1b`, `\r`, `\u202e`);
    the characters in `keep` (e.g. "\n\t") are left as they are."""
    if text.isprintable() and text.isascii():
        return text
    out = []
    for ch in text:
        unsafe = ch in BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp")
        out.append(_escape(ch) if unsafe and ch not in keep else ch)
    return "".join(out)


class PrintableFormatter(logging.Formatter):
    """A record's message with its control characters escaped (`printable`), newlines and tabs
    kept (our plan tables span lines)."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), keep="\n\t")


def _library_logging(name: str) -> Any:
    try:
        return importlib.import_module(f"{name}.utils.logging")
    except ImportError:  # the model libraries are optional for plan, metrics and view
        return None


@contextmanager
def command_output(*, verbose: bool, quiet: bool, models: bool = True) -> Iterator[None]:
    """Logging and progress bars as above for the duration of one command; `models`: the
    command loads a model (importing the model libraries to quiet them takes seconds)."""
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    package, sequence = logging.getLogger("seqsampler"), logging.getLogger("seqsampler.sequence")
    saved = (package.level, sequence.level)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("%(message)s"))
    package.addHandler(handler)
    package.setLevel(level)
    sequence.setLevel(logging.WARNING)
    libraries: list[tuple[Any, bool, int]] = []
    if quiet and models:
        for name in MODEL_LIBRARIES:
            module = _library_logging(name)
            if module is not None:
                libraries.append((module, module.is_progress_bar_enabled(), module.get_verbosity()))
                module.disable_progress_bar()
                module.set_verbosity_error()
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(saved[0])
        sequence.setLevel(saved[1])
        for module, bars, verbosity in libraries:
            if bars:
                module.enable_progress_bar()
            module.set_verbosity(verbosity)
