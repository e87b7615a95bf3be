"""Noise schedules: `(sigma_space, steps) -> sigmas`, descending and ending in exactly 0.

Each is registered under ComfyUI's scheduler name and gives ComfyUI's values for the same model
sigma table (the float32 arithmetic is kept in the same order). Length is `steps + 1`, except
`beta`, which drops repeated timesteps, and `ddim_uniform`, whose stride rounds.
Never change a committed schedule's output: add a new name instead.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .beta_dist import beta_ppf
from .registry import get_scheduler, schedule
from .sigma_space import SigmaSpace


def _append_zero(sigmas: Tensor) -> Tensor:
    return torch.cat([sigmas, sigmas.new_zeros([1])])


def sd_sigma_space() -> SigmaSpace:
    """Stable Diffusion 1.x/2.x sigma table: 1000 scaled-linear betas from 0.00085 to 0.012."""
    return SigmaSpace.scaled_linear(0.00085, 0.012, 1000)


def calculate_sigmas(sigma_space: SigmaSpace, scheduler_name: str, steps: int) -> Tensor:
    """The `scheduler_name` schedule of `steps` steps for `sigma_space` (float32, ends in 0)."""
    entry = get_scheduler(scheduler_name)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be an int >= 1; got {steps!r}")
    return entry(sigma_space, steps)


@schedule("normal")
def get_sigmas_normal(space: SigmaSpace, n: int) -> Tensor:
    """Timesteps uniform from t(sigma_max) to t(sigma_min), endpoints included, then 0."""
    start = float(space.timestep(space.sigma_max))
    end = float(space.timestep(space.sigma_min))
    if math.isclose(float(space.sigma(torch.tensor(end))), 0, abs_tol=1e-5):
        return space.sigma(torch.linspace(start, end, n + 1))  # table already reaches 0
    return _append_zero(space.sigma(torch.linspace(start, end, n)))


@schedule("sgm_uniform")
def get_sigmas_sgm_uniform(space: SigmaSpace, n: int) -> Tensor:
    """Timesteps uniform over n + 1 points from t(sigma_max), the last dropped, then 0 (SGM)."""
    start = float(space.timestep(space.sigma_max))
    end = float(space.timestep(space.sigma_min))
    return _append_zero(space.sigma(torch.linspace(start, end, n + 1)[:-1]))


@schedule("karras")
def get_sigmas_karras(space: SigmaSpace, n: int, rho: float = 7.0) -> Tensor:
    """Karras et al. (2022) Eq. 5: uniform in sigma^(1/rho) from sigma_max to sigma_min, then 0."""
    sigma_min, sigma_max = float(space.sigma_min), float(space.sigma_max)
    ramp = torch.linspace(0, 1, n)
    min_inv_rho, max_inv_rho = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    return _append_zero((max_inv_rho + ramp * (min_inv_rho - max_inv_rho)) ** rho)


@schedule("exponential")
def get_sigmas_exponential(space: SigmaSpace, n: int) -> Tensor:
    """Uniform in log sigma from sigma_max to sigma_min, then 0."""
    sigma_min, sigma_max = float(space.sigma_min), float(space.sigma_max)
    return _append_zero(torch.linspace(math.log(sigma_max), math.log(sigma_min), n).exp())


@schedule("simple")
def get_sigmas_simple(space: SigmaSpace, n: int) -> Tensor:
    """Every (T/n)-th table sigma from the top, then 0."""
    stride = len(space.sigmas) / n
    picked = [float(space.sigmas[-(1 + int(i * stride))]) for i in range(n)]
    return torch.tensor([*picked, 0.0], dtype=torch.float32)


@schedule("ddim_uniform")
def get_sigmas_ddim_uniform(space: SigmaSpace, n: int) -> Tensor:
    """DDIM's uniform timestep skip (Song et al. 2021): table indices 1, 1+c, 1+2c, ..., c=T//n."""
    table = space.sigmas
    if math.isclose(float(table[1]), 0, abs_tol=1e-5):
        n, ascending = n + 1, []
    else:
        ascending = [0.0]
    stride = max(len(table) // n, 1)
    ascending += [float(table[i]) for i in range(1, len(table), stride)]
    return torch.tensor(ascending[::-1], dtype=torch.float32)


@schedule("beta")
def get_sigmas_beta(space: SigmaSpace, n: int, alpha: float = 0.6, beta: float = 0.6) -> Tensor:
    """Timesteps at Beta(alpha, beta) quantiles (Lee et al. 2024, arXiv:2407.12173), then 0.

    Repeated rounded timesteps are dropped, so the result can be shorter than n + 1.
    """
    last_index = len(space.sigmas) - 1
    picked: list[float] = []
    previous = -1.0
    for k in range(n):
        t = float(round(beta_ppf(1.0 - k * (1.0 / n), alpha, beta) * last_index))
        if t != previous:
            picked.append(float(space.sigmas[int(t)]))
        previous = t
    return torch.tensor([*picked, 0.0], dtype=torch.float32)


@schedule("linear_quadratic")
def get_sigmas_linear_quadratic(
    space: SigmaSpace, n: int, threshold_noise: float = 0.025, linear_steps: int | None = None
) -> Tensor:
    """Mochi's schedule (Genmo 2024): sigma/sigma_max falls linearly to `threshold_noise`
    over the first half of the steps, then quadratically to 0."""
    if n == 1:
        return torch.tensor([1.0, 0.0], dtype=torch.float32) * space.sigma_max
    m = n // 2 if linear_steps is None else linear_steps
    linear = [i * threshold_noise / m for i in range(m)]
    step_diff = m - threshold_noise * n
    q = n - m
    quadratic_coef = step_diff / (m * q**2)
    linear_coef = threshold_noise / m - 2 * step_diff / q**2
    const = quadratic_coef * m**2
    quadratic = [quadratic_coef * i**2 + linear_coef * i + const for i in range(m, n)]
    levels = [1.0 - v for v in [*linear, *quadratic, 1.0]]
    return torch.tensor(levels, dtype=torch.float32) * space.sigma_max


@schedule("kl_optimal")
def get_sigmas_kl_optimal(space: SigmaSpace, n: int) -> Tensor:
    """KL-optimal schedule (Sabour et al. 2024, "Align Your Steps"): uniform in arctan(sigma).

    At n = 1 it is [sigma_max, 0] (ComfyUI 0.3.64 divides by n - 1 = 0 and returns NaN there).
    """
    sigma_min, sigma_max = float(space.sigma_min), float(space.sigma_max)
    w = torch.arange(n, dtype=torch.float32).div_(max(n - 1, 1))
    sigmas = w.new_zeros(n + 1)
    sigmas[:-1] = (w * math.atan(sigma_min) + (1 - w) * math.atan(sigma_max)).tan_()
    return sigmas
