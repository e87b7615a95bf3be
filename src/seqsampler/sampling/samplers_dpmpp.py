"""DPM-Solver++ samplers (Lu et al. 2022, arXiv:2211.01095) in lambda = -log(sigma).

In the variance-exploding sigma space the data-prediction update from sigma to sigma_next over
h = lambda_next - lambda is x_next = (sigma_next / sigma) x - expm1(-h) D (DPM-Solver++(1),
which equals DDIM). The SDE variants add exp(-h eta)-damped Brownian noise from the seed.
Bodies `fn(x, sigmas, run, **options) -> x` as in `samplers`.
"""

from __future__ import annotations

from torch import Tensor

from ._common import Run, ancestral_step, to_d
from .noise_samplers import NoiseSampler, brownian_noise_sampler, default_noise_sampler
from .registry import sampler


def _lambda(sigma: Tensor) -> Tensor:
    """Half log-SNR lambda = log(alpha / sigma_vp) = -log(sigma)."""
    return sigma.log().neg()


def _sigma(lam: Tensor) -> Tensor:
    return lam.neg().exp()


@sampler("dpmpp_2m")
def sample_dpmpp_2m(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2): 2nd-order multistep on D."""
    old_denoised: Tensor | None = None
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        run.report(x, i, sigma, denoised)
        lam, lam_next = _lambda(sigma), _lambda(sigma_next)
        h = lam_next - lam
        if old_denoised is None or sigma_next == 0:
            # 1st order step (first step and the step to 0).
            x = (_sigma(lam_next) / _sigma(lam)) * x - (-h).expm1() * denoised
        else:
            # 2nd order: extrapolate D with the previous step's ratio r = h_last / h.
            r = (lam - _lambda(sigmas[i - 1])) / h
            denoised_d = (1 + 1 / (2 * r)) * denoised - (1 / (2 * r)) * old_denoised
            x = (_sigma(lam_next) / _sigma(lam)) * x - (-h).expm1() * denoised_d
        old_denoised = denoised
    return x


@sampler("dpmpp_2s_ancestral", noise=default_noise_sampler)
def sample_dpmpp_2s_ancestral(
    x: Tensor, sigmas: Tensor, run: Run, eta: float = 1.0, s_noise: float = 1.0
) -> Tensor:
    """Ancestral DPM-Solver++(2S) (Lu et al. 2022, Algorithm 1, r = 1/2) to sigma_down."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        sigma_down, sigma_up = ancestral_step(sigma, sigma_next, eta)
        run.report(x, i, sigma, denoised)
        if sigma_down == 0:
            # Euler step.
            x = x + to_d(x, sigma, denoised) * (sigma_down - sigma)
        else:
            # Single-step 2nd order: evaluate D at the lambda-midpoint s.
            lam, lam_next = _lambda(sigma), _lambda(sigma_down)
            h = lam_next - lam
            s = lam + 0.5 * h
            x_2 = (_sigma(s) / _sigma(lam)) * x - (-h * 0.5).expm1() * denoised
            denoised_2 = run.denoise(x_2, _sigma(s))
            x = (_sigma(lam_next) / _sigma(lam)) * x - (-h).expm1() * denoised_2
        # Noise addition.
        if sigma_next > 0:
            x = x + run.noise(sigma, sigma_next) * s_noise * sigma_up
    return x


@sampler("dpmpp_sde", noise=brownian_noise_sampler)
def sample_dpmpp_sde(
    x: Tensor, sigmas: Tensor, run: Run, eta: float = 1.0, s_noise: float = 1.0, r: float = 0.5
) -> Tensor:
    """Stochastic DPM-Solver++ (2S-style, Lu et al. 2022): two ancestral sub-steps over the
    Brownian path, to lambda + r h and then to lambda_next with the blended D."""
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        run.report(x, i, sigma, denoised)
        if sigma_next == 0:
            # Denoising step.
            x = denoised
            continue
        lam, lam_next = _lambda(sigma), _lambda(sigma_next)
        h = lam_next - lam
        lam_mid = lam + r * h
        sigma_mid = _sigma(lam_mid)
        # Step 1: ancestral sub-step to sigma_mid.
        sd, su = ancestral_step(_sigma(lam), _sigma(lam_mid), eta)
        h_ = _lambda(sd) - lam
        x_2 = (-h_).exp() * x - (-h_).expm1() * denoised
        if eta > 0 and s_noise > 0:
            x_2 = x_2 + run.noise(sigma, sigma_mid) * s_noise * su
        denoised_2 = run.denoise(x_2, sigma_mid)
        # Step 2: ancestral step to sigma_next with D blended from both evaluations.
        sd, su = ancestral_step(_sigma(lam), _sigma(lam_next), eta)
        h_ = _lambda(sd) - lam
        fac = 1 / (2 * r)
        denoised_d = (1 - fac) * denoised + fac * denoised_2
        x = (-h_).exp() * x - (-h_).expm1() * denoised_d
        if eta > 0 and s_noise > 0:
            x = x + run.noise(sigma, sigma_next) * s_noise * su
    return x


