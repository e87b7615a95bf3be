"""Analytic denoisers: exact posterior means for Gaussian and Gaussian-mixture data."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


def _col(sigma: Tensor, x: Tensor) -> Tensor:
    return sigma.reshape(sigma.shape[:1] + (1,) * (x.ndim - 1)).to(x)


class GaussianDenoiser:
    """Data N(0, s^2): D(x, sigma) = x s^2 / (s^2 + sigma^2). PF-ODE solution
    x(sigma) = x(sigma_0) sqrt((s^2 + sigma^2) / (s^2 + sigma_0^2))."""

    def __init__(self, s: float = 0.5):
        self.s = s
        self.calls = 0

    def __call__(self, x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
        self.calls += 1
        return x * self.s**2 / (self.s**2 + _col(sigma, x) ** 2)

    def exact(self, x0: Tensor, sigma_0: float, sigma_1: float) -> Tensor:
        return x0 * ((self.s**2 + sigma_1**2) / (self.s**2 + sigma_0**2)) ** 0.5


class MixtureDenoiser:
    """Data: equal mixture of N(mu_k, s^2) per element; D is the posterior mean."""

    def __init__(self, mus: tuple[float, ...] = (-1.0, 1.0), s: float = 0.3):
        self.mus = torch.tensor(mus, dtype=torch.float64)
        self.s = s

    def __call__(self, x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
        var = self.s**2 + _col(sigma, x).double() ** 2  # [B, 1, ...]
        xd = x.double().unsqueeze(-1)
        logits = -((xd - self.mus) ** 2) / (2 * var.unsqueeze(-1))
        w = torch.softmax(logits, dim=-1)
        mean_k = self.mus + (self.s**2 / var.unsqueeze(-1)) * (xd - self.mus)
        return (w * mean_k).sum(-1).to(x.dtype)
