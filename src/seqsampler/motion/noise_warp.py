"""Warp per-frame noise with the camera while keeping it i.i.d. standard normal.

Written from the papers: "How I Warped Your Noise" (Chang et al., ICLR 2024: a noise cell is the
integral of white noise over its area, so merged cells add and divide by sqrt(count)) and
"Go-with-the-Flow" (Burgert et al., CVPR 2025: nearest-neighbour transport; contraction sums the
sources landing in one cell over sqrt(count); expansion copies one source into several cells and
regaussianises the copies, n/sqrt(c) + (f - mean_group f) with fresh f; each cell's sub-pixel
offset is carried from frame to frame). The flow is the motion matrix's, not an estimated one.

The noise of cell s sits at s + offset_s. It goes forward to the cell nearest m·(s + offset_s)
and keeps the remainder as its new offset, so slow motion (a fraction of a cell per frame)
accumulates instead of being rounded away. A destination cell d that no source reached looks
back to the cell nearest m⁻¹·d; that source's copies form one group (with its forward cell when
no other source landed there) and it leaves any sum, so every source feeds exactly one group or
one sum: the output is exactly i.i.d. N(0, 1) when the input is (sums of disjoint sets over
sqrt(count); within a group, variance 1/c + (1 - 1/c) = 1 and covariance 1/c - 1/c = 0). Cells
nothing maps to (out of frame) get fresh noise.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor

from .transform import is_identity
from .warp import F64, MatrixLike, apply, as_tensor

SNAP = float(2**24)


class WarpedNoise(NamedTuple):
    """noise [B, C, h, w] and offset [2, h, w] float64: where in its cell each cell's noise sits
    ((x, y), in [-0.5, 0.5), the same for every batch item and channel)."""

    noise: Tensor
    offset: Tensor


def _forward(m: Tensor, offset: Tensor) -> tuple[Tensor, Tensor]:
    """Each cell's noise moved by m: (the flat index of the nearest cell, or -1 when out of frame
    or behind the camera: [h·w] int64; the remainder: [2, h·w] float64)."""
    _, height, width = offset.shape
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=F64, device=offset.device),
        torch.arange(width, dtype=F64, device=offset.device),
        indexing="ij",
    )
    u, v, w = apply(m, xs + offset[0], ys + offset[1])
    # snapped to 2^-24 of a cell, so that equal positions modulo 1 (a schedule's 0.5 px per
    # frame) round the same way in every column whatever float64's rounding of x + offset
    u, v = torch.round(u * SNAP) / SNAP, torch.round(v * SNAP) / SNAP
    cu, cv = torch.floor(u + 0.5), torch.floor(v + 0.5)
    ok = (w > 0) & (cu >= 0) & (cu < width) & (cv >= 0) & (cv < height)
    index = torch.where(ok, cv * width + cu, torch.full_like(u, -1.0)).to(torch.int64)
    remainder = torch.stack([u - cu, v - cv]).nan_to_num(0.0)
    return index.flatten(), remainder.reshape(2, -1)


def warp_noise(
    noise: Tensor, m: MatrixLike, generator: torch.Generator, offset: Tensor | None = None
) -> WarpedNoise:
    """noise [B, C, h, w] (i.i.d. N(0, 1)) moved by m ([3, 3], source -> destination cells on
    this grid: transform.scale_to_grid gives a latent's) -> WarpedNoise, still i.i.d. N(0, 1).

    `offset` [2, h, w] is the previous call's (None: every cell's noise at its centre). Draws
    exactly one standard normal [B, C, h, w] tensor (float32, on the generator's device) per
    call, whatever m is, so the generator's stream does not depend on the motion. Exactly the
    identity matrix returns copies, bit for bit.
    """
    if noise.ndim != 4 or not noise.is_floating_point():
        raise ValueError(
            f"noise: expected a float [B, C, h, w], got {noise.dtype} {tuple(noise.shape)}"
        )
    batch, channels, height, width = noise.shape
    device, cells = noise.device, height * width
    if offset is None:
        offset = torch.zeros((2, height, width), dtype=F64, device=device)
    if offset.shape != (2, height, width):
        raise ValueError(
            f"noise offset: expected [2, {height}, {width}], got {tuple(offset.shape)}"
        )
    fresh = torch.randn(noise.shape, generator=generator, device=generator.device)
    m = as_tensor(m, device)
    if is_identity(m.tolist()):
        return WarpedNoise(noise.clone(), offset.clone())
    compute = torch.float64 if noise.dtype == torch.float64 else torch.float32
    target, remainder = _forward(m, offset.to(device=device, dtype=F64))  # per source
    back, _ = _forward(torch.linalg.inv(m), torch.zeros_like(offset, dtype=F64))  # per dest.
    sources = torch.arange(cells, device=device)
    moved = target >= 0
    count = torch.bincount(target[moved], minlength=cells)
    expand = (count == 0) & (back >= 0)  # holes filled by a copy of a nearby source
    copied = torch.bincount(back[expand], minlength=cells) > 0  # sources with copies
    summed = moved & ~copied
    sum_count = torch.bincount(target[summed], minlength=cells)
    orphan = (count > 0) & (sum_count == 0)  # reached only by copied sources: join a group
    representative = torch.full((cells,), -1, dtype=torch.int64, device=device)
    representative.scatter_reduce_(0, target[moved], sources[moved], "amax")
    group = torch.full((cells,), -1, dtype=torch.int64, device=device)
    group[expand] = back[expand]
    group[orphan] = representative[orphan]
    grouped = group >= 0
    member_of = group[grouped]
    size = torch.bincount(member_of, minlength=cells).to(compute)[member_of]
    is_sum = sum_count > 0

    n = noise.reshape(batch * channels, cells).to(compute)
    f = fresh.to(device=device, dtype=compute).reshape(batch * channels, cells)
    out = f.clone()  # cells nothing maps to keep their fresh draw
    sums = torch.zeros_like(n).index_add_(1, target[summed], n[:, summed])
    out[:, is_sum] = sums[:, is_sum] / sum_count[is_sum].to(compute).sqrt()
    f_group = f[:, grouped]
    f_mean = torch.zeros_like(n).index_add_(1, member_of, f_group)[:, member_of] / size
    out[:, grouped] = n[:, member_of] / size.sqrt() + f_group - f_mean

    new_offset = torch.zeros((2, cells), dtype=F64, device=device)  # fresh cells: centred
    merged = torch.zeros_like(new_offset).index_add_(1, target[summed], remainder[:, summed])
    new_offset[:, is_sum] = merged[:, is_sum] / sum_count[is_sum].to(F64)
    new_offset[:, grouped] = remainder[:, member_of]  # copies take their source's (GWTF)
    return WarpedNoise(
        out.reshape(noise.shape).to(noise.dtype), new_offset.reshape(2, height, width)
    )


def blend_noise(a: Tensor, b: Tensor, alpha: float) -> Tensor:
    """(alpha·b + (1 - alpha)·a) / sqrt(alpha² + (1 - alpha)²): a mix of two independent
    N(0, 1) tensors (same shape) that is again N(0, 1) (Go-with-the-Flow's noise degradation)."""
    if not (math.isfinite(alpha) and 0.0 <= alpha <= 1.0):
        raise ValueError(f"noise blend alpha = {alpha!r}: expected a number in [0, 1]")
    if a.shape != b.shape:
        raise ValueError(f"noise blend: shapes differ, {tuple(a.shape)} and {tuple(b.shape)}")
    return (alpha * b + (1 - alpha) * a) / math.sqrt(alpha**2 + (1 - alpha) ** 2)
