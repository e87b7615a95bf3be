"""Schedules and samplers registered under ComfyUI's names, and ComfyUI's step semantics.

`SAMPLERS` / `SCHEDULERS` are read-only mappings from ComfyUI's combo strings to registry
entries (callable; samplers carry `stochastic` and `discard_penultimate`).
"""

from __future__ import annotations

from . import samplers, samplers_dpmpp, samplers_unipc  # noqa: F401  (register the samplers)
from .registry import SAMPLERS, SCHEDULERS, SamplerEntry, ScheduleEntry, get_sampler, get_scheduler
from .schedules import calculate_sigmas, sd_sigma_space

__all__ = [
    "SAMPLERS",
    "SCHEDULERS",
    "SamplerEntry",
    "ScheduleEntry",
    "calculate_sigmas",
    "get_sampler",
    "get_scheduler",
    "sd_sigma_space",
]
