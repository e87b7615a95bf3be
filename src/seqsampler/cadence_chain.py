"""Cadence in the frame chain (issue 30; docs/behaviour.md §15): the model makes the diffused
frames only, the frames between two of them are made from both.

With `cadence` N the plan marks each frame between two diffused frames j < k
(`FramePlan.between`, `planning.cadence`). The chain then:

- makes frame k from diffused frame j's output carried to k: the feedback's camera move of
  frames j+1..k composed into one warp, its other stages once (`carry`, `camera.ChainFeedback`);
  a feedback without a `carry` method is called once, `feedback(frame j, output)`;
- makes every frame m in j < m < k from both neighbours (`CadenceFrames`, `seqsampler.inbetween`):
  frame j moved forward by the camera j->m, frame k moved back by m->k (the inverse), cross-faded
  by t = (m - j) / (k - j); with `cadence_flow` refined by DIS optical flow between the two;
- yields frames in order: j+1 .. k-1, then k, once k is made.

A resume at frame s continues from the output of `planning.cadence.resume_source(frames, s)`:
frame s - 1, or the diffused frame before it when s - 1 is made between; the in-betweens it
re-makes equal the uninterrupted run's (the same inputs through the same operations).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from torch import Tensor

from .camera import Codec, composed_motion
from .inbetween import inbetween
from .motion.transform import IDENTITY, Matrix, scale_to_grid
from .planning import FramePlan, Plan
from .planning.cadence import resume_source

Feedback = Callable[[FramePlan, Tensor], Tensor]


class MakeBetween(Protocol):
    """Makes frame `frame` (its `between` set) from the outputs of its diffused neighbours,
    `previous` and `next` ([B, C, ...] each); returns its output, same shape."""

    def __call__(self, frame: FramePlan, previous: Tensor, next: Tensor) -> Tensor: ...


def has_between(plan: Plan) -> bool:
    """Whether any frame of `plan` is made between two diffused ones (cadence > 1)."""
    return any(f.between is not None for f in plan.frames)


def carry(feedback: Feedback | None, frame: FramePlan, output: Tensor, to: int) -> Tensor:
    """Diffused frame `frame`'s output made into frame `to`'s input (`to` = frame + 1 without
    cadence): `feedback.carry(frame, output, to)` where it has one, else `feedback(frame,
    output)`; `output` itself without a feedback."""
    if feedback is None:
        return output
    method = getattr(feedback, "carry", None)
    if method is not None:
        return method(frame, output, to)
    return feedback(frame, output)


class CadenceFrames:
    """The default `MakeBetween`: `inbetween` with the plan's camera and `cadence_flow`.

    size: (W, H), the render size the motion knobs' pixels refer to (needed when the plan moves).
    codec: (to_pixels, from_pixels) of the model ([B, 3, H, W] in [0, 1]): the frames are made on
        pixels (decoded, made, encoded) when `motion_space` is pixel or with `cadence_flow`;
        None: on the latents (flow then refused). Matrices are scaled to the grid they act on.
    flow: overrides the plan's `cadence_flow`."""

    def __init__(
        self,
        plan: Plan,
        size: tuple[int, int] | None = None,
        codec: Codec | None = None,
        flow: bool | None = None,
    ) -> None:
        self.plan, self.size, self.codec = plan, size, codec
        self.flow = plan.config.cadence_flow if flow is None else flow
        moves = any(f.motion is not None and f.motion.moves for f in plan.frames)
        if moves and size is None:
            raise ValueError(
                "cadence with camera motion: the in-betweens need the render size; accepted: "
                "inbetween=CadenceFrames(plan, size=(W, H), codec=...)"
            )
        if self.flow and codec is None:
            raise ValueError(
                "cadence_flow: optical flow needs the frames as pixels; accepted: "
                "inbetween=CadenceFrames(plan, size, codec=(to_pixels, from_pixels))"
            )
        pixel = plan.config.motion_space == "pixel" or self.flow
        self.on_pixels = pixel and codec is not None
        self.border = plan.config.motion_border

    def moves(self, frame: FramePlan, grid: tuple[int, int]) -> tuple[Matrix, Matrix]:
        """(M j->m, M m->k) of between frame m on `grid` (W, H): the frames' moves composed."""
        assert frame.between is not None
        j, m, k = frame.between.previous, frame.frame, frame.between.next
        out = []
        for start, end in ((j, m), (m, k)):
            moved = None if self.size is None else composed_motion(self.plan, self.size, start, end)
            if moved is None:
                out.append(IDENTITY)
            else:
                assert self.size is not None
                matrix = moved[0]
                out.append(matrix if grid == self.size else scale_to_grid(matrix, self.size, grid))
        return out[0], out[1]

    def __call__(self, frame: FramePlan, previous: Tensor, next: Tensor) -> Tensor:
        if frame.between is None:
            raise ValueError(f"frame {frame.frame} is diffused, not made between (cadence)")
        t = frame.between.t
        if self.on_pixels:
            assert self.codec is not None
            to_pixels, from_pixels = self.codec
            a, b = to_pixels(previous).float(), to_pixels(next).float()
            moves = self.moves(frame, (a.shape[-1], a.shape[-2]))
            made = inbetween(a, b, t, moves=moves, flow=self.flow, border=self.border)
            return from_pixels(made).to(previous)
        moves = self.moves(frame, (previous.shape[-1], previous.shape[-2]))
        return inbetween(previous, next, t, moves=moves, border=self.border)


class CadenceChain:
    """The diffused frames' inputs and the frames made between them, for `sequence.frame_loop`
    (one per run): `input(frame)` for each diffused frame from the start on, then
    `made(frame, output)` yields the frames up to and including it, in order."""

    def __init__(
        self,
        plan: Plan,
        init_latent: Tensor,
        *,
        start: int = 0,
        previous: Tensor | None = None,
        feedback: Feedback | None = None,
        make_between: MakeBetween | None = None,
    ) -> None:
        self.plan, self.feedback, self.start = plan, feedback, start
        self.init = init_latent
        self.make_between = make_between
        if has_between(plan):
            if init_latent.ndim != 4:
                raise ValueError(
                    f"cadence: latents of shape {tuple(init_latent.shape)}; accepted: [B, C, H, W] "
                    "(image latents; video latents are not supported with cadence > 1)"
                )
            if make_between is None:
                self.make_between = CadenceFrames(plan)
        self.source: tuple[FramePlan, Tensor] | None = None
        if start > 0:
            assert previous is not None, "check_inputs: a resume past frame 0 has its latent"
            self.source = (plan.frames[resume_source(plan.frames, start)], previous)

    @property
    def like(self) -> Tensor:
        """A latent shaped as every frame's input (the noise hook's `like`)."""
        return self.init if self.source is None else self.source[1]

    def input(self, frame: FramePlan) -> Tensor:
        """Diffused frame `frame`'s input: the init latent for the first frame made, else the
        last diffused output carried to it (`carry`)."""
        if self.source is None:
            return self.init
        previous, output = self.source
        return carry(self.feedback, previous, output, frame.frame)

    def made(self, frame: FramePlan, output: Tensor) -> Iterator[tuple[FramePlan, Tensor]]:
        """The frames between the last diffused frame and `frame` (from the start frame on),
        each made from both, then `frame` with `output`."""
        if self.source is not None and frame.frame - self.source[0].frame > 1:
            previous, first = self.source
            assert self.make_between is not None
            for index in range(max(previous.frame + 1, self.start), frame.frame):
                between = self.plan.frames[index]
                yield between, self.make_between(between, first, output)
        self.source = (frame, output)
        yield frame, output