def _sde_step(
    x: Tensor, sigma: Tensor, sigma_next: Tensor, denoised: Tensor, eta: float
) -> tuple[Tensor, Tensor, Tensor]:
    """1st-order DPM-Solver++ SDE step (Lu et al. 2022, Eq. 18 family): returns (x, h, h_eta)."""
    h = _lambda(sigma_next) - _lambda(sigma)
    h_eta = h * (eta + 1)
    x = sigma_next / sigma * (-h * eta).exp() * x + (-h_eta).expm1().neg() * denoised
    return x, h, h_eta


def _sde_noise(
    noise_sampler: NoiseSampler,
    sigma: Tensor,
    sigma_next: Tensor,
    h: Tensor,
    eta: float,
    s_noise: float,
) -> Tensor:
    """The SDE step's noise: sigma_next sqrt(1 - exp(-2 h eta)) times a Brownian increment."""
    return (
        noise_sampler(sigma, sigma_next)
        * sigma_next
        * (-2 * h * eta).expm1().neg().sqrt()
        * s_noise
    )


@sampler("dpmpp_2m_sde", noise=brownian_noise_sampler)
def sample_dpmpp_2m_sde(
    x: Tensor, sigmas: Tensor, run: Run, eta: float = 1.0, s_noise: float = 1.0
) -> Tensor:
    """DPM-Solver++(2M) SDE, midpoint form (Lu et al. 2022), noise from a Brownian tree."""
    old_denoised: Tensor | None = None
    h: Tensor | None = None
    h_last: Tensor | None = None
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        run.report(x, i, sigma, denoised)
        if sigma_next == 0:
            # Denoising step.
            x = denoised
        else:
            x, h, h_eta = _sde_step(x, sigma, sigma_next, denoised, eta)
            if old_denoised is not None and h_last is not None:
                # 2nd order correction (midpoint).
                r = h_last / h
                x = x + 0.5 * (-h_eta).expm1().neg() * (1 / r) * (denoised - old_denoised)
            if eta > 0 and s_noise > 0:
                x = x + _sde_noise(run.noise, sigma, sigma_next, h, eta, s_noise)
        old_denoised, h_last = denoised, h
    return x


@sampler("dpmpp_3m_sde", noise=brownian_noise_sampler)
def sample_dpmpp_3m_sde(
    x: Tensor, sigmas: Tensor, run: Run, eta: float = 1.0, s_noise: float = 1.0
) -> Tensor:
    """DPM-Solver++(3M) SDE (Lu et al. 2022): 3rd-order multistep, Brownian-tree noise."""
    denoised_1: Tensor | None = None
    denoised_2: Tensor | None = None
    h: Tensor | None = None
    h_1: Tensor | None = None
    h_2: Tensor | None = None
    for i in range(len(sigmas) - 1):
        sigma, sigma_next = sigmas[i], sigmas[i + 1]
        denoised = run.denoise(x, sigma)
        run.report(x, i, sigma, denoised)
        if sigma_next == 0:
            # Denoising step.
            x = denoised
        else:
            x, h, h_eta = _sde_step(x, sigma, sigma_next, denoised, eta)
            phi_2 = h_eta.neg().expm1() / h_eta + 1
            # h_2 set implies h_1, denoised_1 and denoised_2 set; h_1 set implies denoised_1.
            if (
                h_2 is not None
                and h_1 is not None
                and denoised_1 is not None
                and denoised_2 is not None
            ):
                # 3rd order: first and second divided differences of D in lambda.
                r0, r1 = h_1 / h, h_2 / h
                d1_0 = (denoised - denoised_1) / r0
                d1_1 = (denoised_1 - denoised_2) / r1
                d1 = d1_0 + (d1_0 - d1_1) * r0 / (r0 + r1)
                d2 = (d1_0 - d1_1) / (r0 + r1)
                phi_3 = phi_2 / h_eta - 0.5
                x = x + phi_2 * d1 - phi_3 * d2
            elif h_1 is not None and denoised_1 is not None:
                # 2nd order.
                x = x + phi_2 * ((denoised - denoised_1) / (h_1 / h))
            if eta > 0 and s_noise > 0:
                x = x + _sde_noise(run.noise, sigma, sigma_next, h, eta, s_noise)
        denoised_1, denoised_2 = denoised, denoised_1
        h_1, h_2 = h, h_1
    return x
