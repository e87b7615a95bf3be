"""`plan(config) -> Plan`: what every frame of a sequence does, decided before any model work.

Pure Python (no torch). The rules are behaviour.md §1-§8; the decisions where it is silent are
in docs/planner.md. Per frame the plan says which prompts, how the conditioning glides, the
seed, the denoise, the path and exactly which sampler calls the frame sampler gets:

- `plain`: `sample(x, add_noise=True, denoise=d, start_step=0)` (ComfyUI's KSampler with
  denoise `d`: `steps` model steps, so `sample_steps = steps`). `start_step` is reported as
  round((1 - d) * steps) for information only; it is not passed on this path.
- `unsample`: `unsample(x, start_step=k)` then `sample(x, add_noise=False, denoise=1.0,
  start_step=k)`: `unsample_steps = sample_steps = steps - k` (§7).
- `plain` with `denoise_mode="steps"` (A1111 / Deforum): `sample(x, add_noise=True, denoise=1.0,
  start_step=k)`: `sample_steps = steps - k` model steps from sigma_k of the `steps`-step
  schedule (k = round((1 - d) * steps)); a frame whose k reaches `steps` is a copy. The frame
  chain tells the two apart by `sample_steps < steps` on a plain frame (never so in "comfyui").
- `copy`: denoise <= 0 (or an unsample frame with k >= steps): the frame is its input
  unchanged; no model work and no injected noise.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from .config import SequenceConfig
from .curves import frame_denoise, start_step
from .keyframes import effective_keyframes, prompt_index, spread_keyframes
from .names import DENOISE_MODES, PATHS
from .seeds import frame_seed, inject_seed

PLAN_VERSION = 1


@dataclass(frozen=True)
class LatentInterp:
    """Latent interpolation of a frame (§8): `mode` (Blend, Slerp, Cosine Interp), `strength`
    (the weight of the new sample)."""

    mode: str
    strength: float


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

    def __post_init__(self) -> None:
        # Noise is injected exactly when both are set (`inject_noise` reads them together).
        if (self.inject_noise_seed is None) != (self.noise_strength is None):
            raise ValueError(
                "inject_noise_seed and noise_strength must both be null or both be set; got "
                f"{self.inject_noise_seed!r} and {self.noise_strength!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FramePlan:
        values = {item.name: data[item.name] for item in fields(cls)}
        if values["path"] not in PATHS:
            raise ValueError(f"path must be one of {', '.join(PATHS)}; got {values['path']!r}")
        if values["interp"] is not None:
            values["interp"] = LatentInterp(**values["interp"])
        return cls(**values)


@dataclass(frozen=True)
class Plan:
    """The whole sequence: its config, N, the effective keyframes, and one `FramePlan` per frame."""

    config: SequenceConfig
    frame_count: int
    keyframes: tuple[int, ...]
    frames: tuple[FramePlan, ...]
    denoise_mode: str = "comfyui"

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (what `--dry-run` prints and what is saved beside the frames);
        `denoise_mode` is written only when it is not the default "comfyui"."""
        out: dict[str, Any] = {
            "version": PLAN_VERSION,
            "frame_count": self.frame_count,
            "keyframes": list(self.keyframes),
            "config": self.config.to_dict(),
            "frames": [frame.to_dict() for frame in self.frames],
        }
        if self.denoise_mode != "comfyui":
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
            check_denoise_mode(plan_data.get("denoise_mode", "comfyui")),
        )


def check_denoise_mode(mode: Any) -> str:
    """`mode` if it is one of `DENOISE_MODES`, else ValueError."""
    if not isinstance(mode, str) or mode not in DENOISE_MODES:
        raise ValueError(f"denoise_mode must be one of {', '.join(DENOISE_MODES)}; got {mode!r}")
    return mode


