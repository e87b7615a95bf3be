"""Euler-family and DDPM-family samplers over a descending sigma tensor (Karras et al. 2022).

Every sampler: `fn(model, x [B, C, ...], sigmas [N + 1], extra_args=None, callback=None,
disable=None, noise_sampler=None) -> x`, with `model(x, sigma [B], **extra_args) -> denoised`.
Stochastic samplers draw per-step noise from `extra_args["seed"]` (see noise_samplers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ._common import Callback, Model, ancestral_step, args, report, to_d
from .noise_samplers import NoiseSampler, default_noise_sampler
from .registry import sampler


@sampler("euler")
@torch.no_grad()
def sample_euler(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
) -> Tensor:
    """Euler steps on the probability-flow ODE (Karras et al. 2022, Algorithm 2 without churn)."""
    extra = args(extra_args)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        d = to_d(x, sigma, denoised)
        report(callback, x, i, sigma, sigma, denoised)
        # Euler step.
        x = x + d * (sigma_next - sigma)
    return x


@sampler("ddim")
@torch.no_grad()
def sample_ddim(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
) -> Tensor:
    """Deterministic DDIM (Song et al. 2021), which is the Euler step in sigma space (Karras
    et al. 2022, Sec. 4); ComfyUI's "ddim" runs euler (and fills a noise_mask with seed + 1)."""
    return sample_euler(model, x, sigmas, extra_args, callback, disable)


@sampler("euler_ancestral", stochastic=True)
@torch.no_grad()
def sample_euler_ancestral(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
    eta: float = 1.0,
    s_noise: float = 1.0,
) -> Tensor:
    """Ancestral sampling with Euler steps: step to sigma_down, add noise of std sigma_up."""
    extra = args(extra_args)
    noise_sampler = noise_sampler or default_noise_sampler(x, extra, "euler_ancestral")
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        sigma_down, sigma_up = ancestral_step(sigma, sigma_next, eta)
        report(callback, x, i, sigma, sigma, denoised)
        if sigma_down == 0:
            x = denoised
            continue
        # Euler step to sigma_down, then noise up to sigma_next.
        d = to_d(x, sigma, denoised)
        x = x + d * (sigma_down - sigma)
        x = x + noise_sampler(sigma, sigma_next) * s_noise * sigma_up
    return x


@sampler("heun")
@torch.no_grad()
def sample_heun(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
) -> Tensor:
    """Heun's 2nd-order method (Karras et al. 2022, Algorithm 1); Euler for the step to 0."""
    extra = args(extra_args)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        d = to_d(x, sigma, denoised)
        report(callback, x, i, sigma, sigma, denoised)
        dt = sigma_next - sigma
        if sigma_next == 0:
            # Euler step.
            x = x + d * dt
            continue
        # 2nd order correction.
        x_2 = x + d * dt
        d_2 = to_d(x_2, sigma_next, model(x_2, sigma_next * s_in, **extra))
        x = x + (d + d_2) / 2 * dt
    return x


@sampler("dpm_2", discard_penultimate=True)
@torch.no_grad()
def sample_dpm_2(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
) -> Tensor:
    """DPM-Solver-2 midpoint steps in sigma (Lu et al. 2022; Karras et al. 2022's variant):
    the derivative at the log-midpoint of sigma, sigma_next drives the whole step."""
    extra = args(extra_args)
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        d = to_d(x, sigma, denoised)
        report(callback, x, i, sigma, sigma, denoised)
        if sigma_next == 0:
            # Euler step.
            x = x + d * (sigma_next - sigma)
            continue
        # Midpoint step.
        sigma_mid = sigma.log().lerp(sigma_next.log(), 0.5).exp()
        x_2 = x + d * (sigma_mid - sigma)
        d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid * s_in, **extra))
        x = x + d_2 * (sigma_next - sigma)
    return x


@sampler("dpm_2_ancestral", stochastic=True, discard_penultimate=True)
@torch.no_grad()
def sample_dpm_2_ancestral(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
    eta: float = 1.0,
    s_noise: float = 1.0,
) -> Tensor:
    """Ancestral sampling with DPM-Solver-2 midpoint steps to sigma_down."""
    extra = args(extra_args)
    noise_sampler = noise_sampler or default_noise_sampler(x, extra, "dpm_2_ancestral")
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        sigma_down, sigma_up = ancestral_step(sigma, sigma_next, eta)
        report(callback, x, i, sigma, sigma, denoised)
        d = to_d(x, sigma, denoised)
        if sigma_down == 0:
            # Euler step.
            x = x + d * (sigma_down - sigma)
            continue
        # Midpoint step to sigma_down, then noise up to sigma_next.
        sigma_mid = sigma.log().lerp(sigma_down.log(), 0.5).exp()
        x_2 = x + d * (sigma_mid - sigma)
        d_2 = to_d(x_2, sigma_mid, model(x_2, sigma_mid * s_in, **extra))
        x = x + d_2 * (sigma_down - sigma)
        x = x + noise_sampler(sigma, sigma_next) * s_noise * sigma_up
    return x


