"""Bilinear warp of [B, C, H, W] by a 3x3 matrix, as cv2.warpPerspective(INTER_LINEAR) does it.

`m` maps source pixels to destination pixels (OpenCV without WARP_INVERSE_MAP): destination
pixel d takes the source at m⁻¹·d, sampled bilinearly with pixel centres at integer coordinates
(torch grid_sample with align_corners=True). Borders as OpenCV's: replicate = BORDER_REPLICATE,
reflect = BORDER_REFLECT_101 (the edge pixel is not repeated, as OpenCV's default border and
Deforum's 'reflect'), wrap = BORDER_WRAP, zeros = BORDER_CONSTANT with 0. OpenCV 4 rounds source
coordinates to 1/32 pixel (INTER_BITS = 5) and this warp does not, so the two differ by at most
the image's change over 1/64 pixel along each axis; OpenCV 5 samples float images at the exact
coordinate (the two agree to float32 rounding).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from .knobs import check_border
from .transform import Matrix, is_identity

F64 = torch.float64
MatrixLike = Matrix | Sequence[Sequence[float]] | Tensor

_PADDING = {"replicate": "border", "reflect": "reflection", "zeros": "zeros", "wrap": "border"}


def as_tensor(m: MatrixLike, device: torch.device | str = "cpu") -> Tensor:
    """A motion matrix (3 rows of 3 floats, `transform.Matrix`, or a tensor [3, 3] / [B, 3, 3])
    as a float64 tensor on `device`."""
    if isinstance(m, Tensor):
        return m.to(device=device, dtype=F64)
    return torch.tensor(m, dtype=F64, device=device)


def apply(m: MatrixLike, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Points (x, y) (any equal shapes) through the homography `m`: (x', y', w) in float64, where
    w is the homogeneous divisor (w <= 0: the point went behind the camera)."""
    m = as_tensor(m, x.device)
    x, y = x.to(F64), y.to(F64)
    w = m[2, 0] * x + m[2, 1] * y + m[2, 2]
    return (m[0, 0] * x + m[0, 1] * y + m[0, 2]) / w, (m[1, 0] * x + m[1, 1] * y + m[1, 2]) / w, w


def source_coordinates(m: MatrixLike, height: int, width: int, device: torch.device) -> Tensor:
    """Where each destination pixel samples the source: [H, W, 2] float64 (x, y) pixel
    coordinates of m⁻¹·d. A point at infinity (homogeneous w = 0) samples pixel (0, 0), as
    OpenCV does."""
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=F64, device=device),
        torch.arange(width, dtype=F64, device=device),
        indexing="ij",
    )
    u, v, w = apply(torch.linalg.inv(as_tensor(m, device)), xs, ys)
    at_infinity = w == 0
    u, v = u.masked_fill(at_infinity, 0.0), v.masked_fill(at_infinity, 0.0)
    limit = 4.0 * (height + width)  # far out of frame either way; keeps grid_sample finite
    return torch.stack([u, v], dim=-1).clamp(-limit, limit)


def _grid(uv: Tensor, height: int, width: int, wrap: bool) -> Tensor:
    """Pixel coordinates [..., 2] -> grid_sample's [-1, 1] (align_corners=True). With `wrap`,
    coordinates are taken modulo the size and address an image padded by one wrapped column and
    row on the right and bottom."""
    u, v = uv[..., 0], uv[..., 1]
    if wrap:
        u, v = torch.remainder(u, width), torch.remainder(v, height)
        width, height = width + 1, height + 1
    return torch.stack([2 * u / (width - 1) - 1, 2 * v / (height - 1) - 1], dim=-1)


def warp(x: Tensor, m: MatrixLike, border: str = "replicate") -> Tensor:
    """x [B, C, H, W] (any float dtype, any device) warped by m (a `transform.Matrix` or a
    tensor [3, 3], or [B, 3, 3] one per item) -> [B, C, H, W], same dtype. Exactly the identity matrix returns a copy of x, bit for
    bit."""
    check_border(border)
    if x.ndim != 4 or not x.is_floating_point():
        raise ValueError(
            f"warp input: expected a float [B, C, H, W] tensor, got {x.dtype} {tuple(x.shape)}"
        )
    batch, _, height, width = x.shape
    if height < 2 or width < 2:
        raise ValueError(f"warp input: expected H, W >= 2, got {height} x {width}")
    ms = as_tensor(m).reshape(-1, 3, 3)
    if ms.shape[0] not in (1, batch):
        raise ValueError(f"warp matrix: expected [3, 3] or [{batch}, 3, 3], got {tuple(ms.shape)}")
    if all(is_identity(item.tolist()) for item in ms):
        return x.clone()
    compute = x.dtype if x.dtype in (torch.float32, torch.float64) else torch.float32
    wrap = border == "wrap"
    grids = [
        _grid(source_coordinates(item, height, width, x.device), height, width, wrap) for item in ms
    ]
    grid = torch.stack(grids).to(compute).expand(batch, -1, -1, -1)
    source = F.pad(x.to(compute), (0, 1, 0, 1), mode="circular") if wrap else x.to(compute)
    out = F.grid_sample(
        source, grid, mode="bilinear", padding_mode=_PADDING[border], align_corners=True
    )
    return out.to(x.dtype)
