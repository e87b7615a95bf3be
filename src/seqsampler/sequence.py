"""The frame chain, written once and shared by both engines.

`FrameSampler` is the one seam between the chain and a sampling engine: the ComfyUI adapter
implements it on ComfyUI's own sampling functions with the user's MODEL, the standalone engine
on our samplers and a `Denoiser`.

Semantics of the two calls (ComfyUI's, so settings mean the same in both front doors):
- `sample(x, add_noise=True, start_step=0, denoise=d)` is ComfyUI's KSampler: `steps` model
  steps over the last `steps + 1` sigmas of an `int(steps / d)`-step schedule, fresh noise
  from `seed` (drawn like `seqsampler.noise.prepare_noise`); `d <= 0` returns `x` unchanged.
- `sample(x, add_noise=False, start_step=k, denoise=1.0)` is KSamplerAdvanced with add_noise
  off: steps `k .. steps` of the full schedule, `x` taken as already at sigma_k, ending at 0.
- `unsample(x, start_step=k)` inverts `x` from a small epsilon above 0 up to sigma_k of the full
  `steps`-step schedule (behaviour.md §7), adding no noise; stochastic samplers invert with
  their deterministic counterpart.
`steps` and `cfg` are per call (the CLI can schedule them); the sampler and scheduler names
are fixed when the frame sampler is built. Tensors are [B, C, ...] latents in and out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, overload

import torch
from torch import Tensor

from .conditioning import Conditioning
from .interp import interp_latents, slerp_conditioning
from .masks import latent_mask
from .noise import randn_like_seeded
from .planning import FramePlan, Plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrameCall:
    """What every sampler call of one frame shares: its conditioning, seed, steps and cfg, and
    the noise mask ([H, W], [B, H, W] or [B, 1, H, W] at any resolution, or None)."""

    positive: Conditioning
    negative: Conditioning
    seed: int
    steps: int
    cfg: float
    noise_mask: Tensor | None = None


class FrameSampler(Protocol):
    """Samples and unsamples one frame (see the module docstring for the exact semantics)."""

    def sample(
        self,
        x: Tensor,
        call: FrameCall,
        *,
        denoise: float = 1.0,
        start_step: int = 0,
        add_noise: bool = True,
    ) -> Tensor: ...

    def unsample(self, x: Tensor, call: FrameCall, *, start_step: int) -> Tensor: ...


@dataclass(frozen=True)
class Resume:
    """Continue a run at `start_frame`; `previous_latent` is the saved output of frame
    `start_frame - 1` ([B, C, ...], like the init latent), None when `start_frame` is 0;
    `first_latent` is the saved output of frame 0, needed when a frame from `start_frame` on
    is a loop frame (`FramePlan.loop`, pulled toward frame 0)."""

    start_frame: int
    previous_latent: Tensor | None = None
    first_latent: Tensor | None = None


OnFrame = Callable[[FramePlan, Tensor], Any]
# `feedback(frame_plan, output) -> the next frame's input`: applied to every frame's output
# (after `on_frame` saw it) before it feeds the next frame, and to `resume.previous_latent`.
Feedback = Callable[[FramePlan, Tensor], Tensor]


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
    collect: Literal[False],
) -> None: ...


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
    collect: bool,
) -> Tensor | None: ...


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
    Loop frames (`frame_plan.loop = w`) are pulled toward frame 0's output: lerp(out, f0, w).
    Returns the frames made by this call, `[n*B, C, ...]` frame-major, or None if not `collect`.
    Every input is checked before any model work.
    """
    init_latent, noise_mask = _unpack_latent(init_latent, noise_mask)
    _check_inputs(plan, frame_sampler, positive, negative, init_latent, noise_mask, resume)
    start = resume.start_frame if resume is not None else 0
    # _check_inputs: previous_latent is a tensor when start > 0, else None.
    previous = resume.previous_latent if resume is not None else None
    latent = init_latent if previous is None else previous
    if previous is not None and feedback is not None:
        latent = feedback(plan.frames[start - 1], previous)
    first = resume.first_latent if resume is not None else None
    log.info("%s", describe_plan(plan))
    made: list[Tensor] = []
    chain = zip(plan.frames, conditioning_chain(plan, positive, "positive"),
                conditioning_chain(plan, negative, "negative"), strict=True)  # fmt: skip
    for frame, pos, neg in chain:
        if frame.frame < start:
            continue
        output = run_frame(frame, frame_sampler, pos, neg, latent, noise_mask)
        if frame.loop is not None:
            assert first is not None, "_check_inputs: frame 0 is made or given before a loop"
            output = torch.lerp(output, first.to(output), frame.loop)
        if frame.frame == 0:
            first = output
        if on_frame is not None:
            on_frame(frame, output)
        if collect:
            made.append(output)
        latent = output if feedback is None else feedback(frame, output)
    if not collect:
        return None
    return torch.cat(made, dim=0) if made else init_latent[:0]


