"""Deforum settings -> a seqsampler spec: `deforum_to_spec(settings) -> ImportResult`.

Reads the settings files of the A1111 extension (sd-webui-deforum, `{timestring}_settings.txt`,
JSON) and of the Deforum notebook (deforum-stable-diffusion). Carried: the prompts (`--neg`
parts -> the negative table); W/H (or width/height, down to a multiple of 8 as Deforum does);
max_frames -> frame_count; fps; skip_video_creation / make_gif -> formats; sd_model_name ->
model; seed, seed_behavior, seed_iter_N, seed_schedule -> seed, seed_mode_seq (or a seed
schedule); sampler (+ scheduler) -> sampler_name, scheduler; steps / steps_schedule -> steps;
cfg_scale_schedule / scale -> cfg; strength_schedule -> denoise_seq = 1 - strength (with
denoise_start = 1 and denoise_mode = "steps", A1111's img2img step count); noise_schedule ->
inject_noise, noise_strength; color_coherence; and, once seqsampler has the fields, 2D motion,
the perspective flip, border, cadence and the video input (`deforum_fields.put_motion`). Every
other setting becomes a `not carried` note saying why.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ..planning.fields import MAX_FRAMES
from ..planning.schedule import ScheduleError, schedule_values
from .deforum_fields import put_motion, put_sampler, put_schedule, put_seed, schedule_text
from .deforum_rules import why_not_carried
from .prompts import combined, put_prompts
from .result import ImportResult, SpecBuilder, field_choices, is_number, settings_mapping
from .schedules import one_minus
from .source import Source, whole_number

WHAT = "deforum settings"
MODE_NOTES = {
    "2D": "Deforum's 2D mode: each frame starts from the previous one, as seqsampler's frames do",
    "3D": "3D mode's depth warping has no seqsampler equivalent; frames still chain as in 2D",
    "None": "Deforum renders each frame on its own; seqsampler chains them (denoise = 1 for "
    "independent frames)",
    "Interpolation": "Deforum's prompt interpolation mode (see use_conditioning_slerp)",
    "Video Input": "Deforum diffuses each frame of a video",
}


def deforum_to_spec(
    settings: Mapping[str, Any], known_fields: Collection[str] | None = None
) -> ImportResult:
    """A spec from Deforum settings; `known_fields` are the spec fields seqsampler takes (the
    CLI passes its registry; default: the planner's table and the CLI's own fields)."""
    src = Source(settings_mapping(settings, WHAT), SpecBuilder(known_fields))
    notebook = not src.has("cfg_scale_schedule") and src.has("scale")
    kind = "the Deforum notebook" if notebook else "the A1111 Deforum extension"
    src.builder.header.append(f"from a settings file of {kind}")
    _model(src)
    src.frames = _frame_count(src)
    _size(src)
    _output(src)
    _prompts(src)
    put_seed(src)
    put_sampler(src)
    _steps_and_cfg(src)
    _denoise(src)
    _noise(src)
    _colour(src)
    mode = src.take("animation_mode")
    if mode is not None:
        note = MODE_NOTES.get(mode, "no seqsampler equivalent")
        if mode == "2D":
            src.builder.header.append(f"animation_mode '2D': {note}")
        else:
            src.builder.not_carried("animation_mode", mode, note)
    put_motion(src, mode)
    src.rest(why_not_carried)
    return src.builder.result()


def _model(src: Source) -> None:
    for name in ("sd_model_name", "model_checkpoint"):
        value = src.take(name)
        if isinstance(value, str) and value.strip():
            why = "the checkpoint Deforum used, as A1111 names it: set the path to your copy"
            src.builder.put("model", value.strip(), name, why)
            return
    src.builder.header.append('no model in these settings: set model = "..." to render')


def _frame_count(src: Source) -> int:
    raw = src.take("max_frames")
    frames = whole_number(raw)
    if frames is None or frames < 1:
        raise ValueError(f"{WHAT}: max_frames is {raw!r}; accepted: a whole number of frames >= 1")
    if frames > MAX_FRAMES:
        src.builder.note(
            f"max_frames = {frames} cut to {MAX_FRAMES}, seqsampler's most frames (schedules "
            f"keyed by max_f now end at frame {MAX_FRAMES - 1})"
        )
        frames = MAX_FRAMES
    src.builder.put("frame_count", frames, "max_frames")
    return frames


def _size(src: Source) -> None:
    for deforum, field in (("W", "width"), ("H", "height")):
        name = deforum if src.has(deforum) else field
        raw = src.take(name)
        if raw is None:
            continue
        value = whole_number(raw)
        if value is None or value < 8:
            src.builder.not_carried(name, raw, "not a size in pixels >= 8")
            continue
        rounded = value - value % 8  # as Deforum's webui_sd_pipeline does
        why = f"Deforum's {value} down to a multiple of 8, as Deforum renders it"
        src.builder.put(field, rounded, name, why if rounded != value else None)


def _output(src: Source) -> None:
    raw = src.take("fps")
    if raw is not None:
        fps = round(raw) if is_number(raw) else whole_number(raw)
        if fps is None or not 1 <= fps <= 240:
            src.builder.not_carried("fps", raw, "accepted: 1 to 240 frames per second")
        else:
            why = f"Deforum's {raw} rounded to a whole number"
            src.builder.put("fps", fps, "fps", why if fps != raw else None)
    if src.has("skip_video_creation") or src.has("make_gif"):
        formats = [] if src.flag("skip_video_creation") else ["mp4"]
        formats += ["gif"] if formats and src.flag("make_gif") else []
        src.builder.put("formats", formats, "skip_video_creation")


def _prompts(src: Source) -> None:
    table = src.take("animation_prompts")
    origin = "animation_prompts"
    if not isinstance(table, Mapping):
        table, origin = src.take("prompts"), "prompts"
    if not isinstance(table, Mapping) or not table:
        raise ValueError(
            f"{WHAT}: no prompts (got {type(table).__name__}); accepted: a 'prompts' or "
            '\'animation_prompts\' object {"0": "prompt --neg negative", ...}'
        )
    positive = src.take("animation_prompts_positive", "")
    negative = str(src.take("animation_prompts_negative", "")).replace("--neg", "")
    if "animation_prompts_positive" in src.settings or "animation_prompts_negative" in src.settings:
        table = {k: combined(str(v), str(positive), negative) for k, v in table.items()}
    for name in ("positive_prompts", "negative_prompts"):  # a run's settings: saved combined
        if src.take(name):
            src.builder.header.append(f"{name}: already part of every prompt, as Deforum saved")
    prompts: dict[int, str] = {}
    for key, text in table.items():
        frame = _prompt_frame(src, str(key))
        if frame is None or not isinstance(text, str):
            src.builder.not_carried(f"{origin}[{key!r}]", text, "not a frame and a prompt")
        elif frame >= src.frames:
            src.builder.not_carried(f"{origin}[{key!r}]", text, "after the last frame")
        else:
            prompts[frame] = text  # a repeated frame: the last wins, as in Deforum
    if not prompts:
        raise ValueError(f"{WHAT}: no prompt starts before max_frames ({src.frames})")
    put_prompts(src.builder, prompts, origin)


def _prompt_frame(src: Source, key: str) -> int | None:
    """A prompt key's frame: a number, or an expression in max_f truncated to an int as
    Deforum's int(numexpr.evaluate(key)) does."""
    text = key.strip().strip("\"'")
    if text.isascii() and text.isdigit():  # str.isdigit takes '³', which int() refuses
        return int(text)
    try:
        value = schedule_values(f"0:({text})", "prompts", src.frames)[0]
    except ScheduleError:
        return None
    return int(value) if value >= 0 else None


