"""Noise masks at latent resolution, shaped as ComfyUI prepares them for its samplers."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from .conditioning import repeat_to_batch


def latent_mask(mask: Tensor, shape: torch.Size | tuple[int, ...]) -> Tensor:
    """A noise mask ([H, W], [B, H, W] or [B, 1, H, W]) resized (bi/trilinear) to a latent's
    `shape` [B, C, H', W'] (or [B, C, T, H', W']), channels and batch repeated as ComfyUI does."""
    dims = len(shape) - 2
    if dims == 2:
        mask = mask.reshape((-1, 1, mask.shape[-2], mask.shape[-1]))
        mode = "bilinear"
    elif dims == 3:
        if mask.ndim < 5:
            mask = mask.reshape((1, 1, -1, mask.shape[-2], mask.shape[-1]))
        mode = "trilinear"
    else:
        raise ValueError(
            f"noise_mask needs a latent with 2 or 3 spatial dims; got shape {tuple(shape)}"
        )
    mask = F.interpolate(mask.float(), size=tuple(shape[2:]), mode=mode)
    if mask.shape[1] < shape[1]:
        mask = mask.repeat((1, shape[1]) + (1,) * dims)[:, : shape[1]]
    return repeat_to_batch(mask, shape[0])
