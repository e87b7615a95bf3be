"""The plan's data: `Plan` (one `FramePlan` per frame) and its JSON, what `--dry-run` prints and
what is saved beside the frames (field meanings: docs/architecture.md, docs/planner.md).

Pure Python (no torch). A plan read back with `Plan.from_json` equals the one written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from .cadence import FrameBetween
from .camera_knobs import FrameMotion
from .config import SequenceConfig
from .names import (
    COLOR_COHERENCE_MODES,
    DEFAULT_DENOISE_MODE,
    DENOISE_MODES,
    PATHS,
    VIDEO_MODES,
)

PLAN_VERSION = 1


@dataclass(frozen=True)
class LatentInterp:
    """Latent interpolation of a frame (§8): `mode` (Blend, Slerp, Cosine Interp), `strength`
    (the weight of the new sample)."""

    mode: str
    strength: float


@dataclass(frozen=True)
class ColorMatch:
    """Colour coherence of a frame's output before it feeds the next frame: match its colours
    in `mode` (rgb, hsv, lab: histograms of the image; latent: the latent's per-channel mean
    and std) to the output of frame `anchor`, blended by `strength`."""

    mode: str
    anchor: int
    strength: float


@dataclass(frozen=True)
class FrameVideo:
    """What a frame's input is with a video input (docs/behaviour.md §14): input frame `frame`;
    `mode` init (frame 0: the input frame itself, encoded), independent (the input frame
    alone) or hybrid (the previous output carried along the video's flow from the previous
    frame's input frame to this one, the input frame where the flow is unreliable, blended
    with the input frame by `strength`, its weight; 1.0 for init and independent); `color`:
    the input's colours matched to input frame `color.anchor` (color_coherence_source video),
    or None."""

    frame: int
    mode: str
    strength: float
    color: ColorMatch | None = None

    def __post_init__(self) -> None:
        if self.mode not in VIDEO_FRAME_MODES:
            raise ValueError(
                f"video.mode must be one of {', '.join(VIDEO_FRAME_MODES)}; got {self.mode!r}"
            )


VIDEO_FRAME_MODES = ("init", *VIDEO_MODES)


# FramePlan fields added after plan version 1: left out of the JSON when None (off), so plans
# that do not use them read exactly as before.
_OPTIONAL_FRAME_FIELDS = ("color", "loop", "motion", "video", "between")


@dataclass(frozen=True)
class FramePlan:
    """One frame of the plan (field meanings: docs/architecture.md, docs/planner.md)."""

    frame: int
    seed: int
    denoise: float
    start_step: int
    path: str
    positive: int
    negative: int
    glide: float | None
    inject_noise_seed: int | None
    noise_strength: float | None
    steps: int
    cfg: float
    interp: LatentInterp | None
    sample_steps: int
    unsample_steps: int
    color: ColorMatch | None = None
    loop: float | None = None
    motion: FrameMotion | None = None
    video: FrameVideo | None = None
    between: FrameBetween | None = None  # cadence: made from its diffused neighbours

    def __post_init__(self) -> None:
        # Noise is injected exactly when both are set (`inject_noise` reads them together).
        if (self.inject_noise_seed is None) != (self.noise_strength is None):
            raise ValueError(
                "inject_noise_seed and noise_strength must both be null or both be set; got "
                f"{self.inject_noise_seed!r} and {self.noise_strength!r}"
            )

    @property
    def model_steps(self) -> int:
        """The model's steps for this frame: sample + unsample steps, 0 for a frame made
        between two diffused ones (cadence)."""
        return 0 if self.between is not None else self.sample_steps + self.unsample_steps

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in _OPTIONAL_FRAME_FIELDS:
            if out[name] is None:
                del out[name]
        if "video" in out and out["video"]["color"] is None:
            del out["video"]["color"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FramePlan:
        values: dict[str, Any] = {
            item.name: data.get(item.name)
            if item.name in _OPTIONAL_FRAME_FIELDS
            else data[item.name]
            for item in fields(cls)
        }
        if values["path"] not in PATHS:
            raise ValueError(f"path must be one of {', '.join(PATHS)}; got {values['path']!r}")
        if values["interp"] is not None:
            values["interp"] = LatentInterp(**values["interp"])
        color = values["color"]
        if color is not None:
            if color.get("mode") not in COLOR_COHERENCE_MODES[1:]:
                raise ValueError(
                    f"color.mode must be one of {', '.join(COLOR_COHERENCE_MODES[1:])}; "
                    f"got {color.get('mode')!r}"
                )
            values["color"] = ColorMatch(**color)
        if values["motion"] is not None:
            values["motion"] = _motion_from_dict(values["motion"])
        if values["video"] is not None:
            values["video"] = _video_from_dict(values["video"])
        if values["between"] is not None:
            values["between"] = FrameBetween(**values["between"])
        return cls(**values)


def _record_keys(name: str, record: type, data: Any) -> Mapping[str, Any]:
    """`data` if it is an object whose keys are fields of `record`, else ValueError naming them."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{name} must be an object; got {type(data).__name__}")
    known = sorted(item.name for item in fields(record))
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(
            f"{name} has unknown key(s) {', '.join(unknown)}; accepted: {', '.join(known)}"
        )
    return data


