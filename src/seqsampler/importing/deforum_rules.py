"""Tables of the Deforum importer: the spec field names Deforum's motion, cadence and video
settings would take in seqsampler, and why a setting that is not carried did nothing in Deforum
(a switch that was off, another animation mode) or has no seqsampler counterpart.

Setting names are those of the A1111 extension (sd-webui-deforum `args.py`) and of the Deforum
notebook (deforum-stable-diffusion); the reasons only explain a `not carried` comment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Deforum setting -> the spec field names seqsampler may take it as, tried in order: carried as
# soon as seqsampler knows one of them. Motion is Deforum's 2D mode (pixels and degrees per
# frame); the perspective flip's angles apply while its switch is on.
MOTION_2D: dict[str, tuple[str, ...]] = {
    "angle": ("angle",),
    "zoom": ("zoom",),
    "translation_x": ("translation_x",),
    "translation_y": ("translation_y",),
    "transform_center_x": ("transform_center_x",),
    "transform_center_y": ("transform_center_y",),
}
FLIP_SWITCHES = ("enable_perspective_flip", "flip_2d_perspective")  # A1111, notebook
FLIP_FIELD = ("perspective_flip",)
FLIP_SCHEDULES: dict[str, tuple[str, ...]] = {
    name: (name,)
    for name in (
        "perspective_flip_theta",
        "perspective_flip_phi",
        "perspective_flip_gamma",
        "perspective_flip_fv",
    )
}
BORDER_FIELD = ("motion_border", "border")
# Deforum's contrast and anti-blur (unsharp mask) after each warp, in 2D and 3D: the same
# formulas as seqsampler's (motion/sharpen.py); the threshold is in 8-bit units there.
IMAGE_SCHEDULES: dict[str, tuple[str, bool]] = {
    "contrast_schedule": ("contrast", False),
    "amount_schedule": ("sharpen_amount", False),
    "kernel_schedule": ("sharpen_kernel", True),
    "sigma_schedule": ("sharpen_sigma", False),
}
THRESHOLD_SCHEDULE = ("threshold_schedule", "sharpen_threshold")
CADENCE_FIELD = ("cadence", "diffusion_cadence")
VIDEO_FIELD = ("init_video", "video_init_path")

MODE_2D_ONLY = (
    "angle", "zoom", "transform_center_x", "transform_center_y", "border", *FLIP_SWITCHES,
    *FLIP_SCHEDULES,
)  # fmt: skip
MODE_2D_3D = ("translation_x", "translation_y", "diffusion_cadence")
MODE_3D_ONLY = (
    "translation_z", "rotation_3d_x", "rotation_3d_y", "rotation_3d_z", "fov_schedule",
    "near_schedule", "far_schedule", "use_depth_warping", "depth_algorithm", "midas_weight",
    "padding_mode", "sampling_mode", "aspect_ratio_schedule", "aspect_ratio_use_old_formula",
    "near_plane", "far_plane", "fov",
)  # fmt: skip
MODE_VIDEO_ONLY = (
    "video_init_path", "extract_nth_frame", "extract_from_frame", "extract_to_frame",
    "overwrite_extracted_frames", "use_mask_video", "video_mask_path", "video_same_size",
)  # fmt: skip
# Setting -> the switch that must be on for it to do anything.
SWITCHED: dict[str, str] = {
    "steps_schedule": "enable_steps_scheduling",
    "sampler_schedule": "enable_sampler_scheduling",
    "checkpoint_schedule": "enable_checkpoint_scheduling",
    "clipskip_schedule": "enable_clipskip_scheduling",
    "noise_multiplier_schedule": "enable_noise_multiplier_scheduling",
    "ddim_eta_schedule": "enable_ddim_eta_scheduling",
    "ancestral_eta_schedule": "enable_ancestral_eta_scheduling",
    "subseed_schedule": "enable_subseed_scheduling",
    "subseed_strength_schedule": "enable_subseed_scheduling",
    "resume_timestring": "resume_from_timestring",
    "noise_mask_schedule": "use_noise_mask",
    "r_upscale_model": "r_upscale_video",
    "r_upscale_factor": "r_upscale_video",
    "r_upscale_keep_imgs": "r_upscale_video",
    "init_image": "use_init",
    "strength": "use_init",
    **{
        name: "use_mask"
        for name in (
            "mask_file",
            "invert_mask",
            "mask_contrast_adjust",
            "mask_brightness_adjust",
            "overlay_mask",
            "mask_overlay_blur",
            "full_res_mask",
            "full_res_mask_padding",
            "use_alpha_as_mask",
            "mask_schedule",
            "fill",
        )
    },  # fmt: skip
    **{
        name: "use_looper"
        for name in (
            "init_images",
            "image_strength_schedule",
            "blendFactorMax",
            "blendFactorSlope",
            "tweening_frames_schedule",
            "color_correction_factor",
        )
    },  # fmt: skip
}
# Settings of Deforum's run and output only (folders, previews, video files, provenance).
RUN_AND_OUTPUT = (
    "show_info_on_ui", "batch_name", "save_settings", "save_samples", "display_samples",
    "save_sample_per_step", "show_sample_per_step", "timestring", "outdir", "filename_format",
    "n_batch", "n_samples", "make_grid", "grid_rows", "motion_preview_mode", "store_frames_in_ram",
    "delete_imgs", "delete_input_frames", "add_soundtrack", "soundtrack_path", "r_upscale_video",
    "resume_from_timestring", "precision", "C", "f", "bit_depth_output", "save_depth_maps",
    "frame_interpolation_engine", "frame_interpolation_x_amount",
    "frame_interpolation_slow_mo_enabled", "frame_interpolation_slow_mo_amount",
    "frame_interpolation_keep_imgs", "frame_interpolation_use_upscaled", "sd_model_hash",
    "deforum_git_commit_id",
)  # fmt: skip
_CONTROLNET = re.compile(r"cn_(\d+)_")


def _off(settings: Mapping[str, Any], switch: str) -> bool:
    value = settings.get(switch)
    return value is None or value is False or value in ("None", "none", "")


def why_not_carried(name: str, settings: Mapping[str, Any]) -> str:
    """Why setting `name` is not carried: inactive in these settings, or no counterpart."""
    mode = settings.get("animation_mode")
    match = _CONTROLNET.match(name)
    if match and name != f"cn_{match.group(1)}_enabled":
        switch = f"cn_{match.group(1)}_enabled"
        if _off(settings, switch):
            return f"inactive in Deforum: {switch} is off"
        return "seqsampler has no ControlNet"
    if name.startswith("hybrid_"):
        if _off(settings, "hybrid_motion") and _off(settings, "hybrid_composite"):
            return "inactive in Deforum: hybrid_motion and hybrid_composite are off"
        return "seqsampler has no hybrid video"
    if name == "seed_schedule" and settings.get("seed_behavior") != "schedule":
        return "inactive in Deforum: seed_behavior is not 'schedule'"
    if name in SWITCHED:
        if _off(settings, SWITCHED[name]):
            return f"inactive in Deforum: {SWITCHED[name]} is off"
        return "no seqsampler equivalent"
    if name in MODE_2D_ONLY and mode != "2D":
        return f"inactive in Deforum: animation_mode is {mode!r}, not '2D'"
    if name in MODE_2D_3D and mode == "3D":
        return "Deforum's 3D camera move; seqsampler has no 3D depth warping"
    if name in MODE_2D_3D and mode != "2D":
        return f"inactive in Deforum: animation_mode is {mode!r}, not '2D' or '3D'"
    if name in MODE_3D_ONLY and mode != "3D":
        return f"inactive in Deforum: animation_mode is {mode!r}, not '3D'"
    if name in MODE_3D_ONLY:
        return "seqsampler has no 3D depth warping"
    if name in MODE_VIDEO_ONLY and mode != "Video Input":
        return f"inactive in Deforum: animation_mode is {mode!r}, not 'Video Input'"
    if name == "prompts" and "animation_prompts" in settings:
        return "the notebook's still-image prompts; its animation_prompts are carried"
    is_switch = name.startswith(("enable_", "use_")) or name in SWITCHED.values()
    if is_switch and settings.get(name) is False:
        return "a switch that is off in these settings"
    if name in RUN_AND_OUTPUT:
        return "a setting of Deforum's run or output files"
    return "no seqsampler equivalent"
