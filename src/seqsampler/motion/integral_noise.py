"""Integral noise carried by particles: noise that moves with a camera or a flow, stays i.i.d.
N(0, 1), and stays coherent over many small moves (a slow zoom included).

Written from "How I Warped Your Noise" (Chang et al., ICLR 2024): a noise cell is the integral of
white noise over its area, here k x k sub-cell samples summed and divided by k; warping moves
the sub-cell samples, and a cell's noise is the sum of the samples that land in it over
sqrt(count). Given a cell's value X, its k² samples are drawn conditionally as
X/k + z - mean(z) with z i.i.d. N(0, 1) (the paper's conditional upsampling): they are i.i.d.
N(0, 1) and sum to k·X.

Each sample is a particle: a position in cells (float64 (x, y); cell (i, j) covers
x in [j - 0.5, j + 0.5), y in [i - 0.5, i + 0.5)) and D values (batch x channels x noise
layers), all carried by the same motion. A particle's position is moved, never resampled, so
motion of a fraction of a cell per frame accumulates exactly, and the frame t noise after T
moves is the frame 0 noise transported by the composed motion, not T resamplings of it. After a
move (`settle`):

- particles out of frame (or behind the camera) are dropped;
- a cell holding fewer than k²/4 particles (stretched, as a zoom in does), more than 4·k²
  (squeezed, as a zoom out does) or none (content entering the frame) is re-drawn: k² particles
  on its sub-cell lattice, conditioned on the cell's value (fresh N(0, 1) when it held none).
  Its value is unchanged, so the noise does not jump; only its sub-cell detail is new.

Every cell sums a set of particles disjoint from every other cell's, and every particle is
N(0, 1) and independent of the others, so each frame's noise is exactly i.i.d. N(0, 1). A settle
draws only for the cells it renews (those that enter or are re-drawn), so its cost follows what
the motion renews, not the frame's size; its draws depend on the motion, so give each settle a
generator of its own (camera_noise seeds one per frame and noise).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from .warp import F64, MatrixLike, apply

SUBCELLS = 4  # k: particles per cell side (16 per cell)
SNAP = float(2**24)  # positions snap to 2^-24 cell, so equal motions round equally everywhere


def _lattice(cells: Tensor, width: int, k: int) -> Tensor:
    """The k x k sub-cell centres of the flat cells `cells` [n] -> [n·k², 2] float64 (x, y)."""
    step = (torch.arange(k, dtype=F64, device=cells.device) + 0.5) / k - 0.5
    sub_y, sub_x = torch.meshgrid(step, step, indexing="ij")
    x = (cells % width).to(F64)[:, None] + sub_x.reshape(1, -1)
    y = torch.div(cells, width, rounding_mode="floor").to(F64)[:, None] + sub_y.reshape(1, -1)
    return torch.stack([x, y], dim=-1).reshape(-1, 2)


def _conditional(value: Tensor, z: Tensor, k: int) -> Tensor:
    """k² samples per cell that are i.i.d. N(0, 1) and sum to k·value: value [n, D], z [n, k², D]
    i.i.d. N(0, 1) -> [n·k², D] (conditional upsampling)."""
    return (value[:, None, :] / k + z - z.mean(dim=1, keepdim=True)).reshape(-1, value.shape[1])


@dataclass(frozen=True)
class IntegralNoise:
    """The particles of a noise on an h x w grid: `position` [P, 2] float64 (x, y) in cells,
    `value` [P, D] float64 (so that a cell whose particles only moved sums back to its value
    exactly once rounded to float32)."""

    position: Tensor
    value: Tensor
    height: int
    width: int
    k: int = SUBCELLS

    @classmethod
    def start(cls, noise: Tensor, generator: torch.Generator, k: int = SUBCELLS) -> IntegralNoise:
        """Particles for noise [D, h, w] (i.i.d. N(0, 1)): k² per cell on its lattice, drawn
        conditionally on the cell, so the cells sum back to `noise` (to float rounding)."""
        if noise.ndim != 3 or not noise.is_floating_point():
            raise ValueError(
                f"noise: expected a float [D, h, w], got {noise.dtype} {tuple(noise.shape)}"
            )
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"sub-cells k = {k!r}: expected an int >= 1")
        d, height, width = noise.shape
        cells = torch.arange(height * width, device=noise.device)
        z = torch.randn((height * width, k * k, d), generator=generator, dtype=F64)
        value = noise.to(F64).reshape(d, -1).T
        return cls(
            _lattice(cells, width, k),
            _conditional(value, z.to(noise.device), k),
            height,
            width,
            k,
        )

    def moved(self, m: MatrixLike) -> IntegralNoise:
        """Each particle through the homography m ([3, 3], source -> destination cells);
        particles that go behind the camera are dropped."""
        u, v, w = apply(m, self.position[:, 0], self.position[:, 1])
        ahead = (w > 0) & torch.isfinite(u) & torch.isfinite(v)
        position = torch.stack([u, v], dim=-1)[ahead]
        return IntegralNoise(position, self.value[ahead], self.height, self.width, self.k)

    def carried(self, flow: Tensor) -> IntegralNoise:
        """Each particle moved by a forward flow [2, h, w] (dx, dy in cells: where the content
        at each cell centre goes), sampled bilinearly at the particle (edge cells repeated)."""
        if flow.shape != (2, self.height, self.width):
            raise ValueError(
                f"flow: expected [2, {self.height}, {self.width}], got {tuple(flow.shape)}"
            )
        x, y = self.position[:, 0], self.position[:, 1]
        grid = torch.stack(
            [2 * x / max(self.width - 1, 1) - 1, 2 * y / max(self.height - 1, 1) - 1], dim=-1
        )
        step = F.grid_sample(
            flow[None].to(torch.float32),
            grid[None, None].to(torch.float32),
            mode="bilinear",
            padding_mode="border",
            align_corners=True,
        )[0, :, 0].T.to(F64)
        return IntegralNoise(self.position + step, self.value, self.height, self.width, self.k)

    def settle(self, generator: torch.Generator) -> tuple[IntegralNoise, Tensor]:
        """The particles after a move regrouped into cells: (the new state, the noise [D, h, w],
        i.i.d. N(0, 1)). Draws from `generator` only for the cells that need it: fresh values
        [e, D] for the e cells no particle reached, then z [r, k², D] for the r cells re-drawn
        (in flat cell order), so a settle costs in draws what the motion renews."""
        height, width, k = self.height, self.width, self.k
        cells, d = height * width, self.value.shape[1]
        compute, device = self.value.dtype, self.value.device
        position = torch.round(self.position * SNAP) / SNAP
        cx, cy = torch.floor(position[:, 0] + 0.5), torch.floor(position[:, 1] + 0.5)
        inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
        # particles out of frame go to a spare row `cells`, so nothing is copied to drop them
        index = torch.where(inside, cy * width + cx, float(cells)).to(torch.int64)
        count = torch.bincount(index, minlength=cells + 1)
        total = torch.zeros((cells + 1, d), dtype=compute, device=device)
        total.index_add_(0, index, self.value)
        count, total = count[:cells], total[:cells]
        noise = total / count.clamp(min=1).to(compute).sqrt()[:, None]
        empty = (count == 0).nonzero().flatten()
        noise[empty] = randn((len(empty), d), generator, compute, device)
        redo = (count < max(1, (k * k) // 4)) | (count > 4 * k * k)
        redone = redo.nonzero().flatten()
        z = randn((len(redone), k * k, d), generator, compute, device)
        keep = inside & ~torch.cat([redo, redo.new_ones(1)])[index]
        state = IntegralNoise(
            torch.cat([position[keep], _lattice(redone, width, k)]),
            torch.cat([self.value[keep], _conditional(noise[redone], z, k)]),
            height,
            width,
            k,
        )
        return state, noise.T.reshape(d, height, width)


def randn(
    shape: tuple[int, ...], generator: torch.Generator, dtype: torch.dtype, device: torch.device
) -> Tensor:
    """Standard normal draws of `shape` from `generator` (on its device), moved to `device`."""
    return torch.randn(shape, generator=generator, dtype=dtype, device=generator.device).to(device)
