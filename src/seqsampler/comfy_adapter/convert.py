"""ComfyUI data <-> seqsampler types: CONDITIONING lists and LATENT dicts (no ComfyUI import).

Every bad input raises a `ValueError` that names the input, the bad value and what is
accepted (behaviour.md §11), before any model evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from ..conditioning import Conditioning


def _is_entry(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and len(value) == 2
        and isinstance(value[0], torch.Tensor)
        and isinstance(value[1], Mapping)
    )


def conditioning_list(value: Any, name: str) -> list[Conditioning]:
    """A CONDITIONING (`[[tokens, extras], ...]`, one entry per prompt) as `Conditioning`s."""
    if _is_entry(value):  # A bare entry: one prompt for every frame.
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise ValueError(
            f"{name} must be a CONDITIONING list ([[tensor, dict], ...], one entry per "
            f"prompt); got {type(value).__name__}"
        )
    if len(value) == 0:
        raise ValueError(
            f"{name} is an empty conditioning list; connect a CONDITIONING with at least one "
            "entry (one entry per prompt)"
        )
    out = []
    for index, entry in enumerate(value):
        if not _is_entry(entry):
            raise ValueError(
                f"{name}[{index}] must be a conditioning entry [tensor, dict]; "
                f"got {type(entry).__name__}"
            )
        out.append(Conditioning.from_comfy(entry))
    widths = sorted({int(c.tokens.shape[-1]) for c in out})
    if len(widths) > 1:
        raise ValueError(
            f"{name} holds conditionings of different widths {widths}; every keyframe "
            "conditioning must come from the same text encoder (one width)"
        )
    return out


def latent_samples(latent: Any, name: str = "latent_image") -> Tensor:
    """The `samples` tensor of a LATENT dict, checked: [B, C, ...], finite."""
    if not isinstance(latent, Mapping) or "samples" not in latent:
        keys = sorted(latent) if isinstance(latent, Mapping) else type(latent).__name__
        raise ValueError(
            f"{name} must be a LATENT dict with a 'samples' tensor [B, C, H, W] or "
            f"[B, C, T, H, W]; got {keys}"
        )
    samples = latent["samples"]
    if (
        isinstance(samples, (list, tuple))
        or type(samples).__name__ == "NestedTensor"
        or getattr(samples, "is_nested", False)
    ):
        raise ValueError(
            f"{name}['samples'] is a nested latent ({type(samples).__name__}: several tensors, as "
            "newer ComfyUI gives for some video/audio models); the sequence samplers take one "
            "tensor [B, C, H, W] or [B, C, T, H, W]: split it or use a single-tensor latent"
        )
    if not isinstance(samples, torch.Tensor) or samples.ndim < 3:
        shape = tuple(samples.shape) if isinstance(samples, torch.Tensor) else None
        raise ValueError(
            f"{name}['samples'] must be a tensor [B, C, ...] of 3 or more dimensions; "
            f"got {type(samples).__name__} {shape}"
        )
    if samples.numel() == 0:
        raise ValueError(f"{name}['samples'] is empty; got shape {tuple(samples.shape)}")
    if not torch.isfinite(samples).all():
        raise ValueError(
            f"{name}['samples'] holds NaN or Inf values; a latent must be finite "
            "(check the node that produced it)"
        )
    return samples


def output_latent(latent: Mapping[str, Any], frames: Tensor) -> dict[str, Any]:
    """The output LATENT: `frames` [N*B, ...], the input's other keys kept (not batch_index)."""
    out = {key: value for key, value in latent.items() if key != "batch_index"}
    out["samples"] = frames
    return out
