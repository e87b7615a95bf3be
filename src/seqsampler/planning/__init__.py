"""The planner: `SequenceConfig` -> `plan()` -> `Plan`. Standard library only (no torch)."""

from __future__ import annotations

from .camera_knobs import FrameMotion
from .config import SequenceConfig
from .fields import (
    FIELD_HELP,
    MAX_LOOP_FRAMES,
    SCHEDULE_KNOBS,
    FieldSpec,
    field_names,
    field_specs,
)
from .names import (
    COLOR_ANCHORS,
    COLOR_COHERENCE_MODES,
    DENOISE_MODES,
    LATENT_INTERP_MODES,
    MOTION_BORDERS,
    MOTION_SPACES,
    PATHS,
    SAMPLER_NAMES,
    SCHEDULER_NAMES,
    SEED_KEYING_MODES,
    SEED_LIMIT,
    SEED_MODES,
    VIDEO_MODES,
)
from .plan_data import (
    ColorMatch,
    FramePlan,
    FrameVideo,
    LatentInterp,
    Plan,
    check_denoise_mode,
)
from .planner import plan
from .seeds import inject_seed, random_seed, step_seed, warp_seed
from .temporal import loop_weight

__all__ = [
    "DENOISE_MODES",
    "check_denoise_mode",
    "COLOR_ANCHORS",
    "COLOR_COHERENCE_MODES",
    "ColorMatch",
    "MAX_LOOP_FRAMES",
    "loop_weight",
    "FIELD_HELP",
    "LATENT_INTERP_MODES",
    "MOTION_BORDERS",
    "MOTION_SPACES",
    "PATHS",
    "SAMPLER_NAMES",
    "SCHEDULER_NAMES",
    "SCHEDULE_KNOBS",
    "SEED_KEYING_MODES",
    "SEED_LIMIT",
    "SEED_MODES",
    "VIDEO_MODES",
    "FieldSpec",
    "FrameMotion",
    "FramePlan",
    "FrameVideo",
    "LatentInterp",
    "Plan",
    "SequenceConfig",
    "check_denoise_mode",
    "field_names",
    "field_specs",
    "inject_seed",
    "plan",
    "random_seed",
    "step_seed",
    "warp_seed",
]
