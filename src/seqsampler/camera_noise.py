"""Noise that moves with the scene (`noise_warp`, docs/behaviour.md §13).

With a fixed seed the fresh noise of every frame is the same and sticks to the screen while the
camera moves the picture (texture sticking); with a new seed per frame it boils. With
`noise_warp` the chain keeps three noises as state, the sampling noise (a plain frame's fresh
noise), the injected noise (`inject_noise`'s eps) and a stochastic sampler's per-step noise (L
layers, `step_noise.step_layers`: none for a deterministic sampler), and moves them with the
camera:

- the first frame that draws a noise draws it from its seed exactly as without `noise_warp`
  (`noise.prepare_noise`, `noise.randn_like_seeded`), so that frame is unchanged;
- every later frame (whether it draws or not) moves the noise by its camera matrix on the latent
  grid (`motion.transform.scale_to_grid`) as integral noise (`motion.integral_noise`): each
  cell's noise is carried by 16 sub-cell particles that move with the camera and are summed back
  into cells, which keeps it i.i.d. N(0, 1) and coherent over many frames of slow zoom; the
  particles of the first frame are drawn conditioned on its noise, and the cells re-drawn later
  (those that enter the frame, or that a zoom stretched or squeezed) from a generator seeded by
  `planning.warp_seed` of the frame's seed (the sampling noise), of its inject seed (the
  injected noise) or of its step seed (the step noise): a stream of its own, so the draws never repeat the noise being moved, even
  with a fixed seed (seeded by the frame's seed itself, a fixed seed's entering cells were
  frame 0's noise again every frame: streaks along a pan);
- the step noise starts at the first frame that runs a sampling pass, its L layers drawn from
  `planning.step_seed` of the frame's seed; its layers share their particles (one field of
  D = L·C·... values per item), so every layer moves exactly as the others.

The state depends only on the plan and the latent's shape, never on a frame's output, so a
resumed run replays it from frame 0 without model work (`run_sequence` calls the hook for the
skipped frames too) and its frames equal the uninterrupted run's. Variants (one seed per batch
item) keep one noise per item. Tensors stay on the CPU, where the noise is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import torch
from torch import Tensor

from .camera import motion_matrix
from .motion.integral_noise import IntegralNoise
from .motion.transform import IDENTITY, is_identity, scale_to_grid
from .noise import generator, prepare_noise, randn_like_seeded
from .planning import FramePlan, Plan, inject_seed, step_seed, warp_seed
from .step_noise import runs_sampler, step_layers


@dataclass(frozen=True)
class FrameNoise:
    """A frame's noises: `sample` (the fresh noise of a plain frame) and `inject` (eps of the
    injected noise), each [B, C, ...] on the CPU, and `steps` (a stochastic sampler's per-step
    noise, layer k for its k-th draw) [L, B, C, ...]; each None: drawn from the seed as usual."""

    sample: Tensor | None = None
    inject: Tensor | None = None
    steps: Tensor | None = None


def _as_images(x: Tensor) -> Tensor:
    """[B, C, h, w] as it is; a video latent [B, C, T, h, w] as B·T images."""
    return x if x.ndim == 4 else x.movedim(2, 1).reshape(-1, x.shape[1], *x.shape[-2:])


def _from_images(y: Tensor, like: Tensor) -> Tensor:
    if like.ndim == 4:
        return y
    b, c, t = like.shape[:3]
    return y.reshape(b, t, c, *like.shape[-2:]).movedim(1, 2)


class _Stream:
    """One moving noise per batch group: None until first drawn, then carried every frame by
    its particles (`motion.integral_noise`)."""

    def __init__(self) -> None:
        self.noise: list[Tensor] | None = None
        self.fields: list[IntegralNoise] = []

    def advance(
        self, move: Callable[[IntegralNoise], IntegralNoise], seeds: Sequence[int], index: int
    ) -> None:
        """Move every noise's particles by `move`; the cells re-drawn (entering, stretched or
        squeezed) draw from warp_seed(seed, index)."""
        if self.noise is None:
            return
        moved, fields = [], []
        for noise, field, seed in zip(self.noise, self.fields, seeds, strict=True):
            field, out = move(field).settle(generator(warp_seed(seed, index)))
            fields.append(field)
            images = _as_images(noise)
            moved.append(_from_images(out.reshape(images.shape).to(noise.dtype), noise))
        self.noise, self.fields = moved, fields

    def start(self, draws: list[Tensor], seeds: Sequence[int], index: int) -> None:
        """Take the first frame's draws as they are; their particles are conditioned on them
        with warp_seed(seed, index) (that frame settles nothing, so the stream is free)."""
        if self.noise is not None:
            return
        self.noise = draws
        self.fields = []
        for noise, seed in zip(draws, seeds, strict=True):
            images = _as_images(noise)
            flat = images.reshape(-1, *images.shape[-2:])
            self.fields.append(IntegralNoise.start(flat, generator(warp_seed(seed, index))))

    def value(self) -> Tensor:
        assert self.noise is not None
        return torch.cat(self.noise)


Move = Callable[[IntegralNoise], IntegralNoise]
Mover = Callable[[int, tuple[int, int]], Move | None]
"""A scene's motion for the noise: (frame index, latent grid (w, h)) -> how the particles move
from the previous frame into that one, or None where nothing moves."""


def camera_mover(plan: Plan, size: tuple[int, int]) -> Mover:
    """The plan's camera (`size` = (W, H), the render size of its motion) as a `Mover`."""
    matrices = [
        IDENTITY if f.motion is None or not f.motion.moves else motion_matrix(f.motion, size)
        for f in plan.frames
    ]

    def move(index: int, grid: tuple[int, int]) -> Move | None:
        m = matrices[index]
        return (
            None if is_identity(m) else partial(IntegralNoise.moved, m=scale_to_grid(m, size, grid))
        )

    return move


