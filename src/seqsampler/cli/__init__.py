"""The standalone front door: the `seqsampler` command and its back end.

- `main`: the argument parser and the commands (`render`, `plan`, `demo`, `metrics`).
- `spec`: TOML / YAML spec -> `ResolvedSpec` (fields, prompt lists, `SequenceConfig`).
- `schedule`: Deforum / FizzNodes value schedules, parsed and evaluated per frame.
- `run`: `render(spec, out)` into a resumable run folder.
- `writers`: atomic PNG (with metadata) / latent / video / contact-sheet writers.
- `chart`: the plan as a table and as a PNG chart.

docs/cli.md is the user's guide.
"""

from .main import demo_spec_text, main

__all__ = ["demo_spec_text", "main"]