def run_frame(
    frame: FramePlan,
    frame_sampler: FrameSampler,
    positive: Conditioning,
    negative: Conditioning,
    x: Tensor,
    noise_mask: Tensor | None = None,
) -> Tensor:
    """One frame: `x` is the frame's input (the previous output); returns the frame's output."""
    call = FrameCall(positive, negative, frame.seed, frame.steps, frame.cfg, noise_mask)
    if frame.path == "copy":
        sample = x
    elif frame.path == "plain":
        noised = inject_noise(frame, x, noise_mask)
        if frame.sample_steps < frame.steps:  # denoise_mode "steps": from sigma_k, fresh noise
            sample = frame_sampler.sample(noised, call, start_step=frame.start_step)
        else:
            sample = frame_sampler.sample(noised, call, denoise=frame.denoise)
    else:  # unsample: invert to sigma_k, inject, resample from sigma_k without fresh noise
        unsampled = frame_sampler.unsample(x, call, start_step=frame.start_step)
        noised = inject_noise(frame, unsampled, noise_mask)
        sample = frame_sampler.sample(noised, call, start_step=frame.start_step, add_noise=False)
    if frame.interp is not None:
        sample = interp_latents(frame.interp.mode, frame.interp.strength, x, sample)
    return sample


def inject_noise(frame: FramePlan, x: Tensor, noise_mask: Tensor | None = None) -> Tensor:
    """x + noise_strength * eps (* the mask at latent resolution), eps drawn from the frame's
    inject seed (§6); x unchanged when the plan injects nothing."""
    seed, strength = frame.inject_noise_seed, frame.noise_strength
    if seed is None or strength is None:  # FramePlan holds both or neither
        return x
    eps = randn_like_seeded(x, seed)
    if noise_mask is not None:
        eps = eps * latent_mask(noise_mask, x.shape).to(x)
    return x + strength * eps


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
        )
    return "\n".join(lines)


def _unpack_latent(
    latent: Tensor | Mapping[str, Any], noise_mask: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    if isinstance(latent, Mapping):
        if "samples" not in latent:
            raise ValueError(
                f"init_latent must hold 'samples' (a [B, C, ...] tensor); got keys {sorted(latent)}"
            )
        if noise_mask is None:
            noise_mask = latent.get("noise_mask")
        return latent["samples"], noise_mask  # _check_inputs checks what they hold
    return latent, noise_mask


def _check_latent(name: str, x: Any) -> None:
    if not isinstance(x, Tensor) or not x.is_floating_point() or x.ndim < 3:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a float tensor [B, C, ...] (3-D or more); got {shape}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} must be finite; it holds NaN or Inf values")


def _check_conditionings(name: str, items: Any, count: int) -> None:
    if isinstance(items, (Conditioning, Tensor, str, bytes)) or not isinstance(items, Sequence):
        raise ValueError(
            f"{name} must be a list of Conditioning (one per prompt); got {type(items).__name__}"
        )
    if len(items) == 0:
        raise ValueError(f"{name} is empty; it needs at least one Conditioning (one per prompt)")
    if len(items) != count:
        raise ValueError(
            f"{name} has {len(items)} conditionings but the plan was made for {count} "
            f"({name}_count={count})"
        )
    for j, item in enumerate(items):
        if not isinstance(item, Conditioning):
            raise ValueError(f"{name}[{j}] must be a Conditioning; got {type(item).__name__}")
        tokens = item.tokens
        if not isinstance(tokens, Tensor) or tokens.ndim != 3 or not tokens.is_floating_point():
            shape = tuple(tokens.shape) if isinstance(tokens, Tensor) else type(tokens).__name__
            raise ValueError(f"{name}[{j}].tokens must be a float tensor [B, T, D]; got {shape}")
        pooled = item.pooled
        for part, t in (("tokens", tokens), ("pooled", pooled)):
            if isinstance(t, Tensor) and t.is_floating_point() and not torch.isfinite(t).all():
                raise ValueError(f"{name}[{j}].{part} must be finite; it holds NaN or Inf values")


def _check_widths(
    positive: Sequence[Conditioning], negative: Sequence[Conditioning], glide: bool
) -> None:
    """Every conditioning shares the token width D (and, when gliding, batch and pooled width)."""
    entries = [(f"positive[{j}]", c) for j, c in enumerate(positive)]
    entries += [(f"negative[{j}]", c) for j, c in enumerate(negative)]
    first_name, first = entries[0]
    for name, c in entries[1:]:
        if c.tokens.shape[-1] != first.tokens.shape[-1]:
            raise ValueError(
                f"keyframe conditionings must share the token width D: {first_name} has "
                f"D={first.tokens.shape[-1]} but {name} has D={c.tokens.shape[-1]}"
            )
    if not glide:
        return
    for side in (positive, negative):
        batches = {c.tokens.shape[0] for c in side} - {1}
        pooled = {c.pooled.shape[-1] for c in side if c.pooled is not None}
        if len(batches) > 1 or len(pooled) > 1:
            raise ValueError(
                "use_conditioning_slerp needs conditionings of one batch size and one pooled "
                f"width per side; got batch sizes {sorted(batches)} and pooled widths {sorted(pooled)}"
            )


