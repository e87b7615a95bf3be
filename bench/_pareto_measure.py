"""Measures of bench/pareto.py: counted evaluations, `seqsampler metrics`' flicker and flow
residual, and prompt adherence of the settled frames by the embedded model's reader.

- Evaluations: network items, counted by a forward hook on the one loaded UNet every render
  shares (the CLI's `load_model` is pointed at it, `shared_model`): the sum of the batch sizes of
  its calls (a guided call of batch 2 is 2 evaluations), as bench/evaluations.py counts.
- Flicker: `metrics.sequence_metrics` (what `seqsampler metrics` runs) on the frame PNGs, the
  plan's camera undone: the mean motion-compensated change (`change_motion`, mean |diff|/255,
  1 - flicker_motion; the plain `change` where the plan has no motion), and `flow_residual`.
- Adherence: `training/adherence.py`'s `measure` reads colour, shape, size, position and
  background of each settled frame; the score is the fraction of the prompt's five attributes
  read right, mean over the settled frames. A segment's settled frames run from its first
  settled frame (`planning.temporal.settled_frame`, colour coherence's anchor) to its end, on
  the spec's cadence-1 plan (the same frames for every row and the peer).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "training"))

ATTRIBUTES = ("colour", "shape", "size", "position", "background")


class Evaluations:
    """Sums the batch sizes of a module's forward calls (network items)."""

    def __init__(self, module: Any):
        self.items = 0
        module.register_forward_pre_hook(self._pre)

    def _pre(self, module: Any, args: Any) -> None:
        self.items += int(args[0].shape[0])

    def take(self) -> int:
        """The items counted since the last take."""
        items, self.items = self.items, 0
        return items


@contextmanager
def shared_model(model: Any) -> Iterator[None]:
    """Every `load_model` call of the CLI's render returns `model` (loaded once)."""
    from seqsampler.models import loader

    original = loader.load_model
    loader.load_model = lambda *args, **kwargs: model  # type: ignore[assignment]
    try:
        yield
    finally:
        loader.load_model = original  # type: ignore[assignment]


def load_frames(folder: Path) -> list[np.ndarray]:
    """The uint8 [H, W, 3] frames of `folder`/frames/00000.png ..."""
    from PIL import Image

    paths = sorted((Path(folder) / "frames").glob("[0-9][0-9][0-9][0-9][0-9].png"))
    return [np.asarray(Image.open(p).convert("RGB")) for p in paths]


def flicker(frames: list[np.ndarray], the_plan: Any, matrices: list[Any]) -> dict[str, float]:
    """{"flicker": mean motion-compensated change, "flow_residual": its mean} (/255)."""
    from seqsampler.metrics.measures import segment_starts_of, sequence_metrics

    starts = segment_starts_of([f.positive for f in the_plan.frames])
    summary = sequence_metrics(frames, starts, matrices=matrices)["summary"]
    moved = summary.get("change_motion", summary["change"])
    return {"flicker": moved["mean"], "flow_residual": summary["flow_residual"]["mean"]}


def settled_frames(the_plan: Any) -> list[int]:
    """Every frame from its segment's first settled frame to the segment's end."""
    from seqsampler.planning.temporal import segment_starts, settled_frame

    frames = list(the_plan.frames)
    starts = segment_starts(frames)
    out: list[int] = []
    for start, end in zip(starts, [*starts[1:], len(frames)], strict=True):
        out += range(settled_frame(frames, start, end), end)
    return out


def wanted(prompt: str) -> dict[str, str | None]:
    """The five attributes a single-shape demo prompt names (None where it names none)."""
    from shapes import COLOURS, POSITION_PHRASES, SHAPES, SIZES

    words = prompt.replace(",", " ").split()
    before = words[words.index("background") - 1] if "background" in words else None
    return {
        "colour": next((w for w in words if w in COLOURS and w != before), None),
        "shape": next((w for w in words if w in SHAPES), None),
        "size": next((w for w in words if w in SIZES), None),
        "position": next((k for k, p in POSITION_PHRASES.items() if p in prompt), None),
        "background": before,
    }


def adherence(frames: list[np.ndarray], the_plan: Any, prompts: tuple[str, ...]) -> float:
    """Fraction of the named attributes read right, mean over the settled frames."""
    from adherence import measure

    scores = []
    for i in settled_frames(the_plan):
        want = {k: v for k, v in wanted(prompts[the_plan.frames[i].positive]).items() if v}
        read = measure(frames[i])
        scores.append(sum(getattr(read, k) == v for k, v in want.items()) / len(want))
    return float(np.mean(scores))
