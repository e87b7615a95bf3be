"""A `UNet2DConditionModel` that sees where it is: two coordinate channels appended to its input.

CoordConv (Liu et al. 2018): a convolution is translation-equivariant, so a UNet learns absolute
position ("on the left") only from its zero padding. Appending x and y in [-1, 1] as two more
input channels gives every pixel its place. The config's `in_channels` counts them (the image's
channels + 2); callers pass the image alone, [B, out_channels, H, W].
"""

from __future__ import annotations

from typing import Any

import torch
from diffusers import UNet2DConditionModel


def coordinates(sample: torch.Tensor) -> torch.Tensor:
    """x and y in [-1, 1] over `sample`'s grid: [B, 2, H, W], in its device and dtype."""
    b, _, h, w = sample.shape
    ys = torch.linspace(-1, 1, h, device=sample.device, dtype=sample.dtype)
    xs = torch.linspace(-1, 1, w, device=sample.device, dtype=sample.dtype)
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((x, y)).expand(b, 2, h, w)


class CoordUNet2DConditionModel(UNet2DConditionModel):
    """`UNet2DConditionModel` over [sample, x, y]: sample [B, C, H, W] -> output [B, C, H, W]."""

    def forward(self, sample: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        return super().forward(torch.cat((sample, coordinates(sample)), dim=1), *args, **kwargs)
