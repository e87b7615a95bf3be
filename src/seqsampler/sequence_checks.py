"""The chain's input checks: every check of behaviour.md §11 that needs the tensors.

`run_sequence` calls `unpack_latent` and `check_inputs` before any model work; each check
raises a one-line `ValueError` naming the input and what is accepted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import torch
from torch import Tensor

from .conditioning import Conditioning
from .planning import Plan


class _Resume(Protocol):
    """What the checks read of `sequence.Resume` (this module cannot import `sequence`)."""

    @property
    def start_frame(self) -> int: ...

    @property
    def previous_latent(self) -> Tensor | None: ...

    @property
    def first_latent(self) -> Tensor | None: ...


def unpack_latent(
    latent: Tensor | Mapping[str, Any], noise_mask: Tensor | None
) -> tuple[Tensor, Tensor | None]:
    if isinstance(latent, Mapping):
        if "samples" not in latent:
            raise ValueError(
                f"init_latent must hold 'samples' (a [B, C, ...] tensor); got keys {sorted(latent)}"
            )
        if noise_mask is None:
            noise_mask = latent.get("noise_mask")
        return latent["samples"], noise_mask  # check_inputs checks what they hold
    return latent, noise_mask


def _check_latent(name: str, x: Any) -> None:
    if not isinstance(x, Tensor) or not x.is_floating_point() or x.ndim < 3:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{name} must be a float tensor [B, C, ...] (3-D or more); got {shape}")
    _check_real(name, x)
    if x.shape[0] == 0:
        raise ValueError(
            f"{name} has batch size 0; got {tuple(x.shape)}; accepted: a batch of at least 1"
        )
    if x.numel() == 0:
        raise ValueError(
            f"{name} is empty (a dimension of size 0); got {tuple(x.shape)}; accepted: every "
            "dimension at least 1"
        )
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} must be finite; it holds NaN or Inf values")


def _check_real(name: str, x: Tensor) -> None:
    """A tensor with data: the meta device holds shapes only (checking or sampling it fails)."""
    if x.is_meta:
        raise ValueError(
            f"{name} is on the meta device (a shape without data); accepted: a tensor on a "
            "device that holds data (cpu, cuda, mps)"
        )


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
            if isinstance(t, Tensor):
                _check_real(f"{name}[{j}].{part}", t)
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


def check_inputs(
    plan: Plan,
    frame_sampler: Any,
    positive: Any,
    negative: Any,
    init_latent: Any,
    noise_mask: Any,
    resume: _Resume | None,
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
        _check_real("noise_mask", noise_mask)
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
