"""A discrete-time model's noise levels in the variance-exploding sigma space (Karras et al. 2022).

sigma_t = sqrt((1 - alphabar_t) / alphabar_t) for the DDPM timesteps t (Ho et al. 2020); the
schedules, the KSampler step logic and the denoisers all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

TIMESTEP_MEMO_ITEMS = 64  # sigma tensors up to this size have their timesteps remembered
TIMESTEP_MEMO_SIZE = 4096  # remembered sigma tensors at most (then forgotten, all at once)


@dataclass(frozen=True, eq=False)
class SigmaSpace:
    """A discrete-time model's noise levels: `sigmas` [T] ascending (float32), timestep t = index.

    `timestep(sigma)` is the nearest table index in log sigma (ComfyUI's quantisation);
    `sigma(t)` interpolates log sigma linearly between neighbouring indices.
    """

    sigmas: Tensor
    log_sigmas: Tensor = field(init=False, repr=False)
    _timesteps: dict[tuple, Tensor] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.sigmas.ndim != 1 or self.sigmas.numel() < 2:
            raise ValueError(
                f"sigmas must be a 1-D table of >= 2 values; got {tuple(self.sigmas.shape)}"
            )
        if not bool((self.sigmas[1:] > self.sigmas[:-1]).all()) or not bool(
            (self.sigmas > 0).all()
        ):
            raise ValueError("sigmas must be positive and strictly ascending")
        object.__setattr__(self, "sigmas", self.sigmas.float())
        object.__setattr__(self, "log_sigmas", self.sigmas.log().float())

    @classmethod
    def from_betas(cls, betas: Tensor) -> SigmaSpace:
        """sigma_t = sqrt((1 - alphabar_t) / alphabar_t), alphabar_t = prod(1 - beta) (Ho et al. 2020)."""
        alphas_cumprod = torch.cumprod(1.0 - betas.double(), dim=0)
        return cls((((1 - alphas_cumprod) / alphas_cumprod) ** 0.5).float())

    @classmethod
    def scaled_linear(
        cls, beta_start: float = 0.00085, beta_end: float = 0.012, num_timesteps: int = 1000
    ) -> SigmaSpace:
        """Stable Diffusion's "scaled linear" betas: linspace(sqrt(b0), sqrt(b1), T)^2 in float64."""
        betas = torch.linspace(beta_start**0.5, beta_end**0.5, num_timesteps, dtype=torch.float64)
        return cls.from_betas(betas**2)

    @property
    def sigma_min(self) -> Tensor:
        return self.sigmas[0]

    @property
    def sigma_max(self) -> Tensor:
        return self.sigmas[-1]

    def timestep(self, sigma: Tensor) -> Tensor:
        """Nearest table index to `sigma` in log space (any shape; int64 like `sigma`'s shape).
        Remembered per sigma value: a sampler asks for the same few sigmas every frame."""
        if sigma.numel() > TIMESTEP_MEMO_ITEMS:
            return self._nearest_timestep(sigma)
        key = (sigma.device, sigma.dtype, tuple(sigma.shape), tuple(sigma.reshape(-1).tolist()))
        found = self._timesteps.get(key)
        if found is None:
            if len(self._timesteps) >= TIMESTEP_MEMO_SIZE:
                self._timesteps.clear()
            found = self._timesteps[key] = self._nearest_timestep(sigma)
        return found.clone()

    def _nearest_timestep(self, sigma: Tensor) -> Tensor:
        log_sigma = sigma.log().to(self.log_sigmas.device)
        distances = (log_sigma.reshape(1, -1) - self.log_sigmas[:, None]).abs()
        return distances.argmin(dim=0).view(sigma.shape).to(sigma.device)

    def sigma(self, timestep: Tensor) -> Tensor:
        """sigma at a (fractional) timestep: log-linear interpolation of the table."""
        t = timestep.float().to(self.log_sigmas.device).clamp(0, len(self.sigmas) - 1)
        low, high, w = t.floor().long(), t.ceil().long(), t.frac()
        log_sigma = (1 - w) * self.log_sigmas[low] + w * self.log_sigmas[high]
        return log_sigma.exp().to(timestep.device)
