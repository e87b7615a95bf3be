"""Noise that moves with the scene (`noise_warp`, docs/behaviour.md §13).

With a fixed seed the fresh noise of every frame is the same and sticks to the screen while the
camera moves the picture (texture sticking); with a new seed per frame it boils. With
`noise_warp` the chain keeps two noises as state, the sampling noise (a plain frame's fresh
noise) and the injected noise (`inject_noise`'s eps), and moves them with the camera:

- the first frame that draws a noise draws it from its seed exactly as without `noise_warp`
  (`noise.prepare_noise`, `noise.randn_like_seeded`), so that frame is unchanged;
- every later frame (whether it draws or not) moves the noise by its camera matrix on the latent
  grid (`motion.transform.scale_to_grid`) with `motion.noise_warp.warp_noise`, which keeps it
  i.i.d. N(0, 1); the cells that come from out of frame (and the regaussianisation of copied
  cells) are drawn from a generator seeded by `planning.warp_seed` of the frame's seed (the
  sampling noise) or of its inject seed (the injected noise): a stream of its own, so the draws
  never repeat the noise being moved, even with a fixed seed (seeded by the frame's seed itself,
  a fixed seed's entering cells were frame 0's noise again every frame: streaks along a pan).

The state depends only on the plan and the latent's shape, never on a frame's output, so a
resumed run replays it from frame 0 without model work (`run_sequence` calls the hook for the
skipped frames too) and its frames equal the uninterrupted run's. Variants (one seed per batch
item) keep one noise per item. Tensors stay on the CPU, where the noise is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from .camera import motion_matrix
from .motion.noise_warp import warp_noise
from .motion.transform import IDENTITY, Matrix, is_identity, scale_to_grid
from .noise import generator, prepare_noise, randn_like_seeded
from .planning import FramePlan, Plan, inject_seed, warp_seed


@dataclass(frozen=True)
class FrameNoise:
    """A frame's noises: `sample` (the fresh noise of a plain frame) and `inject` (eps of the
    injected noise), each [B, C, ...] on the CPU, or None: drawn from the seed as usual."""

    sample: Tensor | None = None
    inject: Tensor | None = None


def _as_images(x: Tensor) -> Tensor:
    """[B, C, h, w] as it is; a video latent [B, C, T, h, w] as B·T images."""
    return x if x.ndim == 4 else x.movedim(2, 1).reshape(-1, x.shape[1], *x.shape[-2:])


def _from_images(y: Tensor, like: Tensor) -> Tensor:
    if like.ndim == 4:
        return y
    b, c, t = like.shape[:3]
    return y.reshape(b, t, c, *like.shape[-2:]).movedim(1, 2)


class _Stream:
    """One moving noise per batch group: None until first drawn, then warped every frame."""

    def __init__(self) -> None:
        self.noise: list[Tensor] | None = None
        self.offset: Tensor | None = None

    def advance(self, m: Matrix, seeds: Sequence[int], index: int) -> None:
        """Move the noise by m; the entering cells drawn from warp_seed(seed, index)."""
        if self.noise is None or is_identity(m):
            return
        moved = []
        for noise, seed in zip(self.noise, seeds, strict=True):
            draws = generator(warp_seed(seed, index))
            out = warp_noise(_as_images(noise), m, draws, self.offset)
            moved.append(_from_images(out.noise, noise))
        self.noise, self.offset = moved, out.offset

    def start(self, draws: list[Tensor]) -> None:
        if self.noise is None:
            self.noise = draws

    def value(self) -> Tensor:
        assert self.noise is not None
        return torch.cat(self.noise)


class NoiseWarp:
    """The `noise` hook of `run_sequence` with `noise_warp` on: call it for every frame in order
    (frames a resume skips included) with a tensor shaped like the frame's input latent.
    `size` = (W, H), the render size of the plan's motion; `batch_index` as ComfyUI's latent
    gives it (the first draw then equals ComfyUI's KSampler's)."""

    def __init__(
        self, plan: Plan, size: tuple[int, int], batch_index: Sequence[int] | None = None
    ) -> None:
        self.size, self.batch_index = size, batch_index
        self.matrices = [
            IDENTITY if f.motion is None or not f.motion.moves else motion_matrix(f.motion, size)
            for f in plan.frames
        ]
        self.sampling, self.injected = _Stream(), _Stream()

    def __call__(
        self, frame: FramePlan, like: Tensor, variants: Sequence[FramePlan] | None = None
    ) -> FrameNoise:
        plans = [frame] if variants is None else list(variants)
        items = [like.cpu()] if variants is None else list(like.cpu().split(1))
        grid = (like.shape[-1], like.shape[-2])
        m = self.matrices[frame.frame]
        if not is_identity(m):
            m = scale_to_grid(m, self.size, grid)
        inject_seeds = [
            f.inject_noise_seed if f.inject_noise_seed is not None else inject_seed(f.seed, f.frame)
            for f in plans
        ]
        self.sampling.advance(m, [f.seed for f in plans], frame.frame)
        self.injected.advance(m, inject_seeds, frame.frame)
        out = FrameNoise()
        if frame.path == "plain":
            index = self.batch_index if variants is None else None  # ComfyUI's batch_index
            self.sampling.start(
                [prepare_noise(x, f.seed, index) for x, f in zip(items, plans, strict=True)]
            )
            out = FrameNoise(sample=self.sampling.value())
        if frame.inject_noise_seed is not None:
            self.injected.start(
                [randn_like_seeded(x, s) for x, s in zip(items, inject_seeds, strict=True)]
            )
            out = FrameNoise(out.sample, self.injected.value())
        return out
