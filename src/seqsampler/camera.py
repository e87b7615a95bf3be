"""Camera motion in the frame chain (docs/behaviour.md §13), for both front doors.

Frame i's input is frame i-1's output moved by frame i's camera (`FramePlan.motion` of frame i
describes the move from frame i-1 to frame i). `run_sequence`'s `feedback(frame i-1, output)`
builds it, in Deforum's order: warp (motion.warp, by frame i's matrix), colour coherence (the
frame's `ColorMatch`, matched to the raw output of its anchor), contrast and the unsharp mask
(frame i's `contrast` and `sharpen_*`); the chain then injects noise and re-samples.

`MotionFeedback(plan, size, codec, latent_range)` warps and sharpens: in pixel space (`space =
pixel`: decode with `codec`'s `to_pixels` to [0, 1], warp at the render size (W, H), encode
with `from_pixels`) or on the latent itself (`space = latent`: the matrix scaled to the latent
grid, motion.transform.scale_to_grid; `latent_range` is the latent's (black, white), (-1, 1) for
the embedded model whose latent is the image, None for an SD latent). `ChainFeedback` composes
it with `coherence.CoherenceFeedback` (passed in: this module imports motion and planning only).

With cadence (`planning.cadence`) the chain carries diffused frame j's output to the next
diffused frame k: `ChainFeedback.carry(frame j, output, k)` runs the same stages once, the warp
by the frames' matrices j+1..k composed (one resampling, `composed_motion`), the video, colour
and sharpening stages as for frame k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Protocol

from torch import Tensor

from .motion.knobs import Knobs
from .motion.sharpen import contrast, unsharp_mask
from .motion.transform import IDENTITY, Matrix, compose, frame_matrix, scale_to_grid
from .motion.warp import warp
from .planning import FrameMotion, FramePlan, Plan

# (to_pixels: latent [B, C, h, w] -> image [B, 3, H, W] in [0, 1], from_pixels: the inverse)
Codec = tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]
PIXEL_RANGE = (0.0, 1.0)
_KNOB_NAMES = tuple(item.name for item in fields(Knobs))


def knobs(motion: FrameMotion) -> Knobs:
    """The warp's knobs of a frame's motion record."""
    return Knobs(**{name: getattr(motion, name) for name in _KNOB_NAMES})


def motion_matrix(motion: FrameMotion, size: tuple[int, int]) -> Matrix:
    """The frame's 3x3 matrix on pixels of the render `size` = (W, H) (pure Python)."""
    return frame_matrix(knobs(motion), *size)


def frame_matrices(plan: Plan, size: tuple[int, int]) -> list[Matrix]:
    """Every frame's camera move from the frame before (IDENTITY where it does not move) on
    pixels of the render `size` = (W, H)."""
    return [
        motion_matrix(f.motion, size) if f.motion is not None and f.motion.moves else IDENTITY
        for f in plan.frames
    ]


def composed_motion(
    plan: Plan, size: tuple[int, int], start: int, end: int
) -> tuple[Matrix, FrameMotion] | None:
    """The camera from frame `start` to frame `end` > start: M_end·...·M_(start+1) on pixels of
    `size`, with the last moving frame's record (its border and space); None when no frame in
    start+1..end moves. One frame's matrix is returned as it is."""
    ms: list[Matrix] = []
    last: FrameMotion | None = None
    for f in plan.frames[start + 1 : end + 1]:
        if f.motion is not None and f.motion.moves:
            ms.append(motion_matrix(f.motion, size))
            last = f.motion
    if last is None:
        return None
    return (ms[0] if len(ms) == 1 else compose(*reversed(ms))), last


def needs_motion(plan: Plan) -> bool:
    """Whether any frame of `plan` moves the camera or sharpens."""
    return any(f.motion is not None for f in plan.frames)


