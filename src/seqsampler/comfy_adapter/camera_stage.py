"""SeqSamplerScheduled's camera motion at run time (docs/comfyui.md "Camera motion"): the
chain's warp and anti-blur (`camera.MotionFeedback`) on the latent grid, or on pixels through
the VAE input, the noise that moves with the camera (`camera_noise.NoiseWarp`), and with cadence
the frames made between (`cadence_chain.CadenceFrames`, moved by the same camera). No ComfyUI
import: the VAE is used through its `decode` / `encode` (`video_guide.vae_codec`).

The knobs' pixels are at the render size: the latent's size times the VAE's factor when a VAE is
connected, else times 8 (SD's); on the latent grid the matrix is scaled to it
(`motion.transform.scale_to_grid`), so a pan of 16 pixels moves an SD latent by 2 cells.

With a guide video the noise of `noise_warp` also moves along the guide's motion, as the CLI's
does (`video_noise.VideoMover`), with the torch-only flow (video/torch_flow.py: ComfyUI has no
OpenCV) measured on the guide's pixels; a LATENT guide in `independent` without the vae input
has no pixels, so there the noise moves with the camera only (a log line says so).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from torch import Tensor

from ..cadence_chain import CadenceFrames, has_between
from ..camera import MotionFeedback, needs_motion
from ..camera_noise import NoiseWarp
from ..planning import Plan
from ..video_chain import InputFrames, needs_video
from ..video_noise import VideoMover
from .scheduled_motion import LATENT_FACTOR
from .video_guide import vae_codec, vae_factor

log = logging.getLogger(__name__)


def render_size(samples: Tensor, vae: Any) -> tuple[int, int]:
    """(W, H) in pixels of a latent [B, C, ..., h, w]: times the VAE's factor, or 8."""
    factor = LATENT_FACTOR if vae is None else vae_factor(vae)
    return int(samples.shape[-1]) * factor, int(samples.shape[-2]) * factor


def _no_vae(x: Tensor) -> Tensor:
    raise AssertionError("camera_stage: a pixel-space warp without a VAE was refused before")


def camera_stage(
    plan: Plan,
    samples: Tensor,
    vae: Any,
    batch_index: Sequence[int] | None = None,
    guide: InputFrames | None = None,
) -> tuple[MotionFeedback | None, NoiseWarp | None]:
    """(the warp and anti-blur, the moving noise) of `plan` for the latent_image `samples`;
    each None when off (no frame moves or sharpens; noise_warp off). `guide`: the guide
    video's pixel frames (`video_guide.guide_pixels`), which the noise then follows too. Every
    knob is checked against the render size here, before any model work."""
    size = render_size(samples, vae)
    motion = None
    if needs_motion(plan):
        if plan.config.motion_space == "pixel" and vae is None:
            raise ValueError(
                "motion_space: pixel needs the vae input (decode -> warp -> encode); accepted: "
                "connect a VAE, or motion_space auto / latent"
            )
        codec = (_no_vae, _no_vae) if vae is None else vae_codec(vae)
        motion = MotionFeedback(plan, size, codec, latent_range=None)
    if not plan.config.noise_warp:
        return motion, None
    if needs_video(plan) and guide is not None:
        return motion, NoiseWarp(plan, size, batch_index, VideoMover(plan, guide, size, flow="torch"))  # fmt: skip
    if needs_video(plan):
        log.warning(
            "noise_warp with a guide video: the noise moves with the camera only, not along "
            "the guide's motion (a LATENT guide in independent without the vae input has no "
            "pixels to measure it on; connect a VAE)"
        )
    return motion, NoiseWarp(plan, size, batch_index)


def cadence_frames(plan: Plan, samples: Tensor, vae: Any) -> CadenceFrames | None:
    """How the frames between diffused ones are made (None without cadence): the library's
    in-betweens, on the latents, or on pixels through the VAE where motion_space is pixel
    (auto with a VAE connected)."""
    if not has_between(plan):
        return None
    codec = None if vae is None else vae_codec(vae)
    return CadenceFrames(plan, render_size(samples, vae), codec, flow=False)