def _check_against_model(
    frame_sampler: Any, init_latent: Tensor, positive: Any, negative: Any
) -> None:
    """With a frame sampler that knows its model's inputs (`expected_inputs()`): the latent's
    rank and channels and every conditioning's token width must be the model's."""
    expected = getattr(frame_sampler, "expected_inputs", None)
    limits = expected() if callable(expected) else None
    if not limits:
        return
    shape = tuple(init_latent.shape)
    if init_latent.ndim != limits["ndim"]:
        raise ValueError(
            f"init_latent must be {limits['ndim']}-D [B, C, H, W] for this model; got {shape}"
        )
    if shape[1] != limits["channels"]:
        raise ValueError(
            f"init_latent has {shape[1]} channels but the model takes {limits['channels']}; "
            f"got {shape} (make it with model.latent_shape(width, height))"
        )
    for side, items in (("positive", positive), ("negative", negative)):
        for j, c in enumerate(items):
            if c.tokens.shape[-1] != limits["token_width"]:
                raise ValueError(
                    f"{side}[{j}] has token width {c.tokens.shape[-1]} but the model takes "
                    f"{limits['token_width']} (encode prompts with this model's encode_prompt)"
                )


def _check_inputs(
    plan: Plan,
    frame_sampler: Any,
    positive: Any,
    negative: Any,
    init_latent: Any,
    noise_mask: Any,
    resume: Resume | None,
) -> None:
    """Every check of behaviour.md §11 that needs the tensors, before any model work."""
    if not isinstance(plan, Plan):
        raise ValueError(f"plan must be a seqsampler Plan; got {type(plan).__name__}")
    for method in ("sample", "unsample"):
        if not callable(getattr(frame_sampler, method, None)):
            raise ValueError(
                f"frame_sampler must have a {method}() method (the FrameSampler protocol)"
            )
    _check_conditionings("positive", positive, plan.config.positive_count)
    _check_conditionings("negative", negative, plan.config.negative_count)
    for side, items in (("positive", positive), ("negative", negative)):
        highest = max(getattr(f, side) for f in plan.frames)
        if highest >= len(items):
            raise ValueError(
                f"the plan uses {side} prompt {highest} but {side} has {len(items)} conditionings"
            )
    if plan.frames and plan.frames[0].loop is not None:
        raise ValueError("frame 0 cannot be a loop frame (it is what the loop returns to)")
    _check_latent("init_latent", init_latent)
    _check_against_model(frame_sampler, init_latent, positive, negative)
    _check_widths(positive, negative, any(f.glide is not None for f in plan.frames))
    if noise_mask is not None:
        if not isinstance(noise_mask, Tensor) or noise_mask.ndim < 2:
            raise ValueError("noise_mask must be a tensor [H, W], [B, H, W] or [B, 1, H, W]")
        if not torch.isfinite(noise_mask).all():
            raise ValueError("noise_mask must be finite; it holds NaN or Inf values")
        if init_latent.ndim < 4:
            raise ValueError(
                "noise_mask needs a latent with spatial dims [B, C, H, W] or [B, C, T, H, W]; "
                f"got init_latent {tuple(init_latent.shape)}"
            )
    if resume is None:
        return
    start = resume.start_frame
    if not isinstance(start, int) or isinstance(start, bool) or not 0 <= start <= plan.frame_count:
        raise ValueError(
            f"resume.start_frame must be an int in [0, {plan.frame_count}]; got {start!r}"
        )
    if start == 0:
        if resume.previous_latent is not None:
            raise ValueError("resume.previous_latent must be None when resume.start_frame is 0")
        return
    if any(f.loop is not None for f in plan.frames[start:]):
        first = resume.first_latent
        if first is None:
            raise ValueError(
                "resume.first_latent (frame 0's saved output) is needed: the plan pulls its "
                f"loop frames toward frame 0 and the run resumes at frame {start}"
            )
        _check_latent("resume.first_latent", first)
        assert isinstance(first, Tensor)
        if first.shape != init_latent.shape:
            raise ValueError(
                f"resume.first_latent must match init_latent's shape {tuple(init_latent.shape)}; "
                f"got {tuple(first.shape)}"
            )
    previous = resume.previous_latent
    _check_latent("resume.previous_latent", previous)
    assert isinstance(previous, Tensor), "_check_latent raised otherwise"
    if previous.shape != init_latent.shape or previous.dtype != init_latent.dtype:
        raise ValueError(
            "resume.previous_latent must match init_latent's shape and dtype "
            f"{tuple(init_latent.shape)} {init_latent.dtype}; got "
            f"{tuple(previous.shape)} {previous.dtype}"
        )