class NoiseWarp:
    """The `noise` hook of `run_sequence` with `noise_warp` on: call it for every frame in order
    (frames a resume skips included) with a tensor shaped like the frame's input latent.
    `size` = (W, H), the render size of the plan's motion; `batch_index` as ComfyUI's latent
    gives it (the first draw then equals ComfyUI's KSampler's). `mover`: what moves the noise
    (default: the plan's camera, `camera_mover`)."""

    def __init__(
        self,
        plan: Plan,
        size: tuple[int, int],
        batch_index: Sequence[int] | None = None,
        mover: Mover | None = None,
    ) -> None:
        self.batch_index = batch_index
        self.mover = camera_mover(plan, size) if mover is None else mover
        self.sampling, self.injected, self.steps = _Stream(), _Stream(), _Stream()
        self.layers = step_layers(plan)

    def __call__(
        self, frame: FramePlan, like: Tensor, variants: Sequence[FramePlan] | None = None
    ) -> FrameNoise:
        plans = [frame] if variants is None else list(variants)
        items = [like.cpu()] if variants is None else list(like.cpu().split(1))
        inject_seeds = [
            f.inject_noise_seed if f.inject_noise_seed is not None else inject_seed(f.seed, f.frame)
            for f in plans
        ]
        step_seeds = [step_seed(f.seed, f.frame) for f in plans]
        move = self.mover(frame.frame, (like.shape[-1], like.shape[-2]))
        if move is not None:
            self.sampling.advance(move, [f.seed for f in plans], frame.frame)
            self.injected.advance(move, inject_seeds, frame.frame)
            self.steps.advance(move, step_seeds, frame.frame)
        out = FrameNoise(steps=self._steps(frame, items, step_seeds))
        if frame.path == "plain":
            if self.sampling.noise is None:  # drawn once; later frames move it
                index = self.batch_index if variants is None else None  # ComfyUI's batch_index
                draws = [prepare_noise(x, f.seed, index) for x, f in zip(items, plans, strict=True)]
                self.sampling.start(draws, [f.seed for f in plans], frame.frame)
            out = FrameNoise(self.sampling.value(), steps=out.steps)
        if frame.inject_noise_seed is not None:
            if self.injected.noise is None:
                draws = [randn_like_seeded(x, s) for x, s in zip(items, inject_seeds, strict=True)]
                self.injected.start(draws, inject_seeds, frame.frame)
            out = FrameNoise(out.sample, self.injected.value(), out.steps)
        return out

    def _steps(self, frame: FramePlan, items: list[Tensor], seeds: list[int]) -> Tensor | None:
        """The step noise [L, B, C, ...] of a frame that runs a sampling pass (None otherwise,
        or L = 0): each group's (the batch, or one variant) layers [L, b, C, ...] drawn from
        its step seed when first needed, carried as L·b images on one field."""
        if not self.layers or not runs_sampler(frame):
            return None
        shapes = [(self.layers, *x.shape) for x in items]
        if self.steps.noise is None:
            draws = [
                torch.randn(shape, dtype=x.dtype, generator=generator(s)).flatten(0, 1)
                for shape, x, s in zip(shapes, items, seeds, strict=True)
            ]
            self.steps.start(draws, seeds, frame.frame)
        assert self.steps.noise is not None
        layers = [
            n.unflatten(0, shape[:2]) for n, shape in zip(self.steps.noise, shapes, strict=True)
        ]
        return torch.cat(layers, dim=1)
