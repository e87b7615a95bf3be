"""Run a planned sequence inside ComfyUI: frame sampler, progress, devices.

`run_sequence` logs the plan once (behaviour.md §10).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import comfy.model_management
import comfy.sample
from torch import Tensor

from ..cadence_chain import MakeBetween
from ..camera import MotionFeedback, VideoStage, chain_feedback
from ..conditioning import Conditioning
from ..planning import Plan
from ..sequence import NoiseHook, run_sequence
from .frame_sampler import ComfyFrameSampler, RunProgress, with_interrupt_check
from .temporal import latent_feedback


def run_node(
    model: Any,
    sequence_plan: Plan,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    latent: Mapping[str, Any],
    samples: Tensor,
    video: tuple[VideoStage, Tensor] | None = None,
    motion: MotionFeedback | None = None,
    noise: NoiseHook | None = None,
    cfg_mode: str = "full",
    inbetween: MakeBetween | None = None,
) -> Tensor:
    """All frames [N*B, ...] of `sequence_plan`, on ComfyUI's intermediate device. `video`:
    a guide video's chain stage and frame 0's input (`video_guide.guide_stage`); `motion`,
    `noise`: the camera's warp and the moving noise (`camera_stage.camera_stage`); `cfg_mode`:
    guidance per sampling pass (`guidance.py`); `inbetween`: with cadence, how the frames
    between diffused ones are made (`camera_stage.cadence_frames`)."""
    device = comfy.model_management.intermediate_device()
    if video is not None:
        samples = video[1]
    init = comfy.sample.fix_empty_latent_channels(model, samples).to(device)
    noise_mask = latent.get("noise_mask")
    total = sum(
        f.sample_steps + f.unsample_steps for f in sequence_plan.frames if f.between is None
    )
    config = sequence_plan.config
    frame_sampler = ComfyFrameSampler(
        with_interrupt_check(model),
        config.sampler_name,
        config.scheduler,
        batch_index=latent.get("batch_index"),
        progress=RunProgress(model, total),
        cfg_mode=cfg_mode,
    )
    frames = run_sequence(
        sequence_plan,
        frame_sampler,
        positive,
        negative,
        init,
        noise_mask=noise_mask,
        feedback=chain_feedback(
            motion, latent_feedback(sequence_plan), None if video is None else video[0]
        ),
        noise=noise,
        inbetween=inbetween,
    )
    return frames.to(device)
