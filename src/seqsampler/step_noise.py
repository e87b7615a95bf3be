"""A stochastic sampler's per-step noise as given layers (`noise_warp`, docs/behaviour.md §13).

With `noise_warp` every noise a frame's sampler consumes moves with the scene, as in "How I
Warped Your Noise" (Chang et al., ICLR 2024, which warps the noise of each step of a stochastic
sampler too): besides the fresh noise and the injected noise, `camera_noise.NoiseWarp` carries
L step-noise layers per batch item, and the frame's sampler takes layer k at its k-th noise
call (`layered_noise_sampler`) instead of drawing it from the seed.

L (`step_layers`) is the most noise calls one sampler call of the plan can make: the sampler's
calls per model step (`NOISE_CALLS_PER_STEP`) times the most model steps a sampling pass of
the plan runs (`FramePlan.sample_steps`). A pass over `n` steps runs the sampler on `n + 1`
sigmas, so `n` steps (KSampler's denoise takes the last `steps + 1` sigmas of a longer
schedule; a start step k leaves `steps - k`; the samplers that drop the penultimate sigma
build one more and drop it), and each step calls the noise at most its calls per step: once
for the ancestral and SDE samplers, twice for dpmpp_sde (the midpoint's noise and the step's)
and seeds_2, three times for seeds_3 (ComfyUI's k-diffusion sources; the library's samplers
are checked against the table in tests/test_step_noise.py). Most draw none at the last step
(to sigma 0), so L is an upper bound, never short.

The layers are i.i.d. N(0, 1), as each draw of the seeded noise is. The SDE samplers draw
Brownian increments: one per step over disjoint sigma intervals, which are independent too, so
the layers have their law; only dpmpp_sde's two draws of a step, over nested intervals, are
correlated as Brownian increments and independent as layers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

import torch
from torch import Tensor

from .planning import FramePlan, Plan

# Noise calls per model step of ComfyUI's samplers (ComfyUI 0.3.6x, comfy/k_diffusion/
# sampling.py) that take a noise_sampler and call it; the others (absent) draw no per-step
# noise: the deterministic samplers, and dpm_fast / dpm_adaptive (eta 0 as KSampler runs them).
NOISE_CALLS_PER_STEP: Mapping[str, int] = MappingProxyType({
    "euler_ancestral": 1, "euler_ancestral_cfg_pp": 1, "dpm_2_ancestral": 1,
    "dpmpp_2s_ancestral": 1, "dpmpp_2s_ancestral_cfg_pp": 1,
    "dpmpp_sde": 2, "dpmpp_sde_gpu": 2,
    "dpmpp_2m_sde": 1, "dpmpp_2m_sde_gpu": 1, "dpmpp_2m_sde_heun": 1, "dpmpp_2m_sde_heun_gpu": 1,
    "dpmpp_3m_sde": 1, "dpmpp_3m_sde_gpu": 1, "ddpm": 1, "lcm": 1,
    "res_multistep_ancestral": 1, "res_multistep_ancestral_cfg_pp": 1, "er_sde": 1,
    "seeds_2": 2, "seeds_3": 3, "sa_solver": 1, "sa_solver_pece": 1,
})  # fmt: skip

NoiseSampler = Callable[[Tensor, Tensor], Tensor]


def runs_sampler(frame: FramePlan) -> bool:
    """Whether the frame runs a sampling pass (plain, or unsample's resampling), not a copy or a
    frame made between diffused ones (cadence)."""
    return frame.between is None and frame.path != "copy" and frame.sample_steps > 0


def step_layers(plan: Plan) -> int:
    """L: the most per-step noise calls one sampling pass of `plan` can make (module doc); 0
    for a sampler that draws none (or one this table does not know)."""
    calls = NOISE_CALLS_PER_STEP.get(plan.config.sampler_name, 0)
    steps = max((f.sample_steps for f in plan.frames if runs_sampler(f)), default=0)
    return calls * steps


def layered_noise_sampler(
    layers: Tensor, like: Tensor, sampler_name: str, device: torch.device | str | None = None
) -> NoiseSampler:
    """noise_sampler(sigma, sigma_next) -> layer k of `layers` [L, B, C, ...] at its k-th call,
    in the dtype and on the device (unless `device` is given) of `like` [B, C, ...], the x the
    sampler runs on; ValueError naming the sampler and L when it asks for more than L."""
    if tuple(layers.shape[1:]) != tuple(like.shape):
        raise ValueError(
            f"step noise layers must be [L, *{tuple(like.shape)}] for {sampler_name}; got "
            f"{tuple(layers.shape)}"
        )
    calls, where = 0, like.device if device is None else device

    def draw(sigma: Tensor, sigma_next: Tensor) -> Tensor:
        nonlocal calls
        if calls >= layers.shape[0]:
            raise ValueError(
                f"{sampler_name} asked for per-step noise {calls + 1} times; noise_warp carries "
                f"L = {layers.shape[0]} layers (step_noise.step_layers)"
            )
        calls += 1
        return layers[calls - 1].to(dtype=like.dtype, device=where)

    return draw