def _per_image(fn: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """fn over [B, C, H, W]; a video latent [B, C, T, H, W] goes through as B·T images."""
    if x.ndim == 4:
        return fn(x)
    if x.ndim != 5:
        raise ValueError(
            f"camera motion: expected [B, C, H, W] or [B, C, T, H, W], got {tuple(x.shape)}"
        )
    b, c, t, h, w = x.shape
    out = fn(x.movedim(2, 1).reshape(b * t, c, h, w))
    return out.reshape(b, t, c, h, w).movedim(1, 2)


class MotionFeedback:
    """The warp and the anti-blur between frames (see the module docstring). `size` = (W, H),
    the render size the knobs' pixels refer to."""

    def __init__(
        self,
        plan: Plan,
        size: tuple[int, int],
        codec: Codec,
        latent_range: tuple[float, float] | None = None,
    ) -> None:
        width, height = size
        if not (isinstance(width, int) and isinstance(height, int) and width > 1 and height > 1):
            raise ValueError(f"camera motion: render size {size!r}; expected (W, H), ints >= 2")
        self.plan, self.size, self.latent_range = plan, (width, height), latent_range
        self.to_pixels, self.from_pixels = codec
        for frame in plan.frames:  # every knob checked before any model work
            if frame.motion is not None:
                motion_matrix(frame.motion, self.size)

    def next_motion(self, frame: FramePlan, to: int | None = None) -> FrameMotion | None:
        """The motion into frame `to` (default: the frame after `frame`; None: past the last
        frame, or no motion)."""
        index = frame.frame + 1 if to is None else to
        return self.plan.frames[index].motion if index < len(self.plan.frames) else None

    def _in_space(
        self, motion: FrameMotion, x: Tensor, fn: Callable[[Tensor, bool], Tensor]
    ) -> Tensor:
        """fn(image, is_pixels) in the motion's space: decoded and encoded back for `pixel`."""
        if motion.space == "latent":
            return _per_image(lambda y: fn(y, False), x)
        pixels = self.to_pixels(x)
        return self.from_pixels(_per_image(lambda y: fn(y, True), pixels)).to(x)

    def warp(self, frame: FramePlan, output: Tensor, to: int | None = None) -> Tensor:
        """`output` (frame i-1's) warped by frame i's camera move, or with `to` by the moves of
        frames i..to composed; unchanged without one."""
        end = frame.frame + 1 if to is None else to
        if end >= len(self.plan.frames):
            return output
        moved_by = composed_motion(self.plan, self.size, frame.frame, end)
        if moved_by is None:
            return output
        m, motion = moved_by

        def moved(x: Tensor, _is_pixels: bool) -> Tensor:
            grid = (x.shape[-1], x.shape[-2])
            grid_m = m if grid == self.size else scale_to_grid(m, self.size, grid)
            return warp(x, grid_m, motion.border)

        return self._in_space(motion, output, moved)

    def sharpen(self, frame: FramePlan, x: Tensor, to: int | None = None) -> Tensor:
        """Frame i's (or `to`'s) contrast then unsharp mask (Deforum's order) on `x`; unchanged
        when off."""
        motion = self.next_motion(frame, to)
        if motion is None or not motion.sharpens:
            return x

        def sharp(y: Tensor, is_pixels: bool) -> Tensor:
            value_range = PIXEL_RANGE if is_pixels else self.latent_range
            y = contrast(y, motion.contrast, value_range)
            return unsharp_mask(
                y, motion.sharpen_amount, motion.sharpen_kernel, motion.sharpen_sigma,
                motion.sharpen_threshold, value_range,
            )  # fmt: skip

        return self._in_space(motion, x, sharp)

    def __call__(self, frame: FramePlan, output: Tensor) -> Tensor:
        return self.sharpen(frame, self.warp(frame, output))


class Coherence(Protocol):
    """What `ChainFeedback` needs of colour coherence (`coherence.CoherenceFeedback`)."""

    def keep(self, frame: FramePlan, output: Tensor) -> None: ...

    def apply(self, frame: FramePlan, x: Tensor) -> Tensor: ...


class VideoStage(Protocol):
    """What `ChainFeedback` needs of a video input (`video_chain.VideoFeedback`): the next
    frame's input made from `x` (the output, warped) and the input video (behaviour.md §14)."""

    def apply(self, frame: FramePlan, x: Tensor, to: int | None = None) -> Tensor: ...


class ChainFeedback:
    """`run_sequence`'s feedback with motion: keep the raw output as a colour anchor, warp,
    the video input's composite, colour-match, contrast and sharpen, in that order (Deforum's;
    behaviour.md §13, §14)."""

    def __init__(
        self,
        motion: MotionFeedback | None,
        coherence: Coherence | None,
        video: VideoStage | None = None,
    ) -> None:
        self.motion, self.coherence, self.video = motion, coherence, video

    def __call__(self, frame: FramePlan, output: Tensor) -> Tensor:
        return self.carry(frame, output, frame.frame + 1)

    def carry(self, frame: FramePlan, output: Tensor, to: int) -> Tensor:
        """`output` (frame `frame`'s) made into frame `to`'s input: the camera of the frames
        in between composed, the other stages once (cadence; `to` = frame + 1 otherwise)."""
        if self.coherence is not None:
            self.coherence.keep(frame, output)
        x = output if self.motion is None else self.motion.warp(frame, output, to)
        if self.video is not None:
            x = self.video.apply(frame, x, to)
        if self.coherence is not None:
            x = self.coherence.apply(frame, x)
        return x if self.motion is None else self.motion.sharpen(frame, x, to)


def chain_feedback(
    motion: MotionFeedback | None,
    coherence: Coherence | None,
    video: VideoStage | None = None,
) -> Callable[[FramePlan, Tensor], Tensor] | None:
    """The chain's feedback: None when there is no motion, colour coherence or video input."""
    if motion is None and coherence is None and video is None:
        return None
    return ChainFeedback(motion, coherence, video)
