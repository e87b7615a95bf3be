"""The render spec resolved once: every field validated and defaulted, the `SequenceConfig` built.

`resolve_spec(data) -> ResolvedSpec` takes the dict from `file` (file and flags): the
prompts become the planner's lists (`prompts`), the CLI's own fields are checked (`fields`),
value schedules are evaluated per frame (`schedule`) into the planner's schedule knobs, and the
node's fields go to `SequenceConfig`. `spec_differences` compares two resolved specs (a resume).
Every error is a `SpecError` naming the field, the value and what is accepted, raised before
any model work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...planning import DENOISE_MODES, SCHEDULE_KNOBS, FieldSpec, SequenceConfig
from ...planning.curves import frame_denoise
from ...planning.schedule import ScheduleError, is_schedule, schedule_values
from .fields import (
    CLI_FIELDS,
    DEFAULT_PRESET,
    EMBEDDED,
    OUTPUT_ONLY,
    SCHEDULABLE,
    SpecError,
    all_fields,
    int_value,
    model_source,
    node_fields,
    positive_int,
    short_repr,
    video_formats,
)
from .file import check_names, check_structure
from .presets import overridden, preset_defaults
from .prompt_keys import drop_late_keys
from .prompts import prompt_lists

# The node's denoise rule (behaviour.md §5): scheduled, they become the planner's `denoise` knob.
DENOISE_RULE = ("denoise_start", "denoise_seq", "denoise_max")


@dataclass(frozen=True)
class ResolvedSpec:
    """A validated spec: `fields` (JSON-ready, every field but `preset`: the defaults it chose
    are written out), the prompt lists, the config, and `warnings`: one line per field the user
    set that another field overrides (`presets.overridden`)."""

    fields: dict[str, Any]
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    config: SequenceConfig
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def frame_count(self) -> int:
        return self.config.frame_total

    def to_json(self) -> str:
        return json.dumps(self.fields, indent=2, sort_keys=False)


def _normalise_schedule(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


def resolve_spec(data: Mapping[str, Any], *, check_model: bool = True) -> ResolvedSpec:
    """Validate and default every field, evaluate the schedules, build the `SequenceConfig`.

    Node fields left out take the defaults of `preset` (`presets.PRESETS`: "cli" unless set).
    `check_model=False` skips checking that the model path exists.
    """
    check_names(data)
    check_structure(data, "spec")
    defaults = preset_defaults(data.get("preset", DEFAULT_PRESET))
    positive, negative, keyframes, prompt_fields = prompt_lists(data)
    positive, negative, keyframes = drop_late_keys(data, positive, negative, keyframes)
    nodes = node_fields()
    out: dict[str, Any] = {
        "model": model_source(data.get("model", EMBEDDED), check_model),
        **prompt_fields,
    }
    out["width"] = positive_int("width", data.get("width"), allow_none=True)
    out["height"] = positive_int("height", data.get("height"), allow_none=True)
    config_kwargs: dict[str, Any] = {}
    scheduled: dict[str, Any] = {}
    for name, spec in nodes.items():
        value = data.get(name, defaults.get(name, spec.default))
        if name == "cond_keyframes":
            value = keyframes
        elif spec.kind == "int":
            value = int_value(value)
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
                f"denoise: got {short_repr(denoise)}; accepted: a number or a schedule '0:(1), 1:(0.5)'"
            )
        denoise = _normalise_schedule(denoise)
    out["denoise"] = denoise
    mode = data.get("denoise_mode", CLI_FIELDS["denoise_mode"][0])
    if mode not in DENOISE_MODES:
        raise SpecError(
            f"denoise_mode: got {short_repr(mode)}; accepted: {', '.join(DENOISE_MODES)}"
        )
    out["denoise_mode"] = mode
    out["fps"] = positive_int("fps", data.get("fps", CLI_FIELDS["fps"][0]), high=240)
    out["formats"] = video_formats(data.get("formats", CLI_FIELDS["formats"][0]))
    out["upscale"] = positive_int("upscale", data.get("upscale", CLI_FIELDS["upscale"][0]), high=64)
    check_engine_names(config_kwargs["sampler_name"], config_kwargs["scheduler"])
    config = _build_config(config_kwargs, len(positive), len(negative), prompt_fields)
    schedules = _knob_schedules(config, scheduled, denoise, nodes)
    if schedules:
        config = _build_config(
            {**config_kwargs, "schedules": schedules}, len(positive), len(negative), prompt_fields
        )
    ordered = {name: out[name] for name in all_fields() if name in out}
    warnings = tuple(overridden(data, ordered))
    return ResolvedSpec(ordered, tuple(positive), tuple(negative), config, warnings)


def check_engine_names(sampler_name: Any, scheduler: Any) -> None:
    """The sampler and scheduler must be implemented by the standalone engine; the message
    lists only the names it implements (ComfyUI's node takes more)."""
    from ...sampling import SAMPLERS, SCHEDULERS

    for name, value, table in (
        ("sampler_name", sampler_name, SAMPLERS),
        ("scheduler", scheduler, SCHEDULERS),
    ):
        if not isinstance(value, str) or value not in table:
            raise SpecError(
                f"{name}: {short_repr(value)} is not implemented by the standalone engine; "
                f"accepted: {', '.join(table)}"
            )


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


def _checked_values(
    name: str, values: list[float], kind: str, low: float | None, high: float | None
) -> list[Any]:
    """A schedule's per-frame values, ints rounded for an int `kind`, each in [low, high]."""
    out: list[Any] = []
    for frame, value in enumerate(values):
        if kind == "int":
            value = int(round(value))
        if (low is not None and value < low) or (high is not None and value > high):
            accepted = "in [0, 2**64)" if name == "seed" else f"in [{low}, {high}]"
            raise SpecError(
                f"{name}: the schedule gives {value:g} at frame {frame}; accepted: values {accepted}"
            )
        out.append(value)
    return out


def _knob_schedules(
    config: SequenceConfig, scheduled: dict[str, Any], denoise: Any, nodes: dict[str, FieldSpec]
) -> dict[str, list[Any]]:
    """Per-frame values for the planner's knobs (`SCHEDULE_KNOBS`) from the spec's schedules."""
    frames = config.frame_total
    values: dict[str, list[Any]] = {}
    try:
        for name, value in scheduled.items():
            spec = nodes[name]
            raw = schedule_values(value, name, frames)
            values[name] = _checked_values(name, raw, spec.kind, spec.low, spec.high)
        denoise_values = None
        if denoise is not None:
            kind, low, high, _switch = SCHEDULE_KNOBS["denoise"]
            raw = schedule_values(denoise, "denoise", frames)
            denoise_values = _checked_values("denoise", raw, kind, low, high)
    except ScheduleError as exc:
        raise SpecError(str(exc)) from None
    for name, (_kind, _low, _high, switch) in SCHEDULE_KNOBS.items():
        if switch is not None and name in values and not getattr(config, switch):
            raise SpecError(
                f"{name}: a schedule has no effect while {switch} is false; accepted: set "
                f"{switch} = true, or give {name} as a number"
            )
    out = {k: v for k, v in values.items() if k not in DENOISE_RULE}
    if denoise_values is not None:
        out["denoise"] = denoise_values
    elif any(k in values for k in DENOISE_RULE):
        out["denoise"] = _denoise_curve(config, values, frames)
    return out


def _denoise_curve(
    config: SequenceConfig, values: dict[str, list[Any]], frames: int
) -> list[float]:
    """The planner's denoise rule per frame, with scheduled denoise_start / _seq / _max."""

    def knob(name: str, i: int) -> float:
        return values[name][i] if name in values else getattr(config, name)

    return [
        frame_denoise(
            i,
            frames,
            start=knob("denoise_start", i),
            seq=knob("denoise_seq", i),
            sine=config.denoise_sine,
            high=knob("denoise_max", i),
        )
        for i in range(frames)
    ]


def spec_differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Fields whose resolved values differ (output-only fields excepted)."""
    names = [n for n in dict.fromkeys([*saved, *current]) if n not in (*OUTPUT_ONLY, "preset")]
    # A field newer than the saved spec (colour coherence, loops, denoise_mode) counts as its
    # default there, so run folders made before it still resume.
    defaults = {n: default for n, (default, _help) in all_fields().items()}
    return [n for n in names if saved.get(n, defaults.get(n)) != current.get(n, defaults.get(n))]
