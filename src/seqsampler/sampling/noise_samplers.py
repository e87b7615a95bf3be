"""Per-step noise for stochastic samplers, seeded from the sampling seed as ComfyUI seeds it.

A noise sampler is `noise_sampler(sigma, sigma_next) -> Tensor` shaped like x, standard normal.
`gaussian_noise_sampler` draws i.i.d. noise from one generator on x's device (ComfyUI's
`default_noise_sampler`); `BrownianNoiseSampler` takes the increments of one Brownian motion
over sigma (torchsde's BrownianTree on the CPU, as ComfyUI's SDE samplers do), so the same
seed gives the same path whatever the step count (Lu et al. 2022, DPM-Solver++ SDE).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torchsde
from torch import Tensor

from ..noise import generator_on

NoiseSampler = Callable[[Tensor, Tensor], Tensor]
# A stochastic sampler's default noise: factory(x, sigmas, extra_args, sampler_name).
NoiseFactory = Callable[[Tensor, Tensor, Mapping[str, Any], str], NoiseSampler | None]


def _seed(extra_args: Mapping[str, Any] | None, sampler_name: str) -> int:
    seed = (extra_args or {}).get("seed")
    if seed is None:
        raise ValueError(
            f"{sampler_name} adds noise each step: pass extra_args['seed'] or a noise_sampler"
        )
    return int(seed)


def gaussian_noise_sampler(x: Tensor, seed: int) -> NoiseSampler:
    """i.i.d. N(0, 1) draws like x [B, C, ...] from one generator seeded with `seed`."""
    gen = generator_on(seed, x.device)

    def draw(sigma: Tensor, sigma_next: Tensor) -> Tensor:
        return torch.randn(x.size(), dtype=x.dtype, layout=x.layout, device=x.device, generator=gen)

    return draw


class BrownianNoiseSampler:
    """Normalised Brownian increments (W(s1) - W(s0)) / sqrt|s1 - s0| over sigma in [min, max].

    x [B, C, ...] gives shape, dtype and device; the tree lives on the CPU in sigma's dtype.
    """

    def __init__(self, x: Tensor, sigma_min: Tensor, sigma_max: Tensor, seed: int):
        t0, t1 = torch.as_tensor(sigma_min), torch.as_tensor(sigma_max)
        self.sign = 1 if t0 < t1 else -1
        t0, t1 = (t0, t1) if t0 < t1 else (t1, t0)
        w0 = torch.zeros_like(x).detach().cpu()
        self.tree = torchsde.BrownianTree(t0.detach().cpu(), w0, t1.detach().cpu(), entropy=seed)

    def __call__(self, sigma: Tensor, sigma_next: Tensor) -> Tensor:
        s0, s1 = torch.as_tensor(sigma), torch.as_tensor(sigma_next)
        sign = 1 if s0 < s1 else -1
        lo, hi = (s0, s1) if s0 < s1 else (s1, s0)
        with warnings.catch_warnings():
            # torchsde compares float32 queries with its float64 ends: a query at sigma_max
            # warns "Should have tb<=t1" although it is the same sigma (ComfyUI shows it too).
            warnings.filterwarnings("ignore", message="Should have t[ab]<=t1")
            w = self.tree(lo.detach().cpu().float(), hi.detach().cpu().float())
        w = w.to(device=lo.device, dtype=lo.dtype) * (self.sign * sign)
        return w / (s1 - s0).abs().sqrt()


def default_noise_sampler(
    x: Tensor, sigmas: Tensor, extra_args: Mapping[str, Any], sampler_name: str
) -> NoiseSampler:
    """`gaussian_noise_sampler` seeded from `extra_args["seed"]` (ValueError when missing)."""
    return gaussian_noise_sampler(x, _seed(extra_args, sampler_name))


def brownian_noise_sampler(
    x: Tensor, sigmas: Tensor, extra_args: Mapping[str, Any], sampler_name: str
) -> NoiseSampler | None:
    """`BrownianNoiseSampler` over [smallest positive sigma, largest sigma] of `sigmas`; None
    for <= 1 sigma (no step: no interval for the path, no draw, so no seed needed)."""
    if len(sigmas) <= 1:
        return None
    seed = _seed(extra_args, sampler_name)
    return BrownianNoiseSampler(x, sigmas[sigmas > 0].min(), sigmas.max(), seed)
