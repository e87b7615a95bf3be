"""The render spec: a TOML or YAML file of the node's fields plus the CLI's own, resolved once.

`load_spec_file(path) -> dict`, `apply_overrides(data, {field: text})` (command-line flags),
`resolve_spec(data) -> ResolvedSpec` (every field validated and defaulted, prompts mapped to
the planner's lists, schedules evaluated per frame, the `SequenceConfig` built). Every error is
a `SpecError` naming the field, the value and what is accepted, raised before any model work.
The field reference is docs/cli.md.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from ..planning import FIELD_HELP, SequenceConfig, field_specs
from .prompt_keys import drop_late_keys
from .schedule import ScheduleError, is_schedule, schedule_values
from .writers import VIDEO_FORMATS

log = logging.getLogger(__name__)

SEED_LIMIT = 2**64
EMBEDDED = "embedded"
# Node fields the spec does not take directly: the counts and schedules come from the prompts
# and the value schedules; cond_keyframes comes from the prompt keys (or is given with a list).
_DERIVED = ("positive_count", "negative_count", "schedules")
# Node fields that take a schedule; `seed` and `steps` values are rounded to ints.
SCHEDULABLE = (
    "seed",
    "steps",
    "cfg",
    "cond_slerp_strength",
    "latent_interp_strength",
    "denoise_start",
    "denoise_seq",
    "denoise_max",
    "noise_strength",
)
# The CLI's own fields: name -> (default, help).
CLI_FIELDS: dict[str, tuple[Any, str]] = {
    "model": (
        EMBEDDED,
        'The model: "embedded" (the built-in shapes model), a diffusers folder, or a single '
        "SD 1.x / SDXL .safetensors / .ckpt file.",
    ),
    "prompts": (
        None,
        'The prompts: one string, a list (spread evenly), or a table of keyframes {"0" = "...", '
        '"24" = "..."}.',
    ),
    "negative": ("", "The negative prompt: one string, a list, or a table keyed like prompts."),
    "width": (None, "Image width in pixels (default: the model's size)."),
    "height": (None, "Image height in pixels (default: the model's size)."),
    "denoise": (
        None,
        "A denoise schedule for every frame; when set it replaces denoise_start / denoise_seq / "
        "denoise_sine / denoise_max.",
    ),
    "fps": (8, "Frames per second of the videos."),
    "formats": (["mp4", "gif"], "Videos to write: any of mp4 (H.264), gif, webp."),
    "upscale": (1, "Integer nearest-neighbour scale of the videos and the contact sheet."),
}
# Fields that change only the finished outputs, not the frames: a resume may change them.
OUTPUT_ONLY = ("fps", "formats", "upscale")


class SpecError(ValueError):
    """A bad spec: the message names the field, the value and what is accepted."""


def node_fields() -> dict[str, Any]:
    """The node's fields the spec takes, name -> FieldSpec, in the node's order."""
    return {s.name: s for s in field_specs() if s.name not in _DERIVED}


def all_fields() -> dict[str, tuple[Any, str]]:
    """Every spec field, name -> (default, help): the CLI's own first, then the node's."""
    out = dict(CLI_FIELDS)
    for name, spec in node_fields().items():
        default = [] if name == "cond_keyframes" else spec.default
        out[name] = (default, FIELD_HELP[name])
    return out


def load_spec_file(path: str | Path) -> dict[str, Any]:
    """Read a `.toml` or `.yaml` / `.yml` spec into a dict."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"spec: no file at {str(path)!r}; accepted: a .toml or .yaml file")
    suffix = path.suffix.lower()
    text = path.read_text(encoding="utf-8")
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            raise SpecError(
                f"spec: {str(path)!r} has suffix {suffix!r}; accepted: .toml, .yaml, .yml"
            )
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec: {str(path)!r} is not valid TOML: {exc}") from None
    except Exception as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(f"spec: {str(path)!r} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SpecError(f"spec: {str(path)!r} must hold a table of fields; got {data!r}")
    return data


def parse_flag_value(text: str) -> Any:
    """A command-line value: a TOML value (number, true/false, "string", [list], {table}),
    JSON, or else the text itself (so `0:(0.5), 8:(0.9)` and bare prompts work)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        pass
    try:
        return json.loads(text)
    except ValueError:
        pass
    stripped = text.strip()
    if stripped.startswith('"') and ":" in stripped:  # a Fizz-style body without braces
        try:
            return json.loads("{" + stripped.rstrip(",") + "}")
        except ValueError:
            pass
    return text


def check_names(data: Mapping[str, Any], where: str = "spec") -> None:
    known = all_fields()
    for name in data:
        if name not in known:
            close = difflib.get_close_matches(str(name), list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SpecError(f"{where}: unknown field {name!r}{hint}; accepted: {', '.join(known)}")


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with command-line values (already parsed) replacing its fields."""
    check_names(overrides, "command line")
    return {**data, **overrides}


@dataclass(frozen=True)
class ResolvedSpec:
    """A validated spec: `fields` (JSON-ready, every field), the prompt lists, the config."""

    fields: dict[str, Any]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    config: SequenceConfig

    @property
    def frame_count(self) -> int:
        return self.config.frame_total

    def to_json(self) -> str:
        return json.dumps(self.fields, indent=2, sort_keys=False)


def _keyed_texts(value: Mapping, name: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for key, text in value.items():
        raw = str(key).strip()
        if not raw.isdigit():
            raise SpecError(
                f'{name}: key {key!r}; accepted: a frame number >= 0, e.g. {{"0" = "...", '
                '"24" = "..."}'
            )
        if int(raw) in out:
            raise SpecError(f"{name}: key {key!r} repeats frame {int(raw)}; accepted: each once")
        if not isinstance(text, str):
            raise SpecError(f"{name}: key {key!r} has {text!r}; accepted: a prompt string")
        out[int(raw)] = text
    if not out:
        raise SpecError(f"{name}: the table is empty; accepted: at least one keyframe")
    return out


def _text_list(value: Any, name: str) -> list[str]:
    if not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"{name}: got {value!r}; accepted: a non-empty list of strings")
    return list(value)


def _prompts(data: Mapping[str, Any]) -> tuple[list[str], list[str], Any, dict[str, Any]]:
    """(positive list, negative list, cond_keyframes, normalised prompt fields).

    A table of keyframes: the keys of both tables together, sorted, become the prompt starts;
    each list holds the prompt active at each key; cond_keyframes are the keys after the first.
    Without a key 0 the first keyframe's prompt applies from frame 0 (as Deforum fills).
    """
    prompts, negative = data.get("prompts"), data.get("negative", "")
    if prompts is None:
        raise SpecError(
            'prompts: missing; accepted: a string, a list, or a table {"0" = "...", "24" = "..."}'
        )
    keyframes = data.get("cond_keyframes", [])
    if isinstance(prompts, str):
        prompts = [prompts]
    if isinstance(prompts, list):
        positive = _text_list(prompts, "prompts")
        if isinstance(negative, Mapping):
            raise SpecError(
                "negative: a keyframe table needs prompts as a table too; accepted: a string "
                "or a list"
            )
        neg = [negative] if isinstance(negative, str) else _text_list(negative, "negative")
        return positive, neg, keyframes, {"prompts": positive, "negative": neg}
    if not isinstance(prompts, Mapping):
        raise SpecError(
            f"prompts: got {prompts!r}; accepted: a string, a list, or a table of keyframes"
        )
    if "cond_keyframes" in data:
        raise SpecError(
            "cond_keyframes: not accepted with a table of prompts (its keys are the keyframes); "
            "drop cond_keyframes or give prompts as a list"
        )
    pos_keys = _keyed_texts(prompts, "prompts")
    if isinstance(negative, str):
        neg_keys = {min(pos_keys): negative}
    elif isinstance(negative, Mapping):
        neg_keys = _keyed_texts(negative, "negative")
    else:
        raise SpecError(
            f"negative: got {negative!r}; accepted: a string or a table keyed like prompts"
        )
    keys = sorted(set(pos_keys) | set(neg_keys))

    def active(table: dict[int, str], key: int) -> str:
        before = [k for k in table if k <= key]
        return table[max(before) if before else min(table)]

    positive = [active(pos_keys, k) for k in keys]
    neg = [active(neg_keys, k) for k in keys]
    if isinstance(negative, str):
        neg = [negative]
    normalised = {
        "prompts": {str(k): pos_keys[k] for k in sorted(pos_keys)},
        "negative": negative
        if isinstance(negative, str)
        else {str(k): neg_keys[k] for k in sorted(neg_keys)},
    }
    return positive, neg, list(keys[1:]), normalised


def _normalise_schedule(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


def _int_value(name: str, value: Any) -> Any:
    """Digit strings (e.g. a 20-digit seed from the command line) as exact ints."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _checked_values(name: str, values: list[float], spec: Any) -> list[Any]:
    out: list[Any] = []
    for frame, value in enumerate(values):
        if spec.kind == "int":
            value = int(round(value))
        low, high = spec.low, spec.high
        if (low is not None and value < low) or (high is not None and value > high):
            accepted = "in [0, 2**64)" if name == "seed" else f"in [{low}, {high}]"
            raise SpecError(
                f"{name}: the schedule gives {value:g} at frame {frame}; accepted: values {accepted}"
            )
        out.append(value)
    return out


def _formats(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or any(v not in VIDEO_FORMATS for v in value):
        raise SpecError(
            f"formats: got {value!r}; accepted: a list of {', '.join(VIDEO_FORMATS)} (may be empty)"
        )
    return list(dict.fromkeys(value))


def _positive_int(name: str, value: Any, allow_none: bool = False, high: int = 8192) -> Any:
    if value is None and allow_none:
        return None
    value = _int_value(name, value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        extra = " or unset (the model's default)" if allow_none else ""
        raise SpecError(f"{name}: got {value!r}; accepted: an int in [1, {high}]{extra}")
    return value


def _model(value: Any, check: bool) -> str:
    if value is None or value == EMBEDDED:
        return EMBEDDED
    if not isinstance(value, str) or not value.strip():
        raise SpecError(
            f'model: got {value!r}; accepted: "embedded", a diffusers folder or a .safetensors '
            "/ .ckpt file"
        )
    path = Path(value).expanduser()
    if not check:
        return str(path.resolve())
    if path.is_dir():
        if not (path / "model_index.json").is_file() and not (path / "unet").is_dir():
            raise SpecError(
                f"model: {value!r} is a folder without model_index.json; accepted: a diffusers "
                'folder (save_pretrained), a single .safetensors / .ckpt file, or "embedded"'
            )
    elif path.is_file():
        if path.suffix not in (".safetensors", ".ckpt"):
            raise SpecError(
                f"model: {value!r} has suffix {path.suffix!r}; accepted: .safetensors, .ckpt"
            )
    else:
        raise SpecError(
            f'model: nothing at {value!r}; accepted: "embedded", a diffusers folder or a '
            ".safetensors / .ckpt file"
        )
    return str(path.resolve())


def resolve_spec(data: Mapping[str, Any], *, check_model: bool = True) -> ResolvedSpec:
    """Validate and default every field, evaluate the schedules, build the `SequenceConfig`.

    `check_model=False` skips checking that the model path exists (`plan` needs no model).
    """
    check_names(data)
    positive, negative, keyframes, prompt_fields = _prompts(data)
    positive, negative, keyframes = drop_late_keys(data, positive, negative, keyframes)
    nodes = node_fields()
    out: dict[str, Any] = {
        "model": _model(data.get("model", EMBEDDED), check_model),
        **prompt_fields,
    }
    out["width"] = _positive_int("width", data.get("width"), allow_none=True)
    out["height"] = _positive_int("height", data.get("height"), allow_none=True)
    config_kwargs: dict[str, Any] = {}
    scheduled: dict[str, Any] = {}
    for name, spec in nodes.items():
        value = data.get(name, spec.default)
        if name == "cond_keyframes":
            value = keyframes
        elif spec.kind == "int":
            value = _int_value(name, value)
        if name in SCHEDULABLE and is_schedule(value):
            scheduled[name] = _normalise_schedule(value)
            out[name] = scheduled[name]
            config_kwargs[name] = spec.default
            continue
        if name in SCHEDULABLE and isinstance(value, str):
            try:  # a number written as a string ("7.5"): use its number
                value = float(value) if spec.kind == "float" else value
            except ValueError:
                pass
        if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        out[name] = value
        config_kwargs[name] = value
    denoise = data.get("denoise")
    if denoise is not None:
        if isinstance(denoise, bool) or not isinstance(denoise, (int, float, str, Mapping)):
            raise SpecError(
                f"denoise: got {denoise!r}; accepted: a number or a schedule '0:(1), 1:(0.5)'"
            )
        denoise = _normalise_schedule(denoise)
    out["denoise"] = denoise
    out["fps"] = _positive_int("fps", data.get("fps", CLI_FIELDS["fps"][0]), high=240)
    out["formats"] = _formats(data.get("formats", CLI_FIELDS["formats"][0]))
    out["upscale"] = _positive_int(
        "upscale", data.get("upscale", CLI_FIELDS["upscale"][0]), high=64
    )
    config = _build_config(config_kwargs, len(positive), len(negative), prompt_fields)
    schedules = _schedules(config, scheduled, denoise, nodes)
    if schedules:
        config = _build_config(
            {**config_kwargs, "schedules": schedules}, len(positive), len(negative), prompt_fields
        )
    ordered = {name: out[name] for name in all_fields() if name in out}
    return ResolvedSpec(ordered, tuple(positive), tuple(negative), config)


def _build_config(
    kwargs: dict[str, Any], positives: int, negatives: int, prompt_fields: dict[str, Any]
) -> SequenceConfig:
    if isinstance(prompt_fields["prompts"], dict) and kwargs.get("frame_count", 0) == 0:
        last = max(int(k) for k in prompt_fields["prompts"])
        raise SpecError(
            f"frame_count: 0 with a table of keyframed prompts; accepted: a frame count > 0 "
            f"(more than the last key, {last}), e.g. frame_count = {last + 8}"
        )
    try:
        return SequenceConfig(**kwargs, positive_count=positives, negative_count=negatives)
    except ValueError as exc:
        if isinstance(exc, SpecError):
            raise
        raise SpecError(str(exc)) from None


def _schedules(
    config: SequenceConfig, scheduled: dict[str, Any], denoise: Any, nodes: dict[str, Any]
) -> dict[str, list[Any]]:
    """Per-frame values for the planner's knobs from the spec's schedules."""
    frames = config.frame_total
    values: dict[str, list[Any]] = {}
    try:
        for name, value in scheduled.items():
            values[name] = _checked_values(name, schedule_values(value, name, frames), nodes[name])
        denoise_values = None
        if denoise is not None:
            spec = type("S", (), {"kind": "float", "low": 0.0, "high": 1.0})
            denoise_values = _checked_values(
                "denoise", schedule_values(denoise, "denoise", frames), spec
            )
    except ScheduleError as exc:
        raise SpecError(str(exc)) from None
    switches = {
        "noise_strength": "inject_noise",
        "latent_interp_strength": "use_latent_interpolation",
        "cond_slerp_strength": "use_conditioning_slerp",
    }
    for name, switch in switches.items():
        if name in values and not getattr(config, switch):
            raise SpecError(
                f"{name}: a schedule has no effect while {switch} is false; accepted: set "
                f"{switch} = true, or give {name} as a number"
            )
    out = {
        k: v for k, v in values.items() if k not in ("denoise_start", "denoise_seq", "denoise_max")
    }
    if denoise_values is not None:
        out["denoise"] = denoise_values
    elif any(k in values for k in ("denoise_start", "denoise_seq", "denoise_max")):
        out["denoise"] = _denoise_curve(config, values, frames)
    return out


def _denoise_curve(
    config: SequenceConfig, values: dict[str, list[Any]], frames: int
) -> list[float]:
    """behaviour.md §5 with scheduled denoise_start / denoise_seq / denoise_max."""

    def knob(name: str, i: int) -> float:
        return values[name][i] if name in values else getattr(config, name)

    out = []
    for i in range(frames):
        if i == 0:
            out.append(knob("denoise_start", 0))
        elif not config.denoise_sine:
            out.append(knob("denoise_seq", i))
        else:
            low, high = knob("denoise_seq", i), knob("denoise_max", i)
            value = (low + high) / 2 + (high - low) / 2 * math.sin(2 * math.pi * i / frames)
            out.append(min(1.0, max(0.0, value)))
    return out


def spec_differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Fields whose resolved values differ (output-only fields excepted)."""
    names = [n for n in dict.fromkeys([*saved, *current]) if n not in OUTPUT_ONLY]
    return [n for n in names if saved.get(n) != current.get(n)]
