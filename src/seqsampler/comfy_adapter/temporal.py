"""KSamplerSeq2's optional inputs for temporal quality (colour coherence on latents, loops),
appended after the 28 frozen inputs so saved workflows keep loading (behaviour.md §0), and the
feedback transform the runner gives `run_sequence`. No ComfyUI import."""

from __future__ import annotations

from typing import Any

from ..coherence import CoherenceFeedback, latent_match, needs_feedback
from ..planning import COLOR_ANCHORS, FIELD_HELP, MAX_LOOP_FRAMES, Plan
from ..sequence import Feedback

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

    def tip(name: str, **options: Any) -> dict[str, Any]:
        return {**options, "tooltip": FIELD_HELP[name]}

    return {
        "color_coherence": (list(COMFY_COLOR_MODES), tip("color_coherence", default="none")),
        "color_coherence_anchor": (list(COLOR_ANCHORS), tip("color_coherence_anchor", default="first")),
        "color_coherence_strength": ("FLOAT", tip("color_coherence_strength", default=1.0, min=0.0, max=1.0, step=0.01)),
        "loop_frames": ("INT", tip("loop_frames", default=0, min=0, max=MAX_LOOP_FRAMES, step=1)),
    }  # fmt: skip


def latent_feedback(sequence_plan: Plan) -> Feedback | None:
    """Colour coherence on latents (per-channel mean/std to the anchor), or None when off."""
    if not needs_feedback(sequence_plan):
        return None
    return CoherenceFeedback(sequence_plan, latent_match)
