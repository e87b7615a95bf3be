"""Euler-family and DDPM-family samplers over a descending sigma tensor (Karras et al. 2022).

Each is a body `fn(x [B, C, ...], sigmas [N + 1], run, **options) -> x` (`_common.Run`: the
model, the callback, the noise), called through its registry entry `SAMPLERS[name](model, x,
sigmas, extra_args, callback, noise_sampler)`. Stochastic samplers draw i.i.d. noise seeded
from `extra_args["seed"]` (see noise_samplers).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._common import Run, ancestral_step, to_d
from .noise_samplers import default_noise_sampler
from .registry import sampler


@sampler("euler")
def sample_euler(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """Euler steps on the probability-flow ODE (Karras et al. 2022, Algorithm 2 without churn)."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        d = to_d(x, sigma, denoised)
        run.report(x, i, sigma, denoised)
        # Euler step.
        x = x + d * (sigma_next - sigma)
    return x


@sampler("ddim")
def sample_ddim(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """Deterministic DDIM (Song et al. 2021), which is the Euler step in sigma space (Karras
    et al. 2022, Sec. 4); ComfyUI's "ddim" runs euler (and fills a noise_mask with seed + 1)."""
    return sample_euler(x, sigmas, run)


@sampler("euler_ancestral", noise=default_noise_sampler)
def sample_euler_ancestral(
    x: Tensor, sigmas: Tensor, run: Run, eta: float = 1.0, s_noise: float = 1.0
) -> Tensor:
    """Ancestral sampling with Euler steps: step to sigma_down, add noise of std sigma_up."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        sigma_down, sigma_up = ancestral_step(sigma, sigma_next, eta)
        run.report(x, i, sigma, denoised)
        if sigma_down == 0:
            x = denoised
            continue
        # Euler step to sigma_down, then noise up to sigma_next.
        d = to_d(x, sigma, denoised)
        x = x + d * (sigma_down - sigma)
        x = x + run.noise(sigma, sigma_next) * s_noise * sigma_up
    return x


@sampler("heun")
def sample_heun(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """Heun's 2nd-order method (Karras et al. 2022, Algorithm 1); Euler for the step to 0."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        d = to_d(x, sigma, denoised)
        run.report(x, i, sigma, denoised)
        dt = sigma_next - sigma
        if sigma_next == 0:
            # Euler step.
            x = x + d * dt
            continue
        # 2nd order correction.
        x_2 = x + d * dt
        d_2 = to_d(x_2, sigma_next, run.denoise(x_2, sigma_next))
        x = x + (d + d_2) / 2 * dt
    return x


@sampler("dpm_2", discard_penultimate=True)
def sample_dpm_2(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """DPM-Solver-2 midpoint steps in sigma (Lu et al. 2022; Karras et al. 2022's variant):
    the derivative at the log-midpoint of sigma, sigma_next drives the whole step."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        d = to_d(x, sigma, denoised)
        run.report(x, i, sigma, denoised)
        if sigma_next == 0:
            # Euler step.
            x = x + d * (sigma_next - sigma)
            continue
        # Midpoint step.
        sigma_mid = sigma.log().lerp(sigma_next.log(), 0.5).exp()
        x_2 = x + d * (sigma_mid - sigma)
        d_2 = to_d(x_2, sigma_mid, run.denoise(x_2, sigma_mid))
        x = x + d_2 * (sigma_next - sigma)
    return x


@sampler("dpm_2_ancestral", noise=default_noise_sampler, discard_penultimate=True)
def sample_dpm_2_ancestral(
    x: Tensor, sigmas: Tensor, run: Run, eta: float = 1.0, s_noise: float = 1.0
) -> Tensor:
    """Ancestral sampling with DPM-Solver-2 midpoint steps to sigma_down."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        sigma_down, sigma_up = ancestral_step(sigma, sigma_next, eta)
        run.report(x, i, sigma, denoised)
        d = to_d(x, sigma, denoised)
        if sigma_down == 0:
            # Euler step.
            x = x + d * (sigma_down - sigma)
            continue
        # Midpoint step to sigma_down, then noise up to sigma_next.
        sigma_mid = sigma.log().lerp(sigma_down.log(), 0.5).exp()
        x_2 = x + d * (sigma_mid - sigma)
        d_2 = to_d(x_2, sigma_mid, run.denoise(x_2, sigma_mid))
        x = x + d_2 * (sigma_down - sigma)
        x = x + run.noise(sigma, sigma_next) * s_noise * sigma_up
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
def sample_lms(x: Tensor, sigmas: Tensor, run: Run, order: int = 4) -> Tensor:
    """Linear multistep (Adams-Bashforth) on the ODE in sigma, up to `order` past derivatives."""
    t = [float(s) for s in sigmas.detach().cpu().double()]
    ds: list[Tensor] = []
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        ds = [*ds, to_d(x, sigma, denoised)][-order:]
        run.report(x, i, sigma, denoised)
        if sigma_next == 0:
            # Denoising step.
            x = denoised
            continue
        cur_order = min(i + 1, order)
        coeffs = [lms_coefficient(cur_order, t, i, j) for j in range(cur_order)]
        x = x + sum(c * d for c, d in zip(coeffs, reversed(ds), strict=False))
    return x


@sampler("ddpm", noise=default_noise_sampler)
def sample_ddpm(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """DDPM ancestral steps (Ho et al. 2020, Algorithm 2) between arbitrary noise levels,
    in the variance-preserving space x_vp = x / sqrt(1 + sigma^2)."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        run.report(x, i, sigma, denoised)
        eps = (x - denoised) / sigma
        alphabar, alphabar_next = 1 / (sigma * sigma + 1), 1 / (sigma_next * sigma_next + 1)
        alpha = alphabar / alphabar_next
        # Posterior mean (Ho et al. Eq. 11), then its noise.
        x_vp = x / torch.sqrt(1.0 + sigma**2.0)
        x = (1.0 / alpha).sqrt() * (x_vp - (1 - alpha) * eps / (1 - alphabar).sqrt())
        if sigma_next > 0:
            beta_tilde = (1 - alpha) * (1.0 - alphabar_next) / (1.0 - alphabar)
            x = x + beta_tilde.sqrt() * run.noise(sigma, sigma_next)
            x = x * torch.sqrt(1.0 + sigma_next**2.0)
    return x


@sampler("lcm", noise=default_noise_sampler)
def sample_lcm(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """Latent consistency multistep sampling (Luo et al. 2023): jump to the denoised estimate,
    then re-noise it to the next sigma with fresh noise."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        run.report(x, i, sigma, denoised)
        x = denoised
        if sigma_next > 0:
            x = x + run.noise(sigma, sigma_next) * sigma_next
    return x
