"""Variants: K plans that differ only in their seeds, rendered as one batch through the model.

The latent batch holds the K variants; every random draw of item k (the frame's noise, the
injected noise, a stochastic sampler's per-step noise) comes from a generator seeded with
variant k's own seed, exactly as rendering variant k alone draws it. So variant k's frames equal
its frames rendered alone up to the float differences of batched arithmetic (a matrix product
over K items may round differently than over one); docs/cli.md "Batched variants" states the
measured tolerance.

`variant_difference(a, b)` names what keeps two plans from sharing a batch;
`check_variant_plans(plans)` refuses plans that cannot; `run_variants(...)` is `run_sequence`
over the batch, with one `on_frame`, `feedback` and `Resume` per variant.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from .cadence_chain import MakeBetween, carry
from .conditioning import Conditioning
from .planning import FramePlan, Plan
from .sequence import Feedback, FrameSampler, NoiseHook, Resume, frame_loop
from .sequence_checks import check_inputs

log = logging.getLogger(__name__)

# The plan fields a variant may change: they only seed random draws.
SEED_FIELDS = ("seed", "inject_noise_seed")
# on_frame(variant index, frame_plan of that variant, latent [1, C, ...])
OnVariantFrame = Callable[[int, FramePlan, Tensor], Any]


def _unseeded(frame: FramePlan) -> FramePlan:
    """`frame` with its seeds blanked (keeping whether noise is injected)."""
    inject = None if frame.inject_noise_seed is None else 0
    return dataclasses.replace(frame, seed=0, inject_noise_seed=inject)


def variant_difference(a: Plan, b: Plan) -> str | None:
    """What keeps plans `a` and `b` from one batch (`frame_count: 4 vs 6`, `frame 2: steps: 8
    vs 10`), or None when they differ in seeds only."""
    for name in ("frame_count", "keyframes"):
        if getattr(a, name) != getattr(b, name):
            return f"{name}: {getattr(a, name)!r} vs {getattr(b, name)!r}"
    for counts in ("positive_count", "negative_count"):
        if getattr(a.config, counts) != getattr(b.config, counts):
            return f"{counts}: {getattr(a.config, counts)} vs {getattr(b.config, counts)}"
    for fa, fb in zip(a.frames, b.frames, strict=True):
        ua, ub = _unseeded(fa), _unseeded(fb)
        if ua != ub:
            for item in dataclasses.fields(FramePlan):
                va, vb = getattr(ua, item.name), getattr(ub, item.name)
                if va != vb:
                    return f"frame {fa.frame}: {item.name}: {va!r} vs {vb!r}"
    return None


def check_variant_plans(plans: Sequence[Plan]) -> None:
    """Refuse plans that cannot share one batch: at least one, all equal but for their seeds."""
    if not plans or not all(isinstance(p, Plan) for p in plans):
        raise ValueError(
            f"plans must be a non-empty list of seqsampler Plans; got {type(plans).__name__} "
            f"of {len(plans) if isinstance(plans, Sequence) else '?'}"
        )
    for index, other in enumerate(plans[1:], start=1):
        difference = variant_difference(plans[0], other)
        if difference is not None:
            raise ValueError(
                f"plans[{index}] differs from plans[0] in more than its seeds ({difference}); "
                f"accepted: variants that differ only in {', '.join(SEED_FIELDS)} (render the "
                "others separately)"
            )


def _check_per_variant(name: str, items: Sequence[Any] | None, count: int) -> None:
    if items is not None and len(items) != count:
        raise ValueError(f"{name} must hold one entry per plan ({count}); got {len(items)}")


def _resume_batch(resumes: Sequence[Resume | None] | None, count: int) -> Resume | None:
    """The batch's `Resume` (each variant's latents stacked), None from frame 0; every variant
    must resume at the same frame."""
    if resumes is None or all(r is None for r in resumes):
        return None
    starts = {0 if r is None else r.start_frame for r in resumes}
    if len(starts) != 1:
        raise ValueError(
            f"resumes must all start at one frame; got start frames {sorted(starts)} (render "
            "variants at different frames separately)"
        )
    start = starts.pop()
    if start == 0:
        return None
    previous = [r.previous_latent for r in resumes if r is not None]
    firsts = [r.first_latent for r in resumes if r is not None]
    if any(p is None for p in previous):
        raise ValueError("every resume past frame 0 needs its previous_latent")
    stacked_first = None
    if all(f is not None for f in firsts):
        stacked_first = torch.cat([f for f in firsts if f is not None])
    stacked = torch.cat([p for p in previous if p is not None])
    return Resume(start, stacked, stacked_first)


class _SplitFeedback:
    """One feedback over the batch: variant k's feedback on item k with its own frame plan
    (identity where None); `carry` as `cadence_chain.carry` per item (cadence)."""

    def __init__(self, plans: Sequence[Plan], feedbacks: Sequence[Feedback | None]) -> None:
        self.plans, self.feedbacks = plans, feedbacks

    def carry(self, frame: FramePlan, output: Tensor, to: int) -> Tensor:
        items = zip(output.split(1), self.feedbacks, self.plans, strict=True)
        return torch.cat([carry(fb, p.frames[frame.frame], item, to) for item, fb, p in items])

    def __call__(self, frame: FramePlan, output: Tensor) -> Tensor:
        return self.carry(frame, output, frame.frame + 1)


def run_variants(
    plans: Sequence[Plan],
    frame_sampler: FrameSampler,
    positive: Sequence[Conditioning],
    negative: Sequence[Conditioning],
    init_latent: Tensor,
    *,
    on_frame: OnVariantFrame | None = None,
    resumes: Sequence[Resume | None] | None = None,
    feedbacks: Sequence[Feedback | None] | None = None,
    noise: NoiseHook | None = None,
    inbetween: MakeBetween | None = None,
    collect: bool = True,
) -> Tensor | None:
    """`run_sequence` for K variants in one batch: plans[k] (equal but for seeds) renders into
    batch item k, drawing its noise from its own seeds.

    init_latent: [1, C, ...], the start latent of every variant (or [K, C, ...], one each).
    on_frame(k, frame_plan_k, latent_k [1, C, ...]) as each frame is finished, for each variant.
    resumes: one `Resume` (or None) per variant, all at the same start frame.
    feedbacks: one feedback (or None) per variant, applied to its item alone.
    noise: the batch's `NoiseHook` (`noise_warp`), given the variants' frame plans, one noise
        per item (`camera_noise.NoiseWarp`).
    inbetween: with cadence, how the frames between diffused ones are made, over the batch
        (as `run_sequence`'s; the variants share their camera).
    Returns the frames made, [n, K, C, ...] (None if not `collect`). Every input is checked
    before any model work.
    """
    check_variant_plans(plans)
    count = len(plans)
    if not getattr(frame_sampler, "item_seeds", False):
        raise ValueError(
            f"frame_sampler {type(frame_sampler).__name__} cannot draw per-item seeds; accepted: "
            "a frame sampler with item_seeds = True (seqsampler.frame_sampler."
            "StandaloneFrameSampler)"
        )
    _check_per_variant("resumes", resumes, count)
    _check_per_variant("feedbacks", feedbacks, count)
    if not isinstance(init_latent, Tensor) or init_latent.ndim < 3:
        raise ValueError(
            f"init_latent must be a tensor [1 or {count}, C, ...]; got {init_latent!r}"
        )
    if init_latent.shape[0] not in (1, count):
        raise ValueError(
            f"init_latent must hold 1 or {count} items (one per variant); got "
            f"{tuple(init_latent.shape)}"
        )
    resume = _resume_batch(resumes, count)
    batch = init_latent.expand(count, *init_latent.shape[1:]).contiguous()
    check_inputs(plans[0], frame_sampler, positive, negative, batch, None, resume)
    feedback = None if feedbacks is None else _SplitFeedback(plans, feedbacks)
    log.info("variants: %d plans of %d frames in one batch", count, plans[0].frame_count)
    made: list[Tensor] = []
    loop = frame_loop(plans[0], frame_sampler, positive, negative, batch,
                      resume=resume, feedback=feedback, variants=plans,
                      noise=noise, inbetween=inbetween)  # fmt: skip
    for frame, output in loop:
        if on_frame is not None:
            for k, item in enumerate(output.split(1)):
                on_frame(k, plans[k].frames[frame.frame], item)
        if collect:
            made.append(output)
    if not collect:
        return None
    return torch.stack(made) if made else batch[:0].unsqueeze(0)
