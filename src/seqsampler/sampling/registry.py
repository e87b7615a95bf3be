"""Name -> function registries for samplers and schedules, keyed by ComfyUI's combo strings.

One decorator sits beside each definition and carries the metadata a host needs, so adding a
sampler or schedule touches one place. `SAMPLERS` and `SCHEDULERS` are read-only views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from torch import Tensor


@dataclass(frozen=True)
class SamplerEntry:
    """A registered sampler: `fn(model, x, sigmas, extra_args, callback, disable, noise_sampler)`.

    stochastic: adds noise per step (seeded from `extra_args["seed"]`); inverts with euler.
    discard_penultimate: ComfyUI builds `steps + 1` sigmas and drops the penultimate one.
    Which sampler inverts a frame is `sampling.inversion`'s decision.
    """

    name: str
    fn: Callable[..., Tensor]
    stochastic: bool = False
    discard_penultimate: bool = False

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        return self.fn(*args, **kwargs)


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
    stochastic: bool = False,
    discard_penultimate: bool = False,
) -> Callable[[Callable[..., Tensor]], Callable[..., Tensor]]:
    """Register a sampler function under ComfyUI's `name`."""

    def register(fn: Callable[..., Tensor]) -> Callable[..., Tensor]:
        if name in _SAMPLERS:
            raise ValueError(f"sampler {name!r} is registered twice")
        _SAMPLERS[name] = SamplerEntry(name, fn, stochastic, discard_penultimate)
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