def _motion_from_dict(data: Any) -> FrameMotion:
    """A frame's `motion` record read back (unknown keys and bad names refused)."""
    return FrameMotion(**_record_keys("motion", FrameMotion, data))


def _video_from_dict(data: Any) -> FrameVideo:
    """A frame's `video` record read back (unknown keys refused)."""
    data = _record_keys("video", FrameVideo, data)
    color = data.get("color")
    return FrameVideo(**{**data, "color": None if color is None else ColorMatch(**color)})


@dataclass(frozen=True)
class Plan:
    """The whole sequence: its config, N, the effective keyframes, and one `FramePlan` per frame."""

    config: SequenceConfig
    frame_count: int
    keyframes: tuple[int, ...]
    frames: tuple[FramePlan, ...]
    denoise_mode: str = DEFAULT_DENOISE_MODE

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (what `--dry-run` prints and what is saved beside the frames);
        `denoise_mode` is written only when it is not the default (`DEFAULT_DENOISE_MODE`)."""
        out: dict[str, Any] = {
            "version": PLAN_VERSION,
            "frame_count": self.frame_count,
            "keyframes": list(self.keyframes),
            "config": self.config.to_dict(),
            "frames": [frame.to_dict() for frame in self.frames],
        }
        if self.denoise_mode != DEFAULT_DENOISE_MODE:
            out["denoise_mode"] = self.denoise_mode
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(
        cls,
        data: str | Mapping[str, Any],
        *,
        accepted_samplers: Sequence[str] | None = None,
        accepted_schedulers: Sequence[str] | None = None,
    ) -> Plan:
        """Inverse of `to_json` / `to_dict`; `accepted_samplers` / `accepted_schedulers` as for
        `SequenceConfig.from_dict`."""
        plan_data = json.loads(data) if isinstance(data, str) else data
        if not isinstance(plan_data, Mapping):
            raise ValueError(f"a plan must be a JSON object; got {type(plan_data).__name__}")
        if plan_data.get("version") != PLAN_VERSION:
            raise ValueError(
                f"plan version must be {PLAN_VERSION}; got {plan_data.get('version')!r}"
            )
        frames = tuple(FramePlan.from_dict(frame) for frame in plan_data["frames"])
        if len(frames) != plan_data["frame_count"]:
            raise ValueError(
                f"frames must hold frame_count ({plan_data['frame_count']}) entries; got {len(frames)}"
            )
        return cls(
            SequenceConfig.from_dict(
                plan_data["config"],
                accepted_samplers=accepted_samplers,
                accepted_schedulers=accepted_schedulers,
            ),
            plan_data["frame_count"],
            tuple(plan_data["keyframes"]),
            frames,
            check_denoise_mode(plan_data.get("denoise_mode", DEFAULT_DENOISE_MODE)),
        )


def check_denoise_mode(mode: Any) -> str:
    """`mode` if it is one of `DENOISE_MODES`, else ValueError."""
    if not isinstance(mode, str) or mode not in DENOISE_MODES:
        raise ValueError(f"denoise_mode must be one of {', '.join(DENOISE_MODES)}; got {mode!r}")
    return mode
