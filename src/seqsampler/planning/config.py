"""`SequenceConfig`: every knob of the KSampler Sequence (v2) node, validated once, immutable.

The 24 widget inputs keep the node's names, defaults and ranges (behaviour.md §0); the counts
of the two conditioning lists and optional per-frame `schedules` complete the config. Every
`ValueError` names the field, the bad value and what is accepted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import InitVar, dataclass, field, fields
from typing import Any

from .names import (
    COLOR_ANCHORS,
    COLOR_COHERENCE_MODES,
    LATENT_INTERP_MODES,
    SAMPLER_NAMES,
    SCHEDULER_NAMES,
    SEED_KEYING_MODES,
    SEED_LIMIT,
    SEED_MODES,
)

# The most frames a config may plan (frame_count's high end, and the cap on the frames a
# frame_count of 0 infers from positive_count) and the most cond_keyframes entries.
MAX_FRAMES = 1024
MAX_KEYFRAMES = 1024
MAX_LOOP_FRAMES = MAX_FRAMES - 1
SHORT_REPR_LIMIT = 80


def short_repr(value: Any, limit: int = SHORT_REPR_LIMIT) -> str:
    """`repr(value)` cut to `limit` characters (with a note of the full length) for messages.

    Containers are summarised before `repr` so a huge or deeply nested value costs no more than
    `limit` characters: only the head of a string, list or mapping is ever turned into text.
    """
    text = _bounded_repr(value, limit + 1, 0)
    if len(text) <= limit:
        return text
    size = ""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)):
        size = f" ({len(value)} {'chars' if isinstance(value, (str, bytes)) else 'items'})"
    elif isinstance(value, int) and not isinstance(value, bool):
        size = f" ({value.bit_length()} bits)"
    return text[: max(limit - 3, 0)] + "..." + size


def short_text(text: str, limit: int = SHORT_REPR_LIMIT) -> str:
    """`text` (a message, a list of words) on one line, cut to `limit` characters."""
    one_line = " ".join(text[: limit * 4].split())
    return one_line if len(one_line) <= limit else one_line[: max(limit - 3, 0)] + "..."


def _bounded_repr(value: Any, budget: int, depth: int) -> str:
    """A repr of at most about `budget` characters that never formats more than that."""
    if depth > 8:
        return "..."
    if isinstance(value, (str, bytes)):
        return repr(value[:budget]) + ("..." if len(value) > budget else "")
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > 4 * budget:  # more than `budget` decimal digits: show a size
            return f"<int of {value.bit_length()} bits>"
        return repr(value)
    if isinstance(value, Mapping):
        parts, used = [], 0
        for k, v in value.items():
            if used > budget:
                parts.append("...")
                break
            part = f"{_bounded_repr(k, budget, depth + 1)}: {_bounded_repr(v, budget, depth + 1)}"
            parts.append(part)
            used += len(part) + 2
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple, set, frozenset)):
        parts, used = [], 0
        for item in value:
            if used > budget:
                parts.append("...")
                break
            part = _bounded_repr(item, budget, depth + 1)
            parts.append(part)
            used += len(part) + 2
        open_, close = ("[", "]") if isinstance(value, list) else ("(", ")")
        return open_ + ", ".join(parts) + close
    text = repr(value)
    return text[:budget] + ("..." if len(text) > budget else "")


@dataclass(frozen=True)
class FieldSpec:
    """One config field: its kind ("int", "float", "bool", "choice", "keyframes", ...), default,
    accepted range or choices, and the one-line help (also the ComfyUI tooltip)."""

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


# The node's widget inputs in the node's order (behaviour.md §0), then the library's extras.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("seed", "int", 0, "Base seed of frame 0; later frames derive theirs from it.", 0, SEED_LIMIT - 1),
    FieldSpec("seed_mode_seq", "choice", "increment", "How the seed moves per frame when seed_keying is off: seed+i, seed-i, a hash of (seed, i), or seed.", choices=SEED_MODES),
    FieldSpec("alternate_values", "bool", True, "Kept for saved workflows; has no effect."),
    FieldSpec("steps", "int", 20, "Sampler steps per frame.", 1, 10000),
    FieldSpec("cfg", "float", 8.0, "Classifier-free guidance scale.", 0.0, 100.0),
    FieldSpec("sampler_name", "choice", "euler", "Sampler (ComfyUI's names).", choices=SAMPLER_NAMES),
    FieldSpec("scheduler", "choice", "simple", "Sigma schedule (ComfyUI's names).", choices=SCHEDULER_NAMES),
    FieldSpec("frame_count", "int", 0, "Total frames to run. If 0, inferred from conditionings (one frame per prompt).", 0, MAX_FRAMES),
    FieldSpec("cond_keyframes", "keyframes", 0, "Frames where the next prompt starts (an int or a list); values outside 1..frames-1 are ignored.", None, None),
    FieldSpec("use_conditioning_slerp", "bool", False, "Glide the conditioning toward each new prompt instead of a hard cut."),
    FieldSpec("cond_slerp_strength", "float", 0.5, "Glide step per frame: 1 is a hard cut, small values glide slowly.", 0.0, 1.0),
    FieldSpec("use_latent_interpolation", "bool", False, "Blend each new frame with the previous one (temporal smoothing)."),
    FieldSpec("latent_interpolation_mode", "choice", "Blend", "Blend (lerp), Slerp, or Cosine Interp (eased lerp).", choices=LATENT_INTERP_MODES),
    FieldSpec("latent_interp_strength", "float", 0.5, "Weight of the new frame: 0 keeps the previous frame, 1 the new one.", 0.0, 1.0),
    FieldSpec("denoise_start", "float", 1.0, "Denoise of frame 0 (1 = from pure noise, 0 = the input unchanged).", 0.0, 1.0),
    FieldSpec("denoise_seq", "float", 0.5, "Denoise of later frames (the trough when denoise_sine is on).", 0.0, 1.0),
    FieldSpec("unsample_latents", "bool", False, "Invert the previous frame up to the start sigma, then resample it, instead of adding fresh noise.", None, None),
    FieldSpec("inject_noise", "bool", True, "Add seeded random noise between loops for variety."),
    FieldSpec("noise_strength", "float", 0.1, "Strength of the injected noise, in latent units.", 0.001, 1.0),
    FieldSpec("denoise_sine", "bool", True, "Vary denoise over loops using a sine wave (one period over the run)."),
    FieldSpec("denoise_max", "float", 0.9, "Max denoise when sine modulation is enabled.", 0.0, 1.0),
    FieldSpec("seed_keying", "bool", True, "Modulate seed by a schedule to create patterns (replaces seed_mode_seq)."),
    FieldSpec("seed_keying_mode", "choice", "sine", "sine: seed + round(1000 sin(2 pi i / divisor)); modulo: seed + i on every divisor-th frame, else seed.", choices=SEED_KEYING_MODES),
    FieldSpec("seed_divisor", "int", 4, "Period or divisor for seed/keyframe modulation.", 2, 1024),
    FieldSpec("positive_count", "int", 1, "Number of positive conditionings (prompts); at least 1.", 1, None),
    FieldSpec("negative_count", "int", 1, "Number of negative conditionings; at least 1.", 1, None),
    FieldSpec("color_coherence", "choice", "none", "Match each frame's colours to an anchor frame before it feeds the next frame: none, rgb, hsv or lab (per-channel histogram matching in that colour space, on the decoded image), or latent (per-channel mean and std of the latent).", choices=COLOR_COHERENCE_MODES),
    FieldSpec("color_coherence_anchor", "choice", "first", "The anchor of colour coherence: first (frame 0) or keyframe (each prompt segment's own first settled frame, so a new palette is kept).", choices=COLOR_ANCHORS),
    FieldSpec("color_coherence_strength", "float", 1.0, "How far each frame is moved to the anchor's colours: 0 leaves it, 1 matches fully.", 0.0, 1.0),
    FieldSpec("loop_frames", "int", 0, "Close a loop over the last k frames: the conditioning glides back to the first prompt and the frame is pulled toward frame 0 (0 = off).", 0, MAX_LOOP_FRAMES),
    FieldSpec("schedules", "schedules", None, "Per-frame values overriding the node's rules for: " + ", ".join(("denoise", "cfg", "steps", "noise_strength", "latent_interp_strength", "cond_slerp_strength", "seed", "color_coherence_strength")) + ".", None, None),
)  # fmt: skip

FIELD_HELP: dict[str, str] = {spec.name: spec.help for spec in FIELDS}
_SPECS: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}

# Knob name -> (kind, low, high, the switch it needs or None).
SCHEDULE_KNOBS: dict[str, tuple[str, float, float, str | None]] = {
    "denoise": ("float", 0.0, 1.0, None),
    "cfg": ("float", 0.0, 100.0, None),
    "steps": ("int", 1, 10000, None),
    "noise_strength": ("float", 0.001, 1.0, "inject_noise"),
    "latent_interp_strength": ("float", 0.0, 1.0, "use_latent_interpolation"),
    "cond_slerp_strength": ("float", 0.0, 1.0, "use_conditioning_slerp"),
    "seed": ("int", 0, SEED_LIMIT - 1, None),
    "color_coherence_strength": ("float", 0.0, 1.0, "color_coherence"),
}
# Fields added after plan version 1: left out of `to_dict` at their defaults, so the plans and
# configs of runs that do not use them read exactly as before.
OPTIONAL_FIELDS = (
    "color_coherence",
    "color_coherence_anchor",
    "color_coherence_strength",
    "loop_frames",
)


def switch_is_on(config: Any, switch: str) -> bool:
    """Whether the switch a schedule knob needs is on (a bool field, or a mode other than none)."""
    value = getattr(config, switch)
    return value != "none" if isinstance(value, str) else bool(value)


def field_names() -> tuple[str, ...]:
    """The config's field names in order (the node's widget order, then the extras)."""
    return tuple(spec.name for spec in FIELDS)


def field_specs() -> tuple[FieldSpec, ...]:
    """Every field with its default, range or choices and help text (for the CLI)."""
    return FIELDS


def _range_text(low: float | None, high: float | None) -> str:
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
        raise ValueError(f"{name} must be an int {_range_text(low, high)}; got {short_repr(value)}")
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
        object.__setattr__(self, "schedules", self._checked_schedules(self.schedules))

    @property
    def frame_total(self) -> int:
        """N: `frame_count` when > 0, else the number of positive prompts (§1)."""
        return self.frame_count if self.frame_count > 0 else self.positive_count

    def schedule(self, knob: str) -> tuple[Any, ...] | None:
        """The per-frame values given for `knob`, or None."""
        return dict(self.schedules).get(knob)

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
                how = (
                    f"set {switch} to a mode"
                    if switch == "color_coherence"
                    else f"turn {switch} on"
                )
                raise ValueError(
                    f"schedules[{knob!r}] has no effect while {switch} is off; "
                    f"{how} or drop the schedule"
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
            elif item.name in OPTIONAL_FIELDS and value == _SPECS[item.name].default:
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
        unknown = sorted(set(data) - set(_SPECS))
        if unknown:
            raise ValueError(
                f"unknown config field(s) {', '.join(unknown)}; accepted: {', '.join(_SPECS)}"
            )
        return cls(
            **data, accepted_samplers=accepted_samplers, accepted_schedulers=accepted_schedulers
        )
