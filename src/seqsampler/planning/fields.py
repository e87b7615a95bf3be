"""The field table: every knob of the KSampler Sequence (v2) node and the library's extras.

One `FieldSpec` per `SequenceConfig` field (name, kind, default, range or choices, help), in the
node's widget order (behaviour.md §0); the front doors derive their flags, widgets and tooltips
from it. `SCHEDULE_KNOBS` (derived from it) names the knobs a per-frame schedule may drive.
Pure data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .names import (
    CFG_MODES,
    COLOR_ANCHORS,
    COLOR_COHERENCE_MODES,
    COLOR_SOURCES,
    LATENT_INTERP_MODES,
    MOTION_BORDERS,
    MOTION_SPACES,
    SAMPLER_NAMES,
    SCHEDULER_NAMES,
    SEED_KEYING_MODES,
    SEED_LIMIT,
    SEED_MODES,
    VIDEO_MODES,
)

# The most frames a config may plan (frame_count's high end, and the cap on the frames a
# frame_count of 0 infers from positive_count) and the most cond_keyframes entries.
MAX_FRAMES = 1024
MAX_KEYFRAMES = 1024
MAX_LOOP_FRAMES = MAX_FRAMES - 1
# Camera motion: a pan of at most 4x the frame size per frame (checked against the render size
# where it is known; here against the largest frame, 8192 pixels).
MAX_TRANSLATION = 4.0 * 8192


@dataclass(frozen=True)
class FieldSpec:
    """One config field: its kind ("int", "float", "bool", "choice", "keyframes", ...), default,
    accepted range or choices, and the one-line help (also the ComfyUI tooltip).

    `schedule`: "knob" when a per-frame schedule may drive the field (a planner knob,
    `SCHEDULE_KNOBS`), "denoise" when a schedule of it folds into each frame's denoise (the
    node's denoise rule), None otherwise. `switch`: the field that must be on for this one to
    have an effect (`switch_is_on`)."""

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    schedule: str | None = None
    switch: str | None = None


# The node's widget inputs in the node's order (behaviour.md §0), then the library's extras.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("seed", "int", 0, "Base seed of frame 0; later frames derive theirs from it.", 0, SEED_LIMIT - 1, schedule="knob"),
    FieldSpec("seed_mode_seq", "choice", "increment", "How the seed moves per frame when seed_keying is off: seed+i, seed-i, a hash of (seed, i), or seed.", choices=SEED_MODES),
    FieldSpec("alternate_values", "bool", True, "Kept for saved workflows; has no effect."),
    FieldSpec("steps", "int", 20, "Sampler steps per frame.", 1, 10000, schedule="knob"),
    FieldSpec("cfg", "float", 8.0, "Classifier-free guidance scale.", 0.0, 100.0, schedule="knob"),
    FieldSpec("sampler_name", "choice", "euler", "Sampler (ComfyUI's names).", choices=SAMPLER_NAMES),
    FieldSpec("scheduler", "choice", "simple", "Sigma schedule (ComfyUI's names).", choices=SCHEDULER_NAMES),
    FieldSpec("frame_count", "int", 0, "Total frames to run. If 0, inferred from conditionings (one frame per prompt).", 0, MAX_FRAMES),
    FieldSpec("cond_keyframes", "keyframes", 0, "Frames where the next prompt starts (an int or a list); values outside 1..frames-1 are ignored.", None, None),
    FieldSpec("use_conditioning_slerp", "bool", False, "Glide the conditioning toward each new prompt instead of a hard cut."),
    FieldSpec("cond_slerp_strength", "float", 0.5, "Glide step per frame: 1 is a hard cut, small values glide slowly.", 0.0, 1.0, schedule="knob", switch="use_conditioning_slerp"),
    FieldSpec("use_latent_interpolation", "bool", False, "Blend each new frame with the previous one (temporal smoothing)."),
    FieldSpec("latent_interpolation_mode", "choice", "Blend", "Blend (lerp), Slerp, or Cosine Interp (eased lerp).", choices=LATENT_INTERP_MODES),
    FieldSpec("latent_interp_strength", "float", 0.5, "Weight of the new frame: 0 keeps the previous frame, 1 the new one.", 0.0, 1.0, schedule="knob", switch="use_latent_interpolation"),
    FieldSpec("denoise_start", "float", 1.0, "Denoise of frame 0 (1 = from pure noise, 0 = the input unchanged).", 0.0, 1.0, schedule="denoise"),
    FieldSpec("denoise_seq", "float", 0.5, "Denoise of later frames (the trough when denoise_sine is on).", 0.0, 1.0, schedule="denoise"),
    FieldSpec("unsample_latents", "bool", False, "Invert the previous frame up to the start sigma, then resample it, instead of adding fresh noise.", None, None),
    FieldSpec("inject_noise", "bool", True, "Add seeded random noise between loops for variety."),
    FieldSpec("noise_strength", "float", 0.1, "Strength of the injected noise, in latent units.", 0.001, 1.0, schedule="knob", switch="inject_noise"),
    FieldSpec("denoise_sine", "bool", True, "Vary denoise over loops using a sine wave (one period over the run)."),
    FieldSpec("denoise_max", "float", 0.9, "Max denoise when sine modulation is enabled.", 0.0, 1.0, schedule="denoise"),
    FieldSpec("seed_keying", "bool", True, "Modulate seed by a schedule to create patterns (replaces seed_mode_seq)."),
    FieldSpec("seed_keying_mode", "choice", "sine", "sine: seed + round(1000 sin(2 pi i / divisor)); modulo: seed + i on every divisor-th frame, else seed.", choices=SEED_KEYING_MODES),
    FieldSpec("seed_divisor", "int", 4, "Period or divisor for seed/keyframe modulation.", 2, 1024),
    FieldSpec("positive_count", "int", 1, "Number of positive conditionings (prompts); at least 1.", 1, None),
    FieldSpec("negative_count", "int", 1, "Number of negative conditionings; at least 1.", 1, None),
    FieldSpec("color_coherence", "choice", "none", "Match each frame's colours to an anchor frame before it feeds the next frame: none, rgb, hsv or lab (per-channel histogram matching in that colour space, on the decoded image), or latent (per-channel mean and std of the latent).", choices=COLOR_COHERENCE_MODES),
    FieldSpec("color_coherence_anchor", "choice", "first", "The anchor of colour coherence: first (frame 0) or keyframe (each prompt segment's own first settled frame, so a new palette is kept).", choices=COLOR_ANCHORS),
    FieldSpec("color_coherence_strength", "float", 1.0, "How far each frame is moved to the anchor's colours: 0 leaves it, 1 matches fully.", 0.0, 1.0, schedule="knob", switch="color_coherence"),
    FieldSpec("loop_frames", "int", 0, "Close a loop over the last k frames: the conditioning glides back to the first prompt and the frame is pulled toward frame 0 (0 = off).", 0, MAX_LOOP_FRAMES),
    # Video input (docs/behaviour.md §14): off while init_video is "".
    FieldSpec("init_video", "path", "", "An input video file or a folder of numbered images that the frames follow: frame 0 starts from its first frame, each later frame from its own input frame (video_mode); \"\" = off. A relative path is taken from the current folder.", None, None),
    FieldSpec("video_mode", "choice", "hybrid", "How a later frame's input is made from the input video: hybrid (the previous output carried along the video's optical flow, the input frame pasted where the flow is unreliable, then blended with the input frame by video_strength) or independent (the input frame alone, Deforum's video input).", choices=VIDEO_MODES),
    FieldSpec("video_strength", "float", 0.5, "Weight of the input frame in a hybrid frame's input (Deforum's hybrid_comp_alpha): 1 = the input frame alone, 0 = the previous output carried along the video's motion.", 0.0, 1.0, schedule="knob", switch="init_video"),
    FieldSpec("color_coherence_source", "choice", "frame", "What colour coherence matches to: frame (the anchor frame's output) or video (each frame's own input frame; needs init_video).", choices=COLOR_SOURCES),
    # Camera motion (docs/behaviour.md §13), Deforum's 2D mode: the defaults change nothing.
    FieldSpec("zoom", "float", 1.0, "Camera zoom per frame (Deforum's 2D mode): the previous frame is scaled about the centre before it feeds the next; 1 = none, > 1 zooms in.", 0.001, 10.0, schedule="knob"),
    FieldSpec("angle", "float", 0.0, "Camera rotation per frame, degrees counter-clockwise.", -360.0, 360.0, schedule="knob"),
    FieldSpec("translation_x", "float", 0.0, "Camera pan per frame, pixels at the render size (positive: the picture moves right); at most 4x the frame width.", -MAX_TRANSLATION, MAX_TRANSLATION, schedule="knob"),
    FieldSpec("translation_y", "float", 0.0, "Camera pan per frame, pixels at the render size (positive: the picture moves down); at most 4x the frame height.", -MAX_TRANSLATION, MAX_TRANSLATION, schedule="knob"),
    FieldSpec("transform_center_x", "float", 0.5, "Centre of zoom and rotation, a fraction of the width (0.5 = the middle).", -1.0, 2.0, schedule="knob"),
    FieldSpec("transform_center_y", "float", 0.5, "Centre of zoom and rotation, a fraction of the height (0.5 = the middle).", -1.0, 2.0, schedule="knob"),
    FieldSpec("motion_border", "choice", "replicate", "What the warp shows where the picture comes from out of frame: replicate (the edge pixels), reflect (mirrored, the edge not repeated), wrap, zeros.", choices=MOTION_BORDERS),
    FieldSpec("motion_space", "choice", "pixel", "Where the previous frame is warped: pixel (decoded, warped, encoded again; no round trip on a pixel-space model) or latent (the latent itself, faster).", choices=MOTION_SPACES),
    FieldSpec("perspective_flip", "bool", False, "Deforum's perspective flip: tilt the camera each frame by perspective_flip_theta / phi / gamma (the translation is kept, unlike Deforum)."),
    FieldSpec("perspective_flip_theta", "float", 0.0, "Perspective flip: rotation about the view axis per frame, degrees.", -360.0, 360.0, schedule="knob", switch="perspective_flip"),
    FieldSpec("perspective_flip_phi", "float", 0.0, "Perspective flip: rotation about the horizontal axis per frame, degrees.", -360.0, 360.0, schedule="knob", switch="perspective_flip"),
    FieldSpec("perspective_flip_gamma", "float", 0.0, "Perspective flip: rotation about the vertical axis per frame, degrees.", -360.0, 360.0, schedule="knob", switch="perspective_flip"),
    FieldSpec("perspective_flip_fv", "float", 53.0, "Perspective flip: field of view, degrees.", 1.0, 179.0, schedule="knob", switch="perspective_flip"),
    FieldSpec("noise_warp", "bool", False, "Move the sampling and injected noise with the camera or the input video (its optical flow; kept Gaussian) instead of drawing it again each frame: no texture stuck to the screen, no boiling."),
    FieldSpec("contrast", "float", 1.0, "Contrast after each warp (Deforum's: values scaled about black, then clipped; 1 = none).", 0.0, 10.0, schedule="knob"),
    FieldSpec("sharpen_amount", "float", 0.0, "Unsharp mask after each warp, against the blur of repeated warps: (1 + a) x - a blur(x); 0 = off.", 0.0, 10.0, schedule="knob"),
    FieldSpec("sharpen_kernel", "int", 5, "Unsharp mask: the Gaussian kernel's size in pixels (odd).", 1, 99, schedule="knob"),
    FieldSpec("sharpen_sigma", "float", 1.0, "Unsharp mask: the Gaussian's sigma in pixels.", 0.01, 100.0, schedule="knob"),
    FieldSpec("sharpen_threshold", "float", 0.0, "Unsharp mask: pixels whose detail |x - blur(x)| is below this (a fraction of the value range) are left as they are.", 0.0, 1.0, schedule="knob"),
    FieldSpec("cadence", "int", 1, "The model makes every N-th frame, every keyframe and prompt change, and the last frame; each frame between two of them is made from both: each moved by the camera to it, then cross-faded by position (1 = the model makes every frame).", 1, 8),
    FieldSpec("cadence_flow", "bool", False, "With cadence > 1: refine each frame made between two diffused ones with dense optical flow between them (OpenCV's DIS) after the camera's move."),
    FieldSpec("schedules", "schedules", None, "Per-frame values overriding the node's rules for the schedule knobs (SCHEDULE_KNOBS: denoise and the fields marked schedule=\"knob\").", None, None),
)  # fmt: skip

# Guidance per sampling pass: a setting of the frame sampler, not of the plan (no frame's seed,
# denoise or path depends on it), so not a SequenceConfig field; both front doors take its
# default, choices and help from here (the CLI's `cfg_mode` field, the ComfyUI nodes' widget).
CFG_MODE = FieldSpec("cfg_mode", "choice", CFG_MODES[0], 'Guidance per sampling pass: "full" (cond and uncond at every step, as ComfyUI) or "once" (uncond on the first step only, carried by its noise estimate: S\' + 1 model evaluations instead of 2 S\'; docs/quality.md says what it costs in quality).', choices=CFG_MODES)  # fmt: skip


def check_cfg_mode(mode: Any) -> str:
    """`mode` if it is one of CFG_MODES; ValueError naming the value and the accepted ones."""
    if not isinstance(mode, str) or mode not in CFG_MODES:
        raise ValueError(f"cfg_mode: got {mode!r}; accepted: {', '.join(CFG_MODES)}")
    return mode


FIELD_HELP: dict[str, str] = {spec.name: spec.help for spec in FIELDS}
SPECS: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}


class Knob(NamedTuple):
    """What a per-frame schedule of a knob must hold: its kind ("int" or "float"), its range,
    and the switch it needs (or None)."""

    kind: str
    low: float
    high: float
    switch: str | None


def _knob(spec: FieldSpec) -> Knob:
    assert spec.low is not None and spec.high is not None, spec.name
    return Knob(spec.kind, spec.low, spec.high, spec.switch)


# Each frame's denoise: not a field (the node derives it from the fields marked
# schedule="denoise"); a schedule gives it directly, in their range.
DENOISE_KNOB = "denoise"
# Knob name -> Knob: denoise, then every field marked schedule="knob", in the table's order. A
# new per-frame knob is one FIELDS entry with schedule="knob" (the planner reads it with
# `SequenceConfig.frame_value`).
SCHEDULE_KNOBS: dict[str, Knob] = {
    DENOISE_KNOB: _knob(SPECS["denoise_start"]),
    **{spec.name: _knob(spec) for spec in FIELDS if spec.schedule == "knob"},
}
# The fields a value schedule may drive: the knobs, and the denoise rule's fields.
SCHEDULED_FIELDS = tuple(spec.name for spec in FIELDS if spec.schedule is not None)
DENOISE_RULE = tuple(spec.name for spec in FIELDS if spec.schedule == "denoise")
# Camera motion's fields (docs/behaviour.md §13), in the table's order.
MOTION_FIELDS = (
    "zoom", "angle", "translation_x", "translation_y", "transform_center_x",
    "transform_center_y", "motion_border", "motion_space", "perspective_flip",
    "perspective_flip_theta", "perspective_flip_phi", "perspective_flip_gamma",
    "perspective_flip_fv", "noise_warp", "contrast", "sharpen_amount", "sharpen_kernel",
    "sharpen_sigma", "sharpen_threshold",
)  # fmt: skip
# Fields added after plan version 1: left out of `to_dict` at their defaults, so the plans and
# configs of runs that do not use them read exactly as before.
OPTIONAL_FIELDS = (
    "color_coherence",
    "color_coherence_anchor",
    "color_coherence_strength",
    "loop_frames",
    "init_video",
    "video_mode",
    "video_strength",
    "color_coherence_source",
    *MOTION_FIELDS,
    "cadence",
    "cadence_flow",
)


def switch_is_on(settings: Any, switch: str) -> bool:
    """Whether the switch a schedule knob needs is on in `settings` (a config, or a mapping of
    field values): a bool field, a mode other than none, or a path other than ""."""
    value = settings[switch] if isinstance(settings, Mapping) else getattr(settings, switch)
    return value not in ("none", "") if isinstance(value, str) else bool(value)


def switch_advice(switch: str) -> str:
    """How to turn `switch` on, for messages: a mode field is set, a bool one turned on."""
    kind = SPECS[switch].kind
    if kind == "path":
        return f"set {switch}"
    return f"set {switch} to a mode" if kind == "choice" else f"turn {switch} on"


def field_names() -> tuple[str, ...]:
    """The config's field names in order (the node's widget order, then the extras)."""
    return tuple(spec.name for spec in FIELDS)


def field_specs() -> tuple[FieldSpec, ...]:
    """Every field with its default, range or choices and help text (for the CLI)."""
    return FIELDS
