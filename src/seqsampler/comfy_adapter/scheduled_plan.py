"""The scheduled nodes' inputs and their plan: pure logic, no ComfyUI (the glue is scheduled.py).

The schedules are the CLI's (Deforum / FizzNodes value schedules, `seqsampler.planning.schedule`,
one parser for both front doors), the prompts a FizzNodes prompt schedule
(`"0": "a rose", "24": "a tulip"`, `seqsampler.planning.schedule.prompts`). A plain number is
the `KSamplerSeq2` widget of that name (the seed then follows the seed rules); a keyed schedule
gives one value per frame (the planner's schedule knobs). `denoise_schedule` is always per
frame (frame 0 included).

The inputs are declared once (`SCHEDULED_INPUTS`); `nodes.py` builds the classic INPUT_TYPES
classes from them and `v3.py` the `comfy_api.latest` classes where the running ComfyUI has
them. `scheduled_plan(**widgets)` plans a run, `validate` is the queue-time check, `preview` the
chart and the plan text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..chart import plan_chart_image, plan_table
from ..planning import FIELD_HELP, SCHEDULE_KNOBS, Plan, SequenceConfig, plan
from ..planning.fields import DENOISE_KNOB, MAX_FRAMES
from ..planning.knobs import check_switch, run_seed, text_values
from ..planning.schedule import parse_prompt_schedule
from .scheduled_motion import CADENCE_HELP, MOTION_SCHEDULES, MOTION_WIDGETS, motion_space
from .widgets import schedule_widget, widget

log = logging.getLogger(__name__)

# Schedule input -> the planner's knob (SCHEDULE_KNOBS) it drives.
SCHEDULES = {
    "seed_schedule": "seed",
    "steps_schedule": "steps",
    "cfg_schedule": "cfg",
    "denoise_schedule": "denoise",
    "noise_strength_schedule": "noise_strength",
    "interp_strength_schedule": "latent_interp_strength",
    "glide_strength_schedule": "cond_slerp_strength",
    "video_strength_schedule": "video_strength",
    **MOTION_SCHEDULES,  # zoom_schedule -> zoom, ... (scheduled_motion.py)
}
DEFAULT_PROMPTS = '"0": "A portrait of a rosebud",\n"12": "A portrait of a blooming rose"'
# The switches the scheduled knobs need (`SCHEDULE_KNOBS`) that are widgets (init_video is
# the guide input: a video_strength schedule without a guide has no effect, like video_mode).
SWITCHES = tuple(
    dict.fromkeys(
        s for s in (SCHEDULE_KNOBS[k].switch for k in SCHEDULES.values()) if s and s != "init_video"
    )
)


# (input id, type, options) in the node's order; a list type is a combo, "SAMPLERS" /
# "SCHEDULERS" are ComfyUI's live combo lists. The preview takes the same inputs without the
# model, the CLIP and the latent (it runs no model).
SCHEDULED_INPUTS: tuple[tuple[str, Any, dict[str, Any]], ...] = (
    ("model", "MODEL", {"tooltip": "The model used for every frame."}),
    ("clip", "CLIP", {"tooltip": "The CLIP model that encodes every prompt of the schedule."}),
    ("latent_image", "LATENT", {"tooltip": "The latent of frame 0 (empty for text-to-image; a previous run's last frame to continue it)."}),
    ("prompt_schedule", "STRING", {"multiline": True, "default": DEFAULT_PROMPTS, "tooltip": 'FizzNodes prompt schedule: "frame": "prompt", one key per prompt; each prompt holds until the next key.'}),
    ("negative_prompt", "STRING", {"multiline": True, "default": "", "tooltip": "The negative prompt of every frame."}),
    ("frame_count", *widget("frame_count", f"Frames of the sequence (1..{MAX_FRAMES}).", default=24, min=1, step=1)),
    ("seed_schedule", *schedule_widget("seed")),
    ("seed_mode_seq", *widget("seed_mode_seq", FIELD_HELP["seed_mode_seq"] + " Applies when seed_schedule is a plain number.")),
    ("seed_keying", *widget("seed_keying", FIELD_HELP["seed_keying"] + " Applies when seed_schedule is a plain number.", default=False)),
    ("seed_keying_mode", *widget("seed_keying_mode")),
    ("seed_divisor", *widget("seed_divisor", step=1)),
    ("steps_schedule", *schedule_widget("steps")),
    ("cfg_schedule", *schedule_widget("cfg")),
    ("sampler_name", "SAMPLERS", {"tooltip": FIELD_HELP["sampler_name"]}),
    ("scheduler", "SCHEDULERS", {"tooltip": FIELD_HELP["scheduler"]}),
    ("denoise_schedule", *schedule_widget(DENOISE_KNOB)),
    ("unsample_latents", *widget("unsample_latents")),
    ("inject_noise", *widget("inject_noise")),
    ("noise_strength_schedule", *schedule_widget("noise_strength")),
    ("use_conditioning_slerp", *widget("use_conditioning_slerp")),
    ("glide_strength_schedule", *schedule_widget("cond_slerp_strength")),
    ("use_latent_interpolation", *widget("use_latent_interpolation")),
    ("latent_interpolation_mode", *widget("latent_interpolation_mode")),
    ("interp_strength_schedule", *schedule_widget("latent_interp_strength")),
)  # fmt: skip
HOST_INPUTS = ("model", "clip", "latent_image")
# Optional inputs (links, no widgets): the guide video and the VAE that decodes and encodes
# frames for the stages in pixel space (docs/comfyui.md "Video input", "Camera motion").
# The video and motion widgets are optional too, appended after the widgets saved workflows
# hold (the video ones first: workflows saved with them hold them next); a missing one takes
# its default.
VIDEO_WIDGETS: tuple[tuple[str, Any, dict[str, Any]], ...] = (
    ("video_mode", *widget("video_mode", FIELD_HELP["video_mode"] + " Applies with a guide.")),
    ("video_strength_schedule", *schedule_widget("video_strength")),
)  # fmt: skip
# The frame sampler's guidance per sampling pass (not a plan field: the run reads it); cadence.
SAMPLER_WIDGETS = (("cfg_mode", *widget("cfg_mode")),)
CADENCE_WIDGETS = (("cadence", *widget("cadence", FIELD_HELP["cadence"] + CADENCE_HELP, step=1)),)
OPTIONAL_WIDGETS = (*VIDEO_WIDGETS, *MOTION_WIDGETS, *SAMPLER_WIDGETS, *CADENCE_WIDGETS)
OPTIONAL_INPUTS: tuple[tuple[str, Any, dict[str, Any]], ...] = (
    *VIDEO_WIDGETS,
    ("vae", "VAE", {"tooltip": "The VAE of the model: decodes and encodes frames where a stage works on pixels (a guide given as images; the hybrid mode's optical flow; the camera motion's warp with motion_space auto or pixel)."}),
    ("guide_images", "IMAGE", {"tooltip": "A guide video: frames [N, H, W, 3] (e.g. loaded images joined with Batch Images); frame i follows guide frame i. Needs the vae input."}),
    ("guide_latent", "LATENT", {"tooltip": "A guide video as latents [N, C, h, w] (e.g. VAE Encode of a frame batch); video_mode hybrid also needs the vae input."}),
    *MOTION_WIDGETS,
    *SAMPLER_WIDGETS,
    *CADENCE_WIDGETS,
)  # fmt: skip
GUIDE_NAMES = ("guide_images", "guide_latent")
PREVIEW_INPUTS = tuple(spec for spec in SCHEDULED_INPUTS if spec[0] not in HOST_INPUTS)
PREVIEW_OPTIONAL = (*MOTION_WIDGETS, *CADENCE_WIDGETS)
WIDGET_NAMES = tuple(spec[0] for spec in PREVIEW_INPUTS)
OPTIONAL_WIDGET_NAMES = tuple(spec[0] for spec in OPTIONAL_WIDGETS)
# What VALIDATE_INPUTS reads: ComfyUI skips its own range check for these, so frame_count's
# range is checked here too.
VALIDATED = ("frame_count", "prompt_schedule", *SCHEDULES, *SWITCHES)


SCHEDULED_DESCRIPTION = (
    "The sequence sampler driven by Deforum / FizzNodes schedules (the CLI's syntax): seed, "
    "steps, cfg, denoise, noise, glide and interpolation strength per frame, and a prompt "
    'schedule ("0": "...", "24": "...") encoded with the CLIP input.'
)
PREVIEW_DESCRIPTION = (
    "The plan of a SeqSamplerScheduled run, before any GPU time: a chart (denoise with "
    "unsample frames marked, seed changes, cfg and steps, prompt segments) and the plan as text."
)
PREVIEW_TOOLTIPS = (
    "The plan chart [1, H, W, 3].",
    "The plan: one row per frame (prompt, seed, denoise, path, steps, ...) and the prompts.",
)


@dataclass(frozen=True)
class ScheduledPlan:
    """The plan of a scheduled run, its prompt texts and its negative prompt."""

    plan: Plan
    prompts: tuple[str, ...]
    negative: str


def scheduled_plan(
    accepted_samplers: list[str] | None = None,
    accepted_schedulers: list[str] | None = None,
    guide: tuple[str, int] | None = None,
    vae_connected: bool = False,
    **inputs: Any,
) -> ScheduledPlan:
    """Parse every schedule and plan the run; a `ValueError` names the input and position.
    `guide`: (its name, its frame count) when a guide video is connected: the run follows it
    (frame_count at most its frames, one log line). `vae_connected`: motion_space auto warps
    on pixels."""
    unknown = sorted(set(inputs) - set(WIDGET_NAMES) - set(OPTIONAL_WIDGET_NAMES))
    if unknown:
        raise ValueError(
            f"unknown input(s) {', '.join(unknown)}; accepted: "
            f"{', '.join((*WIDGET_NAMES, *OPTIONAL_WIDGET_NAMES))}"
        )
    inputs = {**optional_defaults(), **inputs}
    frames = inputs["frame_count"]
    if isinstance(frames, bool) or not isinstance(frames, int) or not 1 <= frames <= MAX_FRAMES:
        raise ValueError(f"frame_count: {frames!r}; accepted: an int in [1, {MAX_FRAMES}]")
    if guide is not None and guide[1] < frames:
        log.info("frame_count: %d, the %s's frame count (frame_count asks for %d)", guide[1],
                 guide[0], frames)  # fmt: skip
        frames = guide[1]
    try:
        prompts = parse_prompt_schedule(inputs["prompt_schedule"], "prompt_schedule", frames)
    except ValueError as exc:
        if guide is None or frames == inputs["frame_count"]:
            raise
        raise ValueError(f"{exc} (the {guide[0]} has {frames} frames)") from None
    config: dict[str, Any] = {
        name: inputs[name]
        for name in (*WIDGET_NAMES, *OPTIONAL_WIDGET_NAMES)
        if name not in SCHEDULES and name not in ("prompt_schedule", "negative_prompt", "cfg_mode")
    }
    config["motion_space"] = motion_space(config["motion_space"], vae_connected)
    knobs: dict[str, list[Any]] = {}
    seed: Any = None  # `s` in expressions: the seed when it is a plain number (seed comes first)
    for field, knob in SCHEDULES.items():
        plain, per_frame = text_values(field, knob, inputs[field], frames, run_seed(knob, seed))
        if knob == "seed":
            seed = plain
        if knob == "video_strength" and guide is None:
            continue  # checked, but without a guide there is no video input (like video_mode)
        if knob == DENOISE_KNOB:  # always per frame: the node has one denoise, frame 0 included
            knobs[knob] = per_frame if per_frame is not None else [float(plain)] * frames
        elif per_frame is not None:
            check_switch(field, knob, {**inputs, "init_video": guide[0] if guide else ""})
            knobs[knob] = per_frame
        else:
            config[knob] = plain
    if guide is not None:
        config.update(init_video=guide[0], frame_count=frames)
    sequence_config = SequenceConfig(
        **config,
        cond_keyframes=[frame for frame, _ in prompts[1:]],
        denoise_sine=False,
        positive_count=len(prompts),
        negative_count=1,
        schedules=knobs,
        accepted_samplers=accepted_samplers,
        accepted_schedulers=accepted_schedulers,
    )
    return ScheduledPlan(
        plan(sequence_config), tuple(text for _, text in prompts), inputs["negative_prompt"]
    )


def optional_defaults() -> dict[str, Any]:
    """The optional widgets' defaults (combos: their first entry)."""
    return {
        name: kind[0] if isinstance(kind, list) else options.get("default")
        for name, kind, options in OPTIONAL_WIDGETS
    }


