"""The CLI's side of colour coherence and loops: the pixel-space feedback transform and the
resume state (frame 0's latent) read from the run folder. The plan decides which frames are
matched and pulled (docs/quality.md); `run_sequence` applies them."""

from __future__ import annotations

from typing import Any

from ...coherence import (
    CoherenceFeedback,
    mode_match,
    needs_feedback,
    pixel_match,
    pixel_space_codec,
)
from ...planning import Plan
from ...sequence import Feedback, Resume
from .folder import RunFolder
from .writers import load_latent


def coherence_feedback(the_plan: Plan, model: Any, folder: RunFolder) -> Feedback | None:
    """The colour-coherence feedback of `the_plan` in pixel space (None when no frame is
    matched): decode, match, encode for a VAE model; the latent itself for a pixel-space model
    (the embedded one), whose latent is the image in [-1, 1]; mode `latent` matches the
    latent's per-channel statistics instead. Anchors made before a resume are
    read from the run folder's latents."""
    if not needs_feedback(the_plan):
        return None
    if getattr(model, "vae", None) is None:
        to_pixels, from_pixels = pixel_space_codec()
    else:
        to_pixels, from_pixels = model.decode, model.encode
    return CoherenceFeedback(
        the_plan,
        mode_match(pixel_match(to_pixels, from_pixels)),
        load_anchor=lambda index: load_latent(folder.latent_path(index)),
    )


def resume_state(the_plan: Plan, folder: RunFolder, done: int) -> Resume | None:
    """The `Resume` after `done` complete frames: the last one's latent, and frame 0's when a
    loop frame is still to be made."""
    if not done:
        return None
    first = None
    if any(f.loop is not None for f in the_plan.frames[done:]):
        first = load_latent(folder.latent_path(0))
    return Resume(done, load_latent(folder.latent_path(done - 1)), first)
