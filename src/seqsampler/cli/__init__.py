"""The standalone front door: the `seqsampler` command and its back end.

- `app`: the commands (`render`, `plan`, `demo`, `metrics`, `view`); `main` and
  `demo_spec_text` are loaded from it on first use, so `python -m seqsampler.cli` sets its
  Ctrl-C handler before anything heavy is imported. `parser`: its argument parser (the
  subcommands and their flags). `output`: its stderr.
- The groups below it, each importing only the ones before it (tests/test_boundaries.py):
  `spec` (the spec file, fields, presets, prompts, resolution, checks) <- `run` (one render
  into a run folder) <- `sweep` (many renders), `view` (a run folder as a page and a chart).

docs/cli.md is the user's guide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["demo_spec_text", "main"]

if TYPE_CHECKING:
    from .app import demo_spec_text, main


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
