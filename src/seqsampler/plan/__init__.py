"""The planner: `SequenceConfig` -> `plan()` -> `Plan`. Standard library only (no torch)."""

from __future__ import annotations

import sys
import types

from .config import FIELD_HELP, SCHEDULE_KNOBS, FieldSpec, SequenceConfig, field_names, field_specs
from .names import (
    LATENT_INTERP_MODES,
    PATHS,
    SAMPLER_NAMES,
    SCHEDULER_NAMES,
    SEED_KEYING_MODES,
    SEED_MODES,
    register_names,
    sampler_names,
    scheduler_names,
)
from .planner import FramePlan, LatentInterp, Plan, plan
from .seeds import inject_seed, random_seed

__all__ = [
    "FIELD_HELP",
    "LATENT_INTERP_MODES",
    "PATHS",
    "SAMPLER_NAMES",
    "SCHEDULER_NAMES",
    "SCHEDULE_KNOBS",
    "SEED_KEYING_MODES",
    "SEED_MODES",
    "FieldSpec",
    "FramePlan",
    "LatentInterp",
    "Plan",
    "SequenceConfig",
    "field_names",
    "field_specs",
    "inject_seed",
    "plan",
    "random_seed",
    "register_names",
    "sampler_names",
    "scheduler_names",
]


class _CallablePackage(types.ModuleType):
    """`seqsampler.plan` is both this package and the public function `plan` (re-exported
    lazily by `seqsampler`): once the package is imported, Python binds `seqsampler.plan` to
    the package, so the package forwards calls to `plan()`."""

    def __call__(self, config: SequenceConfig) -> Plan:
        return plan(config)


sys.modules[__name__].__class__ = _CallablePackage
