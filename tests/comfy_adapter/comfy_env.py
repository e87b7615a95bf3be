"""Importing a ComfyUI checkout in-process (COMFYUI_PATH), shared by the ComfyUI tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]

# KSamplerSeq2's 28 inputs as published, in order (docs/behaviour.md §0): saved workflows hold them.
SEED_INPUTS = [
    "model", "seed", "seed_mode_seq", "alternate_values", "steps", "cfg", "sampler_name",
    "scheduler", "frame_count", "cond_keyframes", "positive_seq", "negative_seq",
    "use_conditioning_slerp", "cond_slerp_strength", "latent_image", "use_latent_interpolation",
    "latent_interpolation_mode", "latent_interp_strength", "denoise_start", "denoise_seq",
    "unsample_latents", "inject_noise", "noise_strength", "denoise_sine", "denoise_max",
    "seed_keying", "seed_keying_mode", "seed_divisor",
]  # fmt: skip


def comfyui_path() -> Path | None:
    value = os.environ.get("COMFYUI_PATH")
    return Path(value) if value else None


def skip_reason() -> str | None:
    path = comfyui_path()
    if path is None:
        return "COMFYUI_PATH is not set (point it at a ComfyUI checkout to run these tests)"
    if not (path / "nodes.py").is_file() or not (path / "comfy").is_dir():
        return f"COMFYUI_PATH={path} is not a ComfyUI checkout (no nodes.py / comfy/)"
    return None


def import_comfy():
    """Import ComfyUI on the CPU from COMFYUI_PATH; returns `nodes`, or a skip reason string."""
    reason = skip_reason()
    if reason:
        return reason
    path = str(comfyui_path())
    if path not in sys.path:
        sys.path.insert(0, path)
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    try:
        import comfy.cli_args

        comfy.cli_args.args.cpu = True
        import comfy.model_management
        import comfy.samplers
        import comfy.utils
        import nodes
    except ImportError as error:
        return f"ComfyUI at {path} does not import in this Python: {error}"
    return nodes


def comfy_sampler_names() -> list[str]:
    """ComfyUI's sampler list when ComfyUI imports (for parametrize), else ["euler"]."""
    nodes = import_comfy()
    if isinstance(nodes, str):
        return ["euler"]
    import comfy.samplers

    return list(comfy.samplers.KSampler.SAMPLERS)
