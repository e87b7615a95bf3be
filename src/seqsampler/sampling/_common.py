"""Small helpers shared by the samplers (k-diffusion's vocabulary: to_d, ancestral step)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch import Tensor

Model = Callable[..., Tensor]
Callback = Callable[[dict[str, Any]], None]


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


def report(
    callback: Callback | None, x: Tensor, i: int, sigma: Tensor, sigma_hat: Tensor, denoised: Tensor
) -> None:
    """Call `callback` with the stable payload {x, i, sigma, sigma_hat, denoised}."""
    if callback is not None:
        callback({"x": x, "i": i, "sigma": sigma, "sigma_hat": sigma_hat, "denoised": denoised})


def args(extra_args: Mapping[str, Any] | None) -> dict[str, Any]:
    return {} if extra_args is None else dict(extra_args)
