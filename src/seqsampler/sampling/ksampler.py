"""Which sigmas a KSampler call runs over, and where it starts: ComfyUI's step semantics.

- `ksampler_sigmas`: KSampler.set_steps. denoise d < 1 builds an int(steps / d)-step schedule
  and keeps its last steps + 1 sigmas (always `steps` model steps); d <= 0 gives no sigmas;
  samplers flagged `discard_penultimate` get steps + 1 sigmas with the penultimate dropped.
- `slice_sigmas`: KSampler.sample's last_step / start_step / force_full_denoise.
- `noise_scaling` / `is_max_denoise`: the start point x = latent + sigma_0 noise, with
  sqrt(1 + sigma_0^2) instead of sigma_0 when the schedule starts at the model's sigma_max.
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor

from .registry import get_sampler
from .schedules import calculate_sigmas
from .sigma_space import SigmaSpace

FULL_DENOISE = 0.9999
MAX_SCHEDULE_STEPS = 100_000  # int(steps / denoise) above this is refused, not allocated


def schedule_for_sampler(
    space: SigmaSpace, scheduler: str, sampler_name: str, steps: int
) -> Tensor:
    """`calculate_sigmas`, with the penultimate sigma of steps + 1 dropped for the samplers
    that ComfyUI flags DISCARD_PENULTIMATE_SIGMA (dpm_2, dpm_2_ancestral, uni_pc, uni_pc_bh2).
    A copy of a cached tensor: a sequence asks for the same few schedules every frame."""
    if not isinstance(steps, int) or isinstance(steps, bool):
        return _schedule(space, scheduler, sampler_name, steps)  # calculate_sigmas says why
    return _cached_schedule(space, scheduler, sampler_name, steps).clone()


@functools.lru_cache(maxsize=64)
def _cached_schedule(space: SigmaSpace, scheduler: str, sampler_name: str, steps: int) -> Tensor:
    return _schedule(space, scheduler, sampler_name, steps)


def _schedule(space: SigmaSpace, scheduler: str, sampler_name: str, steps: int) -> Tensor:
    if get_sampler(sampler_name).discard_penultimate:
        sigmas = calculate_sigmas(space, scheduler, steps + 1)
        return torch.cat([sigmas[:-2], sigmas[-1:]])
    return calculate_sigmas(space, scheduler, steps)


def ksampler_sigmas(
    space: SigmaSpace, scheduler: str, sampler_name: str, steps: int, denoise: float = 1.0
) -> Tensor:
    """The sigmas of a KSampler with `steps` and `denoise` (see the module docstring)."""
    if denoise is None or denoise > FULL_DENOISE:
        return schedule_for_sampler(space, scheduler, sampler_name, steps)
    if denoise <= 0.0:
        return torch.zeros(0)
    total = steps / denoise
    if total > MAX_SCHEDULE_STEPS:
        raise ValueError(
            f"denoise {denoise!r} with steps {steps} needs an int(steps / denoise) = {total:.3g}-step "
            f"schedule; accepted: denoise <= 0 (no steps) or steps / denoise <= {MAX_SCHEDULE_STEPS}"
        )
    full = schedule_for_sampler(space, scheduler, sampler_name, int(total))
    return full[-(steps + 1) :]


def slice_sigmas(
    sigmas: Tensor,
    start_step: int | None = None,
    last_step: int | None = None,
    force_full_denoise: bool = False,
) -> Tensor | None:
    """KSampler.sample's slicing: keep sigmas[:last_step + 1] (its last set to 0 when
    `force_full_denoise`), then sigmas[start_step:]. None when start_step leaves no step."""
    if last_step is not None and last_step < len(sigmas) - 1:
        sigmas = sigmas[: last_step + 1].clone()
        if force_full_denoise:
            sigmas[-1] = 0
    if start_step is not None:
        if start_step >= len(sigmas) - 1:
            return None
        sigmas = sigmas[start_step:]
    return sigmas


def is_max_denoise(space: SigmaSpace, sigmas: Tensor) -> bool:
    """True when the schedule starts at (or above) the model's sigma_max (rel. tol 1e-5)."""
    sigma_max, sigma = float(space.sigma_max), float(sigmas[0])
    return math.isclose(sigma_max, sigma, rel_tol=1e-5) or sigma > sigma_max


def noise_scaling(sigma: Tensor, noise: Tensor, latent: Tensor, max_denoise: bool) -> Tensor:
    """Start point latent + s noise, s = sqrt(1 + sigma^2) at max denoise (unit-variance
    prior of the VP process), else sigma (ComfyUI's EPS.noise_scaling)."""
    scale = torch.sqrt(1.0 + sigma**2.0) if max_denoise else sigma
    return noise * scale + latent
