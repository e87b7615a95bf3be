"""Anti-blur for loopback motion: Deforum's unsharp mask and contrast, on [B, C, H, W] floats.

Deforum (render.py, between the warp and img2img) multiplies the uint8 image by `contrast`, then
applies `unsharp_mask`: blurred = GaussianBlur(img, (k, k), sigma), sharp = (amount + 1)·img -
amount·blurred clipped to [0, 255], and where |img - blurred| < threshold the pixel is kept.

Value convention: `value_range` = (black, white) of the tensor: (0, 1) for decoded pixels (what
a VAE's `decode` returns), (-1, 1) for the embedded pixel-space model's latent (the image in
[-1, 1]); results are clipped to it, contrast scales around black (Deforum's `img * contrast`
on [0, 255]), and `threshold` is in the tensor's units (Deforum's threshold / 255 on (0, 1)).
`value_range=None` (an SD latent, which has no range): no clipping, contrast scales around 0.
amount 0 and contrast 1 return a copy of the input, bit for bit.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor


def _check(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} = {value!r}: expected a finite number >= 0")


def _check_blur(x: Tensor, size: int, sigma: float) -> None:
    if not (isinstance(size, int) and size >= 1 and size % 2 == 1):
        raise ValueError(f"unsharp kernel size = {size!r}: expected an odd integer >= 1")
    if size // 2 >= min(x.shape[-2:]):
        most = 2 * min(x.shape[-2:]) - 1
        raise ValueError(f"unsharp kernel size = {size}: expected at most {most} for this frame")
    if not (math.isfinite(sigma) and sigma > 0):
        raise ValueError(f"unsharp sigma = {sigma!r}: expected a finite number > 0")


def gaussian_kernel(size: int, sigma: float) -> Tensor:
    """The normalised 1D Gaussian [size] (float64) of OpenCV's getGaussianKernel, sigma > 0
    (OpenCV's tables for sigma <= 0 are not reproduced: sigma 0 is refused upstream)."""
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    k = torch.exp(-(x**2) / (2 * sigma**2))
    return k / k.sum()


def gaussian_blur(x: Tensor, size: int, sigma: float) -> Tensor:
    """x [B, C, H, W] blurred by the separable size x size Gaussian, borders reflected without
    repeating the edge (OpenCV's BORDER_DEFAULT = BORDER_REFLECT_101) -> [B, C, H, W]."""
    _check_blur(x, size, sigma)
    channels, pad = x.shape[1], size // 2
    k = gaussian_kernel(size, sigma).to(device=x.device, dtype=x.dtype)
    y = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    y = F.conv2d(y, k.reshape(1, 1, 1, size).expand(channels, 1, 1, size), groups=channels)
    return F.conv2d(y, k.reshape(1, 1, size, 1).expand(channels, 1, size, 1), groups=channels)


def unsharp_mask(
    x: Tensor,
    amount: float,
    kernel_size: int = 5,
    sigma: float = 1.0,
    threshold: float = 0.0,
    value_range: tuple[float, float] | None = (0.0, 1.0),
) -> Tensor:
    """Deforum's unsharp mask of x [B, C, H, W] (float) -> [B, C, H, W]: (amount + 1)·x -
    amount·blur(x), clipped to value_range, x kept where |x - blur(x)| < threshold."""
    _check("unsharp amount", amount)
    _check_blur(x, kernel_size, sigma)
    _check("unsharp threshold", threshold)
    if amount == 0:
        return x.clone()
    blurred = gaussian_blur(x, kernel_size, sigma)
    sharp = (amount + 1) * x - amount * blurred
    if value_range is not None:
        sharp = sharp.clamp(*value_range)
    if threshold > 0:
        sharp = torch.where((x - blurred).abs() < threshold, x, sharp)
    return sharp


def contrast(
    x: Tensor, factor: float, value_range: tuple[float, float] | None = (0.0, 1.0)
) -> Tensor:
    """Deforum's contrast (image · factor on [0, 255]): x [B, C, H, W] scaled by `factor` around
    black (value_range[0], or 0 without a range) and clipped to value_range -> [B, C, H, W]."""
    _check("contrast", factor)
    if factor == 1:
        return x.clone()
    black = value_range[0] if value_range is not None else 0.0
    out = black + (x - black) * factor
    return out.clamp(*value_range) if value_range is not None else out
