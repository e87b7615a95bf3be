"""The frame chain, written once and shared by both engines: `run_sequence` and `frame_loop`.

Per frame: the (glided) conditioning, the input (the init latent, else the previous frame's
output through `feedback`), the frame's model work (`frame_call.run_frame`, through the
`FrameSampler` seam whose exact ComfyUI semantics `seqsampler.frame_call` states), the pull of
a loop frame toward frame 0, and with cadence the frames made between (`cadence_chain`).
`FrameCall` and `FrameSampler` stay importable from here, where callers import them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import torch
from torch import Tensor

from .cadence_chain import CadenceChain, MakeBetween
from .conditioning import Conditioning
from .frame_call import FrameCall as FrameCall
from .frame_call import FrameNoises, FrameSampler, close_loop, run_frame
from .interp import slerp_conditioning
from .planning import FramePlan, Plan
from .sequence_checks import check_inputs, unpack_latent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resume:
    """Continue a run at `start_frame`; `previous_latent` is the saved output of frame
    `start_frame - 1` ([B, C, ...], like the init latent), None when `start_frame` is 0 (with
    cadence, when frame `start_frame - 1` is made between, the saved output of the diffused
    frame before it: `planning.cadence.resume_source`);
    `first_latent` is the saved output of frame 0, needed when a frame from `start_frame` on
    is a loop frame (`FramePlan.loop`, pulled toward frame 0)."""

    start_frame: int
    previous_latent: Tensor | None = None
    first_latent: Tensor | None = None


OnFrame = Callable[[FramePlan, Tensor], Any]
# `feedback(frame_plan, output) -> the next frame's input`: applied to a frame's output (after
# `on_frame` saw it) when it feeds the next frame (so not to the last), and to
# `resume.previous_latent`. With cadence, once per diffused frame (`cadence_chain.carry`).
Feedback = Callable[[FramePlan, Tensor], Tensor]

# `noise(frame_plan, like, variants) -> FrameNoises`: called for every frame in order, the frames
# a resume skips included (`like` shaped as the frame's input latent), so its state replays.
NoiseHook = Callable[[FramePlan, Tensor, Sequence[FramePlan] | None], FrameNoises]


@overload
def run_sequence(
    plan: Plan,
    frame_sampler: FrameSampler,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    init_latent: Tensor | Mapping[str, Any],
    *,
    noise_mask: Tensor | None = ...,
    on_frame: OnFrame | None = ...,
    resume: Resume | None = ...,
    feedback: Feedback | None = ...,
    noise: NoiseHook | None = ...,
    inbetween: MakeBetween | None = ...,
    collect: Literal[True] = ...,
) -> Tensor: ...


@overload
def run_sequence(
    plan: Plan,
    frame_sampler: FrameSampler,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    init_latent: Tensor | Mapping[str, Any],
    *,
    noise_mask: Tensor | None = ...,
    on_frame: OnFrame | None = ...,
    resume: Resume | None = ...,
    feedback: Feedback | None = ...,
    noise: NoiseHook | None = ...,
    inbetween: MakeBetween | None = ...,
    collect: Literal[False],
) -> None: ...


def run_sequence(
    plan: Plan,
    frame_sampler: FrameSampler,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    init_latent: Tensor | Mapping[str, Any],
    *,
    noise_mask: Tensor | None = None,
    on_frame: OnFrame | None = None,
    resume: Resume | None = None,
    feedback: Feedback | None = None,
    noise: NoiseHook | None = None,
    inbetween: MakeBetween | None = None,
    collect: bool = True,
) -> Tensor | None:
    """Run the frame chain of `plan` (behaviour.md §3, §6-§9): per frame, the (glided)
    conditioning, the input (the init latent for frame 0, else the previous frame's output),
    the injected noise, the model work the plan names, the latent interpolation.

    positive, negative: one `Conditioning` per prompt (counts as in `plan.config`).
    init_latent: [B, C, ...] (or a LATENT dict with `samples` and an optional `noise_mask`).
    noise_mask: passed to every sampler call of every frame; it also weights the injected noise,
        so the region it keeps is never noised.
    on_frame: called with `(frame_plan, latent [B, C, ...])` as each frame is finished.
    resume: `Resume(start_frame, previous_latent)`: frames before `start_frame` are skipped (only
        their conditioning glide is recomputed, no model work); the frames made equal those of an
        uninterrupted run.
    feedback: `feedback(frame_plan, output) -> input` turns each frame's output (as `on_frame`
        saw it) into the next frame's input, e.g. colour coherence; also applied to
        `resume.previous_latent`, so a resumed run feeds what the uninterrupted run fed.
    noise: `noise(frame_plan, like, variants)` gives each frame's fresh and injected noise
        instead of the seeds' draws (`camera_noise.NoiseWarp`, `noise_warp`); called for the
        frames a resume skips too, so the noise it keeps replays without model work.
    inbetween: with cadence (frames marked `between`), how they are made from their diffused
        neighbours (`cadence_chain.CadenceFrames(plan, size, codec)`); None: that without size
        and codec, a cross-fade of the latents (refused when the plan moves or asks for flow).
        The feedback carries each diffused output to the next diffused frame
        (`cadence_chain.carry`); the model runs on the diffused frames only.
    Loop frames (`frame_plan.loop = w`) are pulled toward frame 0's output: lerp(out, f0, w).
    Returns the frames made by this call, `[n*B, C, ...]` frame-major, or None if not `collect`.
    Every input is checked before any model work.
    """
    init_latent, noise_mask = unpack_latent(init_latent, noise_mask)
    check_inputs(plan, frame_sampler, positive, negative, init_latent, noise_mask, resume)
    log.info("%s", describe_plan(plan))
    made: list[Tensor] = []
    loop = frame_loop(plan, frame_sampler, positive, negative, init_latent,
                      resume=resume, noise_mask=noise_mask, feedback=feedback,
                      noise=noise, inbetween=inbetween)  # fmt: skip
    for frame, output in loop:
        if on_frame is not None:
            on_frame(frame, output)
        if collect:
            made.append(output)
    if not collect:
        return None
    return torch.cat(made, dim=0) if made else init_latent[:0]


def frame_loop(
    plan: Plan,
    frame_sampler: FrameSampler,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    init_latent: Tensor,
    *,
    resume: Resume | None = None,
    noise_mask: Tensor | None = None,
    feedback: Feedback | None = None,
    variants: Sequence[Plan] | None = None,
    noise: NoiseHook | None = None,
    inbetween: MakeBetween | None = None,
) -> Iterator[tuple[FramePlan, Tensor]]:
    """The frame loop, written once for `run_sequence` and `run_variants` (inputs checked by
    them): yields `(frame_plan, output)` for each frame from the resume's start frame on, in
    order; the next frame's input is that output through `feedback`, applied once the
    caller has seen it (so `on_frame` sees the raw output). On a resume the first input is
    the saved previous output through `feedback`, else `init_latent`. `variants`: the plans of
    the batch's items (`plan`'s frames but for their seeds, `seqsampler.variants`), each item
    drawing its noise from its own plan; None: `plan`'s seeds draw for the whole batch.
    `noise`: the `NoiseHook` (see `run_sequence`), called for every frame, skipped ones too.
    With cadence the model makes the diffused frames only and `inbetween` the others
    (`cadence_chain.CadenceChain`)."""
    start = resume.start_frame if resume is not None else 0
    # check_inputs: previous_latent is a tensor when start > 0, else None.
    previous = resume.previous_latent if resume is not None else None
    cadence = CadenceChain(plan, init_latent, start=start, previous=previous,
                           feedback=feedback, make_between=inbetween)  # fmt: skip
    first = resume.first_latent if resume is not None else None
    chain = zip(plan.frames, conditioning_chain(plan, positive, "positive"),
                conditioning_chain(plan, negative, "negative"), strict=True)  # fmt: skip
    for frame, pos, neg in chain:
        items = None if variants is None else [p.frames[frame.frame] for p in variants]
        noises = None if noise is None else noise(frame, cadence.like, items)  # replays
        if frame.frame < start or frame.between is not None:
            continue  # skipped, or made with the next diffused frame
        latent = cadence.input(frame)
        output = run_frame(frame, frame_sampler, pos, neg, latent, noise_mask, items, noises)
        output = close_loop(frame, output, first)
        if frame.frame == 0:
            first = output
        yield from cadence.made(frame, output)


def conditioning_chain(
    plan: Plan, conditionings: Sequence[Conditioning], side: str
) -> Iterator[Conditioning]:
    """The conditioning of every frame (§3): the prompt's target on a hard switch (`glide` None),
    else c_i = slerp(glide, c_{i-1}, target_i). `side` is "positive" or "negative"."""
    current: Conditioning | None = None
    for frame in plan.frames:
        target = conditionings[getattr(frame, side)]
        if frame.glide is None or current is None:
            current = target
        else:
            current = slerp_conditioning(frame.glide, current, target)
        yield current


def describe_plan(plan: Plan) -> str:
    """A one-line-per-frame summary of the plan (logged once per run at INFO, §10)."""
    lines = [f"sequence plan: {plan.frame_count} frames, keyframes {list(plan.keyframes)}"]
    for f in plan.frames:
        lines.append(
            f"  frame {f.frame}: prompt {f.positive}/{f.negative} seed {f.seed} "
            f"denoise {f.denoise:.3f} path {f.path} steps {f.sample_steps}+{f.unsample_steps}"
            + (f" glide {f.glide}" if f.glide is not None else "")
            + (f" inject {f.noise_strength}" if f.inject_noise_seed is not None else "")
            + (
                f" color {f.color.mode} to {f.color.anchor} x{f.color.strength:g}"
                if f.color is not None
                else ""
            )
            + (f" loop {f.loop:.3f}" if f.loop is not None else "")
            + (f" between {f.between.previous}-{f.between.next}" if f.between is not None else "")
            + (
                f" video {f.video.mode} {f.video.frame} x{f.video.strength:g}"
                if f.video is not None
                else ""
            )
            + (
                f" motion zoom {f.motion.zoom:g} angle {f.motion.angle:g} translation "
                f"{f.motion.translation_x:g},{f.motion.translation_y:g}"
                if f.motion is not None
                else ""
            )
        )
    return "\n".join(lines)
