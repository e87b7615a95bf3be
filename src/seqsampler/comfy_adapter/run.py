"""Run a planned sequence inside ComfyUI: frame sampler, progress, logging, devices."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import comfy.model_management
import comfy.sample
from torch import Tensor

from ..conditioning import Conditioning
from ..plan import Plan
from ..sequence import run_sequence
from .frame_sampler import ComfyFrameSampler, RunProgress, with_interrupt_check

logger = logging.getLogger(__name__)


def plan_summary(sequence_plan: Plan) -> str:
    """The plan as a few readable lines: one per frame (prompt, seed, denoise, path)."""
    config = sequence_plan.config
    lines = [
        f"KSamplerSeq2 plan: {sequence_plan.frame_count} frames, "
        f"{config.positive_count} positive / {config.negative_count} negative prompts, "
        f"keyframes {list(sequence_plan.keyframes)}, {config.sampler_name}/{config.scheduler}"
    ]
    for frame in sequence_plan.frames:
        glide = "" if frame.glide is None else f" glide {frame.glide:g}"
        noise = "" if frame.inject_noise_seed is None else f" +noise {frame.noise_strength:g}"
        lines.append(
            f"  frame {frame.frame}: prompt {frame.positive}/{frame.negative} seed {frame.seed} "
            f"denoise {frame.denoise:.3f} {frame.path} (start step {frame.start_step})"
            f"{glide}{noise}"
        )
    return "\n".join(lines)


def run_node(
    model: Any,
    sequence_plan: Plan,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    latent: Mapping[str, Any],
    samples: Tensor,
) -> Tensor:
    """All frames [N*B, ...] of `sequence_plan`, on ComfyUI's intermediate device."""
    logger.info("%s", plan_summary(sequence_plan))
    device = comfy.model_management.intermediate_device()
    init = comfy.sample.fix_empty_latent_channels(model, samples).to(device)
    noise_mask = latent.get("noise_mask")
    total = sum(f.sample_steps + f.unsample_steps for f in sequence_plan.frames)
    config = sequence_plan.config
    frame_sampler = ComfyFrameSampler(
        with_interrupt_check(model),
        config.sampler_name,
        config.scheduler,
        batch_index=latent.get("batch_index"),
        progress=RunProgress(model, total),
    )
    frames = run_sequence(
        sequence_plan, frame_sampler, positive, negative, init, noise_mask=noise_mask
    )
    return frames.to(device)
