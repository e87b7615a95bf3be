"""The render spec resolved once: every field validated and defaulted, the `SequenceConfig` built.

`resolve_spec(data) -> ResolvedSpec` takes the dict from `file` (file and flags): the
prompts become the planner's lists (`prompts`), the CLI's own fields are checked (`fields`),
value schedules become the planner's schedule knobs (`planning.knobs`, shared with the ComfyUI
nodes), and the node's fields go to `SequenceConfig`. `spec_differences` compares two resolved specs (a resume).
Every error is a `SpecError` naming the field, the value and what is accepted, raised before
any model work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...planning import DENOISE_MODES, Plan, SequenceConfig, plan
from ...planning.fields import DENOISE_KNOB, SCHEDULED_FIELDS
from ...planning.knobs import check_switch, frame_values, planner_schedules, run_seed
from ...planning.names import CFG_MODES
from ...planning.schedule import ScheduleError, is_schedule
from .fields import (
    CLI_FIELDS,
    DEFAULT_PRESET,
    EMBEDDED,
    OUTPUT_ONLY,
    SpecError,
    all_fields,
    frame_rate,
    int_value,
    model_source,
    node_fields,
    positive_int,
    short_repr,
    video_formats,
)
from .file import check_names, check_structure
from .interpolation import interpolation_fields
from .presets import overridden, preset_defaults
from .prompt_keys import drop_late_keys
from .prompts import prompt_lists
from .video import audio_field, video_fields


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

    def plan(self) -> Plan:
        """The spec's plan (`planning.plan` with its `denoise_mode`)."""
        return plan(self.config, denoise_mode=self.fields["denoise_mode"])


def _normalise_schedule(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    return value


def resolve_spec(data: Mapping[str, Any], *, check_model: bool = True) -> ResolvedSpec:
    """Validate and default every field, evaluate the schedules, build the `SequenceConfig`.

    Node fields left out take the defaults of `preset` (`fields.PRESETS`: "cli" unless set).
    `check_model=False` skips checking that the model path exists.
    """
    # 1. Every name is a field, the structure is bounded; the preset gives the node's defaults.
    check_names(data)
    check_structure(data, "spec")
    # A video input: its path absolute, the input counted; frame_count and fps from it (`video`).
    data, source = video_fields(data)
    defaults = preset_defaults(data.get("preset", DEFAULT_PRESET))
    # 2. The prompts become the planner's lists and keyframes (late keys dropped).
    positive, negative, keyframes, prompt_fields = prompt_lists(data)
    positive, negative, keyframes = drop_late_keys(data, positive, negative, keyframes)
    # 3. The CLI's own fields, checked.
    out = {**_cli_fields(data, check_model), **prompt_fields}
    out["audio"] = audio_field(data.get("audio"), source)
    # 4. The node's fields: a scheduled one stays a schedule, the config takes its default.
    config_kwargs, scheduled = _node_fields(data, defaults, keyframes, out)
    # 5. The config, then the schedules per frame as the planner's knobs (`planning.knobs`).
    check_engine_names(config_kwargs["sampler_name"], config_kwargs["scheduler"])
    config = _build_config(config_kwargs, len(positive), len(negative), prompt_fields)
    schedules = _knob_schedules(config, scheduled, out["denoise"])
    if schedules:
        config = _build_config(
            {**config_kwargs, "schedules": schedules}, len(positive), len(negative), prompt_fields
        )
    # 6. The fields in the registry's order; a warning per set field another one overrides.
    ordered = {name: out[name] for name in all_fields() if name in out}
    warnings = tuple(overridden(data, ordered))
    return ResolvedSpec(ordered, tuple(positive), tuple(negative), config, warnings)


def _cli_fields(data: Mapping[str, Any], check_model: bool) -> dict[str, Any]:
    """The CLI's own fields (`fields.CLI_FIELDS`) but the prompts, checked and defaulted."""
    out: dict[str, Any] = {"model": model_source(data.get("model", EMBEDDED), check_model)}
    out["width"] = positive_int("width", data.get("width"), allow_none=True)
    out["height"] = positive_int("height", data.get("height"), allow_none=True)
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
    cfg_mode = data.get("cfg_mode", CLI_FIELDS["cfg_mode"][0])
    if cfg_mode not in CFG_MODES:
        raise SpecError(f"cfg_mode: got {short_repr(cfg_mode)}; accepted: {', '.join(CFG_MODES)}")
    out["cfg_mode"] = cfg_mode
    out["fps"] = frame_rate(data.get("fps", CLI_FIELDS["fps"][0]))
    out["formats"] = video_formats(data.get("formats", CLI_FIELDS["formats"][0]))
    out["upscale"] = positive_int("upscale", data.get("upscale", CLI_FIELDS["upscale"][0]), high=64)
    out.update(interpolation_fields(data, out["fps"]))
    return out


def _node_fields(
    data: Mapping[str, Any], defaults: Mapping[str, Any], keyframes: Any, out: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The node's fields into `out` (as resolved) and the config's keyword arguments; returns
    those and the scheduled fields' schedules (the config takes their defaults)."""
    config_kwargs: dict[str, Any] = {}
    scheduled: dict[str, Any] = {}
    for name, spec in node_fields().items():
        value = data.get(name, defaults.get(name, spec.default))
        if name == "cond_keyframes":
            value = keyframes
        elif spec.kind == "int":
            value = int_value(value, name)
        if name in SCHEDULED_FIELDS and is_schedule(value):
            scheduled[name] = out[name] = _normalise_schedule(value)
            config_kwargs[name] = spec.default
            continue
        if name in SCHEDULED_FIELDS and isinstance(value, str):
            int_value(value, name)  # refuses a digit outside 0-9, which float() would take
            try:  # a number written as a string ("7.5"): use its number
                value = float(value) if spec.kind == "float" else value
            except ValueError:
                pass
        if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        out[name] = config_kwargs[name] = value
    return config_kwargs, scheduled


def check_engine_names(sampler_name: Any, scheduler: Any) -> None:
    """The sampler and scheduler must be implemented by the standalone engine; the message
    lists only the names it implements (ComfyUI's node takes more)."""
    from ...planning.names import ENGINE_SAMPLERS as SAMPLERS  # no torch
    from ...planning.names import ENGINE_SCHEDULERS as SCHEDULERS

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


def _knob_schedules(
    config: SequenceConfig, scheduled: dict[str, Any], denoise: Any
) -> dict[str, list[Any]]:
    """The planner's `schedules` from the spec's schedules and its `denoise` (`planning.knobs`:
    values per frame in range, each knob's switch on, the denoise rule folded)."""
    given = {**scheduled, **({DENOISE_KNOB: denoise} if denoise is not None else {})}
    seed = None if "seed" in given else config.seed  # `s`: the run's seed, when not scheduled
    try:
        values = {
            name: frame_values(name, name, value, config.frame_total, run_seed(name, seed))
            for name, value in given.items()
        }
        for name in values:
            check_switch(name, name, config)
    except ScheduleError as exc:
        raise SpecError(str(exc)) from None
    return planner_schedules(config, values)


def spec_differences(saved: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    """Fields whose resolved values differ (output-only fields excepted)."""
    names = [n for n in dict.fromkeys([*saved, *current]) if n not in (*OUTPUT_ONLY, "preset")]
    # A field newer than the saved spec (colour coherence, loops, denoise_mode) counts as its
    # default there, so run folders made before it still resume.
    defaults = {n: default for n, (default, _help) in all_fields().items()}
    return [n for n in names if saved.get(n, defaults.get(n)) != current.get(n, defaults.get(n))]
