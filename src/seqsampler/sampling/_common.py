"""What the samplers share: `Run` (a sampler body's view of one call) and k-diffusion's helpers.

A sampler is a body `fn(x [B, C, ...], sigmas [N + 1], run, **options) -> x [B, C, ...]`,
registered with `@sampler` (registry); callers call its registry entry with the one sampler
signature, `SamplerEntry.__call__(model, x, sigmas, extra_args, callback, noise_sampler)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import Tensor

from .noise_samplers import NoiseSampler

Model = Callable[..., Tensor]  # model(x [B, C, ...], sigma [B], **extra_args) -> denoised
Callback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Run:
    """One sampler call as its body sees it (built by `SamplerEntry.__call__`).

    denoise(x, sigma): the model with the call's extra_args.
    report(x, i, sigma, denoised): the call's callback, once per step.
    noise(sigma, sigma_next) -> N(0, I) like x: a stochastic sampler's noise, from
    `noise_sampler` (None for a deterministic sampler, whose body never asks for noise).
    """

    model: Model
    extra_args: dict[str, Any]
    s_in: Tensor  # ones [B] in x's dtype
    callback: Callback | None
    noise_sampler: NoiseSampler | None

    def noise(self, sigma: Tensor, sigma_next: Tensor) -> Tensor:
        """The noise sampler's draw for the step sigma -> sigma_next."""
        if self.noise_sampler is None:
            raise ValueError(
                "this sampler body draws noise but was registered without a noise factory "
                "(@sampler(..., noise=...)) and no noise_sampler was passed"
            )
        return self.noise_sampler(sigma, sigma_next)

    def denoise(self, x: Tensor, sigma: Tensor) -> Tensor:
        """D(x [B, C, ...]; sigma) [B, C, ...]; a scalar sigma [] is broadcast over the batch in
        x's dtype (k-diffusion's `sigma * s_in`), a sigma [B] is passed as it is."""
        sigma_b = sigma * self.s_in if sigma.ndim == 0 else sigma
        return self.model(x, sigma_b, **self.extra_args)

    def report(self, x: Tensor, i: int, sigma: Tensor, denoised: Tensor) -> None:
        """The stable payload {x, i, sigma, sigma_hat, denoised} of step i (no churn here, so
        sigma_hat = sigma) to the callback, if any."""
        if self.callback is not None:
            self.callback(
                {"x": x, "i": i, "sigma": sigma, "sigma_hat": sigma, "denoised": denoised}
            )


def append_dims(v: Tensor, ndim: int) -> Tensor:
    """v [...] with trailing singleton dims up to `ndim` dims (for broadcasting over x)."""
    return v[(...,) + (None,) * (ndim - v.ndim)]


def to_d(x: Tensor, sigma: Tensor, denoised: Tensor) -> Tensor:
    """Probability-flow ODE derivative dx/dsigma = (x - D(x; sigma)) / sigma (Karras Eq. 3)."""
    return (x - denoised) / append_dims(sigma, x.ndim)


def ancestral_step(sigma: Tensor, sigma_next: Tensor, eta: float = 1.0) -> tuple[Any, Any]:
    """(sigma_down, sigma_up) with sigma_down^2 + sigma_up^2 = sigma_next^2 (DDPM posterior)."""
    if not eta:
        return sigma_next, 0.0
    sigma_up = min(sigma_next, eta * (sigma_next**2 * (sigma**2 - sigma_next**2) / sigma**2) ** 0.5)
    sigma_down = (sigma_next**2 - sigma_up**2) ** 0.5
    return sigma_down, sigma_up
