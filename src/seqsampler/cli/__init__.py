"""The standalone front door: the `seqsampler` command and its back end.

- `app`: the argument parser and the commands (`render`, `plan`, `demo`, `metrics`); `main` and
  `demo_spec_text` are loaded from it on first use, so `python -m seqsampler.cli` sets its
  Ctrl-C handler before anything heavy is imported.
- `spec_file`: the TOML / YAML spec file and the field flags, as written (names checked).
- `fields`: the field registry (the CLI's own fields and the node's) and the CLI fields' checks.
- `prompts`: prompts and negatives (string, list or keyframe table) -> the planner's lists.
- `schedule`: Deforum / FizzNodes value schedules, parsed and evaluated per frame.
- `spec`: spec dict -> `ResolvedSpec` (fields, prompt lists, `SequenceConfig`); spec diffs.
- `run_folder`: the run folder's paths, its check against the spec, the model fingerprint.
- `run_lock`: one writer per run folder (an OS lock naming its holder's pid).
- `manifest`: per frame the latent's and PNG's SHA-256; what a resume verifies.
- `numerics`: device, dtype, torch version and thread count of a run; a resume must match them.
- `checks`: engine / prompt-vocabulary / image-size checks before any model is loaded.
- `render`: `render(spec, out)` into a resumable run folder; the videos and contact sheet.
- `writers`: atomic PNG (with metadata) / latent / video / contact-sheet writers.
- `chart`: the plan as a table and as a PNG chart.

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