def widget_defaults() -> dict[str, Any]:
    """Every widget's default (combos: their first entry; ComfyUI's lists: euler / simple)."""
    fixed = {"SAMPLERS": "euler", "SCHEDULERS": "simple"}
    return {
        name: kind[0] if isinstance(kind, list) else fixed.get(kind, options.get("default"))
        for name, kind, options in PREVIEW_INPUTS
    }


def validate(**inputs: Any) -> bool | str:
    """Queue-time check of the schedules (VALIDATE_INPUTS): True, or the error message.

    Linked inputs are not known at queue time (absent or None here): a linked frame_count skips
    the check; a linked schedule takes its default and a linked switch counts as on (no false
    alarm); everything is checked again when the node runs.
    """
    if inputs.get("frame_count") is None:
        return True
    values = {**widget_defaults(), **optional_defaults()}
    for name in VALIDATED:
        value = inputs.get(name)
        if value is None:
            value = True if name in SWITCHES else values[name]
        values[name] = value
    try:
        scheduled_plan(**values)
    except ValueError as exc:
        return str(exc)
    return True


def preview(**inputs: Any) -> tuple[Any, str]:
    """The plan chart as an RGB PIL image and the plan as a text table (no ComfyUI needed)."""
    result = scheduled_plan(**inputs)
    return plan_chart_image(result.plan, result.prompts), plan_text(result)


def plan_text(result: ScheduledPlan) -> str:
    lines = [f"prompt {j}: {text}" for j, text in enumerate(result.prompts)]
    lines.append(f"negative: {result.negative}")
    return plan_table(result.plan) + "\n" + "\n".join(lines)
