"""`SequenceConfig`: every knob of the KSampler Sequence (v2) node, validated once, immutable.

The 24 widget inputs keep the node's names, defaults and ranges (behaviour.md §0, the table in
`fields.py`); the counts of the two conditioning lists and optional per-frame `schedules`
complete the config. Every `ValueError` names the field, the bad value and what is accepted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import InitVar, dataclass, field, fields
from typing import Any

from .fields import (
    FIELDS,
    MAX_FRAMES,
    MAX_KEYFRAMES,
    OPTIONAL_FIELDS,
    SCHEDULE_KNOBS,
    SPECS,
    FieldSpec,
    switch_advice,
    switch_is_on,
)
from .messages import short_repr
from .names import SEED_LIMIT


def range_text(low: float | None, high: float | None) -> str:
    """`in [low, high]` for messages (`>= low` when there is no high end; the seeds' range)."""
    if high is None:
        return f">= {low}"
    if high == SEED_LIMIT - 1:
        return "in [0, 2**64)"
    return f"in [{low}, {high}]"


def _check_int(name: str, value: Any, low: float | None, high: float | None) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool)
    if ok and low is not None and value < low:
        ok = False
    if ok and high is not None and value > high:
        ok = False
    if not ok:
        raise ValueError(f"{name} must be an int {range_text(low, high)}; got {short_repr(value)}")
    return int(value)


def _check_float(name: str, value: Any, low: float, high: float) -> float:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be a number in [{low}, {high}]; got {short_repr(value)}")
    return float(value)


def _check_keyframes(value: Any) -> tuple[int, ...]:
    items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ValueError(
            f"cond_keyframes must be an int or a list of ints; got {short_repr(value)}"
        )
    if len(items) > MAX_KEYFRAMES:
        raise ValueError(
            f"cond_keyframes must hold at most {MAX_KEYFRAMES} entries; got {len(items)}"
        )
    for item in items:
        if not isinstance(item, int) or isinstance(item, bool):
            raise ValueError(
                f"cond_keyframes must be an int or a list of ints; got {short_repr(value)} "
                f"(bad item {short_repr(item)})"
            )
    return tuple(int(item) for item in items)


MAX_PATH_CHARS = 4096  # PATH_MAX


def _check_path(name: str, value: Any) -> str:
    """A file or folder path as text ("" = off); no NUL, at most MAX_PATH_CHARS characters. Its
    existence is the front door's check (the CLI's spec checks, before any model work)."""
    if not isinstance(value, str) or "\0" in value or len(value) > MAX_PATH_CHARS:
        raise ValueError(
            f"{name} must be a path (text without NUL, at most {MAX_PATH_CHARS} characters) or "
            f'"" (off); got {short_repr(value)}'
        )
    return value


def _check_field(spec: FieldSpec, value: Any, choices: Sequence[str] | None = None) -> Any:
    if spec.kind == "int":
        return _check_int(spec.name, value, spec.low, spec.high)
    if spec.kind == "float":
        assert spec.low is not None and spec.high is not None
        return _check_float(spec.name, value, spec.low, spec.high)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{spec.name} must be a bool (true or false); got {short_repr(value)}")
        return value
    if spec.kind == "choice":
        choices = spec.choices if choices is None else choices
        if value not in choices:
            raise ValueError(
                f"{spec.name} must be one of {', '.join(choices)}; got {short_repr(value)}"
            )
        return value
    if spec.kind == "keyframes":
        return _check_keyframes(value)
    if spec.kind == "path":
        return _check_path(spec.name, value)
    raise AssertionError(spec.kind)


