"""One frame's model work: the `FrameSampler` seam, its `FrameCall`, and `run_frame`.

`FrameSampler` is the one seam between the chain (`seqsampler.sequence`) and a sampling engine:
the ComfyUI adapter implements it on ComfyUI's own sampling functions with the user's MODEL, the
standalone engine on our samplers and a `Denoiser`.

Semantics of the two calls (ComfyUI's, so settings mean the same in both front doors):
- `sample(x, add_noise=True, start_step=0, denoise=d)` is ComfyUI's KSampler: `steps` model
  steps over the last `steps + 1` sigmas of an `int(steps / d)`-step schedule, fresh noise
  from `seed` (drawn like `seqsampler.noise.prepare_noise`); `d <= 0` returns `x` unchanged.
- `sample(x, add_noise=False, start_step=k, denoise=1.0)` is KSamplerAdvanced with add_noise
  off: steps `k .. steps` of the full schedule, `x` taken as already at sigma_k, ending at 0.
- `unsample(x, start_step=k)` inverts `x` from a small epsilon above 0 up to sigma_k of the full
  `steps`-step schedule (behaviour.md §7), adding no noise; stochastic samplers invert with
  their deterministic counterpart.
`steps` and `cfg` are per call (the CLI can schedule them); the sampler and scheduler names
are fixed when the frame sampler is built. Tensors are [B, C, ...] latents in and out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import torch
from torch import Tensor

from .conditioning import Conditioning
from .interp import interp_latents
from .masks import latent_mask
from .noise import randn_like_seeded
from .planning import FramePlan


@dataclass(frozen=True)
class FrameCall:
    """What every sampler call of one frame shares: its conditioning, seed, steps and cfg, and
    the noise mask ([H, W], [B, H, W] or [B, 1, H, W] at any resolution, or None).

    `seeds`: one seed per batch item when the batch holds variants (`seqsampler.variants`), each
    item's noise drawn as if it were sampled alone with its seed; None: `seed` draws for the
    whole batch. Only a frame sampler with `item_seeds = True` takes it.

    `noise`: the fresh noise of a `sample(add_noise=True)` call ([B, C, ...], drawn on the CPU),
    used instead of drawing it from the seed(s) (`noise_warp`: the noise moved with the camera,
    `seqsampler.camera_noise`). `step_noise`: a stochastic sampler's per-step noise [L, B, C, ...]
    (`noise_warp`), layer k for its k-th draw of a `sample` pass (`step_noise`), instead of the
    seed's draws; None: the seed(s) drive it. Deterministic samplers and `unsample` ignore it."""

    positive: Conditioning
    negative: Conditioning
    seed: int
    steps: int
    cfg: float
    noise_mask: Tensor | None = None
    seeds: tuple[int, ...] | None = None
    noise: Tensor | None = None
    step_noise: Tensor | None = None


class FrameSampler(Protocol):
    """Samples and unsamples one frame (see the module docstring for the exact semantics)."""

    def sample(
        self,
        x: Tensor,
        call: FrameCall,
        *,
        denoise: float = 1.0,
        start_step: int = 0,
        add_noise: bool = True,
    ) -> Tensor: ...

    def unsample(self, x: Tensor, call: FrameCall, *, start_step: int) -> Tensor: ...


class FrameNoises(Protocol):
    """A frame's noises from a `NoiseHook` (`camera_noise.FrameNoise`): the fresh noise and the
    injected noise's eps, each [B, C, ...], and a stochastic sampler's per-step noise
    [L, B, C, ...]; each None: drawn from the seeds as usual."""

    @property
    def sample(self) -> Tensor | None: ...

    @property
    def inject(self) -> Tensor | None: ...

    @property
    def steps(self) -> Tensor | None: ...


def run_frame(
    frame: FramePlan,
    frame_sampler: FrameSampler,
    positive: Conditioning,
    negative: Conditioning,
    x: Tensor,
    noise_mask: Tensor | None = None,
    variants: Sequence[FramePlan] | None = None,
    noises: FrameNoises | None = None,
) -> Tensor:
    """One frame: `x` is the frame's input (the previous output); returns the frame's output.
    `variants`: one plan per batch item of `x` (equal to `frame` but for their seeds), whose
    seeds draw each item's noise (`seqsampler.variants`); None: `frame`'s seeds for the batch.
    `noises`: the frame's fresh, injected and per-step noise from a `NoiseHook` (None: the
    seeds')."""
    seeds = None if variants is None else tuple(f.seed for f in variants)
    fresh = None if noises is None else noises.sample
    eps = None if noises is None else noises.inject
    layers = None if noises is None else noises.steps
    call = FrameCall(
        positive, negative, frame.seed, frame.steps, frame.cfg, noise_mask, seeds, fresh, layers
    )
    if frame.path == "copy":
        sample = x
    elif frame.path == "plain":
        noised = inject_noise(frame, x, noise_mask, variants, eps)
        if frame.sample_steps < frame.steps:  # denoise_mode "steps": from sigma_k, fresh noise
            sample = frame_sampler.sample(noised, call, start_step=frame.start_step)
        else:
            sample = frame_sampler.sample(noised, call, denoise=frame.denoise)
    else:  # unsample: invert to sigma_k, inject, resample from sigma_k without fresh noise
        unsampled = frame_sampler.unsample(x, call, start_step=frame.start_step)
        noised = inject_noise(frame, unsampled, noise_mask, variants, eps)
        sample = frame_sampler.sample(noised, call, start_step=frame.start_step, add_noise=False)
    if frame.interp is not None:
        sample = interp_latents(frame.interp.mode, frame.interp.strength, x, sample)
    return sample


def close_loop(frame: FramePlan, output: Tensor, first: Tensor | None) -> Tensor:
    """A loop frame's output pulled toward frame 0's by its `loop` weight; others unchanged."""
    if frame.loop is None:
        return output
    assert first is not None, "check_inputs: frame 0 is made or given before a loop"
    return torch.lerp(output, first.to(output), frame.loop)


def inject_noise(
    frame: FramePlan,
    x: Tensor,
    noise_mask: Tensor | None = None,
    variants: Sequence[FramePlan] | None = None,
    eps: Tensor | None = None,
) -> Tensor:
    """x + noise_strength * eps (* the mask at latent resolution), eps drawn from the frame's
    inject seed (§6), or per batch item from its variant's, or given (`noise_warp`); x
    unchanged when the plan injects nothing."""
    seed, strength = frame.inject_noise_seed, frame.noise_strength
    if seed is None or strength is None:  # FramePlan holds both or neither
        return x
    if eps is not None:
        eps = eps.to(x)
    elif variants is None:
        eps = randn_like_seeded(x, seed)
    else:  # variants share the strength (variants.check_variant_plans), not the seed
        seeds = [f.inject_noise_seed for f in variants if f.inject_noise_seed is not None]
        if len(seeds) != x.shape[0]:
            raise ValueError(
                f"variants must give one inject seed per batch item ({x.shape[0]}) at frame "
                f"{frame.frame}; got {[f.inject_noise_seed for f in variants]}"
            )
        items = zip(x.split(1), seeds, strict=True)
        eps = torch.cat([randn_like_seeded(item, item_seed) for item, item_seed in items])
    if noise_mask is not None:
        eps = eps * latent_mask(noise_mask, x.shape).to(x)
    return x + strength * eps