def lms_coefficient(order: int, t: list[float], i: int, j: int) -> float:
    """Integral over [t_i, t_{i+1}] of the Lagrange basis polynomial of node t_{i-j} among
    t_i, ..., t_{i-order+1} (linear multistep, Adams-Bashforth on uneven steps), exactly."""
    poly = [1.0]  # coefficients, lowest power first
    for k in range(order):
        if k == j:
            continue
        scale = 1.0 / (t[i - j] - t[i - k])
        root = t[i - k]
        shifted = [0.0, *poly]  # tau * p(tau)
        poly = [(s - root * p) * scale for s, p in zip(shifted, [*poly, 0.0], strict=True)]
    antiderivative = lambda tau: sum(c * tau ** (n + 1) / (n + 1) for n, c in enumerate(poly))  # noqa: E731
    return antiderivative(t[i + 1]) - antiderivative(t[i])


@sampler("lms")
@torch.no_grad()
def sample_lms(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
    order: int = 4,
) -> Tensor:
    """Linear multistep (Adams-Bashforth) on the ODE in sigma, up to `order` past derivatives."""
    extra = args(extra_args)
    s_in = x.new_ones([x.shape[0]])
    t = [float(s) for s in sigmas.detach().cpu().double()]
    ds: list[Tensor] = []
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        ds = [*ds, to_d(x, sigma, denoised)][-order:]
        report(callback, x, i, sigma, sigma, denoised)
        if sigma_next == 0:
            # Denoising step.
            x = denoised
            continue
        cur_order = min(i + 1, order)
        coeffs = [lms_coefficient(cur_order, t, i, j) for j in range(cur_order)]
        x = x + sum(c * d for c, d in zip(coeffs, reversed(ds), strict=False))
    return x


@sampler("ddpm", stochastic=True)
@torch.no_grad()
def sample_ddpm(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
) -> Tensor:
    """DDPM ancestral steps (Ho et al. 2020, Algorithm 2) between arbitrary noise levels,
    in the variance-preserving space x_vp = x / sqrt(1 + sigma^2)."""
    extra = args(extra_args)
    noise_sampler = noise_sampler or default_noise_sampler(x, extra, "ddpm")
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        report(callback, x, i, sigma, sigma, denoised)
        eps = (x - denoised) / sigma
        alphabar, alphabar_next = 1 / (sigma * sigma + 1), 1 / (sigma_next * sigma_next + 1)
        alpha = alphabar / alphabar_next
        # Posterior mean (Ho et al. Eq. 11), then its noise.
        x_vp = x / torch.sqrt(1.0 + sigma**2.0)
        x = (1.0 / alpha).sqrt() * (x_vp - (1 - alpha) * eps / (1 - alphabar).sqrt())
        if sigma_next > 0:
            beta_tilde = (1 - alpha) * (1.0 - alphabar_next) / (1.0 - alphabar)
            x = x + beta_tilde.sqrt() * noise_sampler(sigma, sigma_next)
            x = x * torch.sqrt(1.0 + sigma_next**2.0)
    return x


@sampler("lcm", stochastic=True)
@torch.no_grad()
def sample_lcm(
    model: Model,
    x: Tensor,
    sigmas: Tensor,
    extra_args: Mapping[str, Any] | None = None,
    callback: Callback | None = None,
    disable: bool | None = None,
    noise_sampler: NoiseSampler | None = None,
) -> Tensor:
    """Latent consistency multistep sampling (Luo et al. 2023): jump to the denoised estimate,
    then re-noise it to the next sigma with fresh noise."""
    extra = args(extra_args)
    noise_sampler = noise_sampler or default_noise_sampler(x, extra, "lcm")
    s_in = x.new_ones([x.shape[0]])
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = model(x, sigma * s_in, **extra)
        report(callback, x, i, sigma, sigma, denoised)
        x = denoised
        if sigma_next > 0:
            x = x + noise_sampler(sigma, sigma_next) * sigma_next
    return x