def plan(config: SequenceConfig, *, denoise_mode: str = "comfyui") -> Plan:
    """The plan of every frame of `config` (behaviour.md §1-§8).

    denoise_mode: "comfyui" (default: a plain frame runs `steps` model steps, KSampler's
    denoise) or "steps" (a plain frame runs `steps - k` model steps, A1111 / Deforum's
    img2img; see the module docstring). Not a node input: the node keeps ComfyUI's meaning.
    """
    if not isinstance(config, SequenceConfig):
        raise ValueError(
            f"config must be a seqsampler SequenceConfig (build one with SequenceConfig(...)); "
            f"got {type(config).__name__}"
        )
    check_denoise_mode(denoise_mode)
    frames = config.frame_total
    keyframes = _keyframes(config, frames)
    return Plan(
        config,
        frames,
        keyframes,
        tuple(_frame_plan(config, i, frames, keyframes, denoise_mode) for i in range(frames)),
        denoise_mode,
    )


def _keyframes(config: SequenceConfig, frames: int) -> tuple[int, ...]:
    """Given keyframes in range, else the even spread of the prompts (§2)."""
    given = effective_keyframes(config.cond_keyframes, frames)
    if given or config.positive_count == 1:
        return given
    return spread_keyframes(config.positive_count, frames)


def _knob(config: SequenceConfig, knob: str, index: int, rule: Any) -> Any:
    """The schedule's value for this frame when one is given, else the node's rule."""
    values = config.schedule(knob)
    return rule if values is None else values[index]


def _is_modulo_key_frame(config: SequenceConfig, index: int) -> bool:
    return (
        config.seed_keying
        and config.seed_keying_mode == "modulo"
        and index % config.seed_divisor == 0
    )


def _path(
    config: SequenceConfig, index: int, denoise: float, steps: int, mode: str = "comfyui"
) -> tuple[str, int, int, int]:
    """(path, start_step, sample_steps, unsample_steps) of a frame (§5, §7; `mode` as `plan`)."""
    k = start_step(denoise, steps)
    if denoise <= 0:
        return "copy", k, 0, 0
    if index > 0 and config.unsample_latents and not _is_modulo_key_frame(config, index):
        if k >= steps:
            return "copy", k, 0, 0
        return "unsample", k, steps - k, steps - k
    if mode == "steps":
        if k >= steps:
            return "copy", k, 0, 0
        return "plain", k, steps - k, 0
    return "plain", k, steps, 0


def _frame_plan(
    config: SequenceConfig,
    index: int,
    frames: int,
    keyframes: tuple[int, ...],
    denoise_mode: str = "comfyui",
) -> FramePlan:
    steps = _knob(config, "steps", index, config.steps)
    seed = _knob(config, "seed", index, frame_seed(
        config.seed, index, mode=config.seed_mode_seq, keying=config.seed_keying,
        keying_mode=config.seed_keying_mode, divisor=config.seed_divisor,
    ))  # fmt: skip
    denoise = _knob(config, "denoise", index, frame_denoise(
        index, frames, start=config.denoise_start, seq=config.denoise_seq,
        sine=config.denoise_sine, high=config.denoise_max,
    ))  # fmt: skip
    path, k, sample_steps, unsample_steps = _path(config, index, denoise, steps, denoise_mode)
    inject = config.inject_noise and index > 0 and path != "copy"
    glide = None
    if config.use_conditioning_slerp and index > 0:
        glide = _knob(config, "cond_slerp_strength", index, config.cond_slerp_strength)
    interp = None
    if config.use_latent_interpolation and index > 0:
        strength = _knob(config, "latent_interp_strength", index, config.latent_interp_strength)
        interp = LatentInterp(config.latent_interpolation_mode, strength)
    return FramePlan(
        frame=index,
        seed=seed,
        denoise=denoise,
        start_step=k,
        path=path,
        positive=prompt_index(index, keyframes, config.positive_count),
        negative=prompt_index(index, keyframes, config.negative_count),
        glide=glide,
        inject_noise_seed=inject_seed(seed, index) if inject else None,
        noise_strength=_knob(config, "noise_strength", index, config.noise_strength)
        if inject
        else None,
        steps=steps,
        cfg=_knob(config, "cfg", index, config.cfg),
        interp=interp,
        sample_steps=sample_steps,
        unsample_steps=unsample_steps,
    )
