"""Name -> function registries for samplers and schedules, keyed by ComfyUI's combo strings.

One decorator sits beside each definition and carries the metadata a host needs, so adding a
sampler or schedule touches one place. `SAMPLERS` and `SCHEDULERS` are read-only views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import torch
from torch import Tensor

from ._common import Callback, Model, Run
from .noise_samplers import NoiseFactory, NoiseSampler


@dataclass(frozen=True)
class SamplerEntry:
    """A registered sampler; calling it is the one sampler signature (`__call__`).

    fn: the body, `fn(x [B, C, ...], sigmas [N + 1], run, **options) -> x` (`_common.Run`).
    noise: builds a stochastic sampler's default noise sampler from `extra_args["seed"]`
    (noise_samplers); None for a deterministic sampler. Stochastic samplers invert with euler.
    discard_penultimate: ComfyUI builds `steps + 1` sigmas and drops the penultimate one.
    Which sampler inverts a frame is `sampling.inversion`'s decision.
    """

    name: str
    fn: Callable[..., Tensor]
    noise: NoiseFactory | None = None
    discard_penultimate: bool = False

    @property
    def stochastic(self) -> bool:
        """Adds noise per step (seeded from `extra_args["seed"]`)."""
        return self.noise is not None

    @torch.no_grad()
    def __call__(
        self,
        model: Model,
        x: Tensor,
        sigmas: Tensor,
        extra_args: Mapping[str, Any] | None = None,
        callback: Callback | None = None,
        noise_sampler: NoiseSampler | None = None,
        **options: Any,
    ) -> Tensor:
        """Sample x [B, C, ...] from noise level sigmas[0] through sigmas [N + 1] to sigmas[-1].

        model(x, sigma [B], **extra_args) -> denoised [B, C, ...]. callback gets {x, i, sigma,
        sigma_hat, denoised} once per step. A stochastic sampler seeds its noise from
        extra_args["seed"] unless noise_sampler(sigma, sigma_next) is given. options: the
        sampler's own keywords (eta, s_noise, order, r). No autograd; the body gets a `Run`.
        """
        extra = {} if extra_args is None else dict(extra_args)
        if noise_sampler is None and self.noise is not None:
            noise_sampler = self.noise(x, sigmas, extra, self.name)
        run = Run(model, extra, x.new_ones([x.shape[0]]), callback, noise_sampler)
        return self.fn(x, sigmas, run, **options)


@dataclass(frozen=True)
class ScheduleEntry:
    """A registered schedule: `fn(sigma_space, steps) -> sigmas [<= steps + 1]` ending in 0."""

    name: str
    fn: Callable[..., Tensor]

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        return self.fn(*args, **kwargs)


_SAMPLERS: dict[str, SamplerEntry] = {}
_SCHEDULERS: dict[str, ScheduleEntry] = {}
SAMPLERS: Mapping[str, SamplerEntry] = MappingProxyType(_SAMPLERS)
SCHEDULERS: Mapping[str, ScheduleEntry] = MappingProxyType(_SCHEDULERS)


def sampler(
    name: str,
    *,
    noise: NoiseFactory | None = None,
    discard_penultimate: bool = False,
) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Register a sampler body under ComfyUI's `name` (stochastic when given its `noise`)."""

    def register(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        if name in _SAMPLERS:
            raise ValueError(f"sampler {name!r} is registered twice")
        _SAMPLERS[name] = SamplerEntry(name, fn, noise, discard_penultimate)
        return fn

    return register


def schedule(name: str) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Register a schedule function under ComfyUI's `name`."""

    def register(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        if name in _SCHEDULERS:
            raise ValueError(f"scheduler {name!r} is registered twice")
        _SCHEDULERS[name] = ScheduleEntry(name, fn)
        return fn

    return register


def get_sampler(name: str) -> SamplerEntry:
    """The sampler registered as `name`; ValueError listing the supported names otherwise."""
    if name not in _SAMPLERS:
        raise ValueError(
            f"unknown sampler_name {name!r}; supported samplers: {', '.join(_SAMPLERS)}"
        )
    return _SAMPLERS[name]


def get_scheduler(name: str) -> ScheduleEntry:
    """The schedule registered as `name`; ValueError listing the supported names otherwise."""
    if name not in _SCHEDULERS:
        raise ValueError(
            f"unknown scheduler {name!r}; supported schedulers: {', '.join(_SCHEDULERS)}"
        )
    return _SCHEDULERS[name]