def _steps_and_cfg(src: Source) -> None:
    b = src.builder
    if src.flag("enable_steps_scheduling") and src.has("steps_schedule"):
        src.take("steps")  # replaced by the schedule, as in Deforum
        put_schedule(src, "steps_schedule", "steps", integer=True)
    elif src.has("steps"):
        raw, steps = src.take("steps"), whole_number(src.settings["steps"])
        if steps is None or steps < 1:
            b.not_carried("steps", raw, "not a whole number of steps >= 1")
        else:
            b.put("steps", steps, "steps")
    if src.has("cfg_scale_schedule"):
        put_schedule(src, "cfg_scale_schedule", "cfg")
        if src.has("scale"):
            b.not_carried("scale", src.take("scale"), "cfg_scale_schedule is carried instead")
    elif is_number(src.settings.get("scale")):
        b.put("cfg", float(src.take("scale")), "scale")


def _denoise(src: Source) -> None:
    b = src.builder
    use_init = src.flag("use_init")
    src.take("strength_0_no_init")  # without an init image frame 0 is drawn from noise
    why = "frame 0 from noise, as Deforum's first frame without an init image"
    if use_init:
        why = "frame 0 from noise: the init image is not carried"
    b.put("denoise_start", 1.0, "strength_schedule", why)
    if src.has("strength_schedule"):
        why = "Deforum's strength_schedule as 1 - strength"
        put_schedule(src, "strength_schedule", "denoise_seq", why, transform=one_minus)
    why = "A1111 img2img's steps: about steps x denoise model steps per frame"
    b.put("denoise_mode", "steps", "strength_schedule", why)


def _noise(src: Source) -> None:
    if not src.has("noise_schedule"):
        return
    text = schedule_text(src, "noise_schedule", src.settings["noise_schedule"])
    if text is None:  # noted
        src.take("noise_schedule")
        return
    try:
        values: list[float] | None = schedule_values(text, "noise_strength", src.frames)
    except ScheduleError:
        values = None  # put_schedule reports it
    if values is not None and max(values) <= 0:
        src.take("noise_schedule")
        src.builder.put("inject_noise", False, "noise_schedule", "Deforum's noise_schedule is 0")
        return
    why = "Deforum adds this noise to the image, seqsampler to the latent: tune it by eye"
    if src.builder.knows("noise_strength"):
        src.builder.put("inject_noise", True, "noise_schedule")
    put_schedule(src, "noise_schedule", "noise_strength", why)


def _colour(src: Source) -> None:
    raw = src.take("color_coherence")
    if raw is None:
        return
    mode = str(raw).removeprefix("Match Frame 0 ").strip().lower()
    if mode not in field_choices("color_coherence"):
        src.builder.not_carried("color_coherence", raw, "no colour coherence of that kind")
        return
    why = "Deforum matches each frame's colour histograms to frame 0's"
    src.builder.put("color_coherence", mode, "color_coherence", why if mode != "none" else None)
