"""What the command writes to stderr while it runs, set up for one command and put back after.

`seqsampler`'s log records go to stderr as bare messages: INFO by default (the plan as a
compact table, then the progress bars), DEBUG with `-v` (every frame's plan line too), WARNING
with `-q`, which also hides every progress bar, the model libraries' weight-loading bars
included for the commands that load a model (`transformers` / `diffusers`
`disable_progress_bar()`, their logging at ERROR; not imported for the others). The
render logs the plan itself, before the bars, so the library's own per-frame plan record
(`seqsampler.sequence`, INFO) is held back. Other libraries' records are left to them.
"""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MODEL_LIBRARIES = ("transformers", "diffusers")


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
    handler.setFormatter(logging.Formatter("%(message)s"))
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