@dataclass(frozen=True)
class SequenceConfig:
    """Every knob of the node (widget inputs by their node names), validated and immutable.

    `cond_keyframes` is stored as a tuple of ints (an int input becomes a 1-tuple).
    `schedules` is stored as a sorted tuple of `(knob, values)` pairs; read it with
    `schedule(knob)`. Its lengths must equal `frame_total` (behaviour.md §1).
    `accepted_samplers` / `accepted_schedulers` (not stored) replace ComfyUI's built-in name
    lists for this validation: a host passes its live lists, which custom nodes extend.
    """

    seed: int = 0
    seed_mode_seq: str = "increment"
    alternate_values: bool = True
    steps: int = 20
    cfg: float = 8.0
    sampler_name: str = "euler"
    scheduler: str = "simple"
    frame_count: int = 0
    cond_keyframes: Any = 0
    use_conditioning_slerp: bool = False
    cond_slerp_strength: float = 0.5
    use_latent_interpolation: bool = False
    latent_interpolation_mode: str = "Blend"
    latent_interp_strength: float = 0.5
    denoise_start: float = 1.0
    denoise_seq: float = 0.5
    unsample_latents: bool = False
    inject_noise: bool = True
    noise_strength: float = 0.1
    denoise_sine: bool = True
    denoise_max: float = 0.9
    seed_keying: bool = True
    seed_keying_mode: str = "sine"
    seed_divisor: int = 4
    positive_count: int = 1
    negative_count: int = 1
    color_coherence: str = "none"
    color_coherence_anchor: str = "first"
    color_coherence_strength: float = 1.0
    loop_frames: int = 0
    init_video: str = ""
    video_mode: str = "hybrid"
    video_strength: float = 0.5
    color_coherence_source: str = "frame"
    zoom: float = 1.0
    angle: float = 0.0
    translation_x: float = 0.0
    translation_y: float = 0.0
    transform_center_x: float = 0.5
    transform_center_y: float = 0.5
    motion_border: str = "replicate"
    motion_space: str = "pixel"
    perspective_flip: bool = False
    perspective_flip_theta: float = 0.0
    perspective_flip_phi: float = 0.0
    perspective_flip_gamma: float = 0.0
    perspective_flip_fv: float = 53.0
    noise_warp: bool = False
    contrast: float = 1.0
    sharpen_amount: float = 0.0
    sharpen_kernel: int = 5
    sharpen_sigma: float = 1.0
    sharpen_threshold: float = 0.0
    cadence: int = 1
    cadence_flow: bool = False
    schedules: Any = field(default=None)
    accepted_samplers: InitVar[Sequence[str] | None] = None
    accepted_schedulers: InitVar[Sequence[str] | None] = None

    def __post_init__(
        self, accepted_samplers: Sequence[str] | None, accepted_schedulers: Sequence[str] | None
    ) -> None:
        accepted = {"sampler_name": accepted_samplers, "scheduler": accepted_schedulers}
        for spec in FIELDS:
            if spec.kind == "schedules":
                continue
            value = _check_field(spec, getattr(self, spec.name), accepted.get(spec.name))
            object.__setattr__(self, spec.name, value)
        if self.frame_count == 0 and self.positive_count > MAX_FRAMES:
            raise ValueError(
                f"frame_count 0 infers {self.positive_count} frames from positive_count; "
                f"accepted: at most {MAX_FRAMES} frames (fewer prompts, or a frame_count)"
            )
        if self.loop_frames >= self.frame_total:
            raise ValueError(
                f"loop_frames must be less than the frame count ({self.frame_total}); got "
                f"{self.loop_frames}; accepted: 0 (off) .. {self.frame_total - 1}"
            )
        if self.color_coherence_source == "video" and not self.init_video:
            raise ValueError(
                'color_coherence_source "video" matches each frame to its input frame, but '
                'init_video is ""; accepted: set init_video, or color_coherence_source "frame"'
            )
        object.__setattr__(self, "schedules", self._checked_schedules(self.schedules))
        kernels = self.schedule("sharpen_kernel") or (self.sharpen_kernel,)
        for frame, kernel in enumerate(kernels):
            if kernel % 2 == 0:
                where = "" if self.schedule("sharpen_kernel") is None else f" at frame {frame}"
                raise ValueError(
                    f"sharpen_kernel must be an odd int (a Gaussian's size){where}; got {kernel}"
                )

    @property
    def frame_total(self) -> int:
        """N: `frame_count` when > 0, else the number of positive prompts (§1)."""
        return self.frame_count if self.frame_count > 0 else self.positive_count

    def schedule(self, knob: str) -> tuple[Any, ...] | None:
        """The per-frame values given for `knob`, or None."""
        return dict(self.schedules).get(knob)

    def frame_value(self, knob: str, index: int, rule: Any) -> Any:
        """Frame `index`'s value of `knob`: its schedule's when one is given, else `rule` (the
        node's rule for that frame)."""
        values = self.schedule(knob)
        return rule if values is None else values[index]

    def _checked_schedules(self, value: Any) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        if value is None:
            return ()
        if isinstance(value, tuple) and all(isinstance(p, tuple) for p in value):
            value = dict(value)
        if not isinstance(value, Mapping):
            raise ValueError(
                f"schedules must be a mapping of knob name to per-frame values; got {short_repr(value)}"
            )
        checked = {}
        for knob, values in value.items():
            if knob not in SCHEDULE_KNOBS:
                raise ValueError(
                    f"schedules has unknown knob {short_repr(knob)}; accepted: {', '.join(SCHEDULE_KNOBS)}"
                )
            kind, low, high, switch = SCHEDULE_KNOBS[knob]
            if switch is not None and not switch_is_on(self, switch):
                raise ValueError(
                    f"schedules[{knob!r}] has no effect while {switch} is off; "
                    f"{switch_advice(switch)} or drop the schedule"
                )
            if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
                raise ValueError(
                    f"schedules[{knob!r}] must be a list of values; got {short_repr(values)}"
                )
            if len(values) != self.frame_total:
                raise ValueError(
                    f"schedules[{knob!r}] must have one value per frame ({self.frame_total}); "
                    f"got {len(values)}"
                )
            check = _check_int if kind == "int" else _check_float
            checked[knob] = tuple(
                check(f"schedules[{knob!r}][{i}]", v, low, high) for i, v in enumerate(values)
            )
        return tuple(sorted(checked.items()))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (lists for tuples) that `from_dict` turns back into this config."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "cond_keyframes":
                value = list(value)
            elif item.name == "schedules":
                value = {knob: list(values) for knob, values in value} or None
            elif item.name in OPTIONAL_FIELDS and value == SPECS[item.name].default:
                continue
            out[item.name] = value
        return out

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        *,
        accepted_samplers: Sequence[str] | None = None,
        accepted_schedulers: Sequence[str] | None = None,
    ) -> SequenceConfig:
        """Build from a dict of field values (missing fields take the node's defaults);
        `accepted_samplers` / `accepted_schedulers` as the constructor takes them."""
        unknown = sorted(set(data) - set(SPECS))
        if unknown:
            raise ValueError(
                f"unknown config field(s) {', '.join(unknown)}; accepted: {', '.join(SPECS)}"
            )
        return cls(
            **data, accepted_samplers=accepted_samplers, accepted_schedulers=accepted_schedulers
        )
