"""KSamplerSeq2's optional inputs for temporal quality (colour coherence on latents, loops),
appended after the 28 frozen inputs so saved workflows keep loading (behaviour.md §0), and the
feedback transform the runner gives `run_sequence`. No ComfyUI import."""

from __future__ import annotations

from typing import Any

from ..coherence import CoherenceFeedback, latent_match, needs_feedback
from ..planning import FIELD_HELP, Plan
from ..planning.fields import SPECS
from .widgets import widget

# In ComfyUI only the latents are at hand: coherence matches their per-channel statistics.
COMFY_COLOR_MODES = ("none", "latent")
OPTIONAL_WIDGETS = (
    "color_coherence",
    "color_coherence_anchor",
    "color_coherence_strength",
    "loop_frames",
)


def optional_inputs() -> dict[str, Any]:
    """The `optional` section of KSamplerSeq2's INPUT_TYPES (defaults: off)."""

    def default(name: str) -> Any:
        return SPECS[name].default

    return {
        "color_coherence": (list(COMFY_COLOR_MODES), {"default": default("color_coherence"), "tooltip": FIELD_HELP["color_coherence"]}),
        "color_coherence_anchor": widget("color_coherence_anchor", default=default("color_coherence_anchor")),
        "color_coherence_strength": widget("color_coherence_strength", step=0.01),
        "loop_frames": widget("loop_frames", step=1),
    }  # fmt: skip


def latent_feedback(sequence_plan: Plan) -> CoherenceFeedback | None:
    """Colour coherence on latents (per-channel mean/std to the anchor), or None when off."""
    if not needs_feedback(sequence_plan):
        return None
    return CoherenceFeedback(sequence_plan, latent_match)
