"""Render K specs that differ only in their seeds as one batch (`seqsampler.variants`), each into
its own normal run folder (frames, latents, manifest, videos), resumable like `render`.

Which jobs of a sweep may share a batch (`batch_key`), and the sweep's groups (`group_jobs`),
are decided here too: docs/cli.md "Batched variants".
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...planning import Plan
from ...variants import check_variant_plans
from ..spec.checks import check_device, check_spec
from ..spec.fields import SpecError
from ..spec.resolve import ResolvedSpec
from .folder import check_out, prepare_folder
from .frame_writer import write_frame
from .lock import folder_lock
from .numerics import numeric_environment
from .render import (
    RenderResult,
    frame_files,
    load_inputs,
    render_size,
    write_outputs,
    write_records,
)

log = logging.getLogger(__name__)

# Fields that may differ between the jobs of one batch: the seed (each item draws its noise
# from its own), and the fields that change only the videos.
BATCH_FREE_FIELDS = ("seed", "fps", "formats", "upscale")
MAX_BATCH = 1024  # variants in one batch


def batch_key(spec: ResolvedSpec) -> str:
    """What jobs sharing a batch must agree on: every field but `BATCH_FREE_FIELDS`, as JSON."""
    kept = {k: v for k, v in spec.fields.items() if k not in BATCH_FREE_FIELDS}
    return json.dumps(kept, sort_keys=True, default=str)


def check_batch_size(size: Any) -> int:
    """`--batch K`: an int in [1, MAX_BATCH]."""
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_BATCH:
        raise SpecError(
            f"batch: got {size!r}; accepted: an int in [1, {MAX_BATCH}] (the most jobs that "
            "render as one batch; 1 renders each job alone)"
        )
    return size


def group_jobs(jobs: Sequence[Any], size: int) -> list[list[Any]]:
    """The jobs in batches: jobs of one `batch_key` (equal but for BATCH_FREE_FIELDS), in their
    order, cut into batches of at most `size`; a job with no partner is a batch of one."""
    check_batch_size(size)
    classes: dict[str, list[Any]] = {}
    for job in jobs:
        classes.setdefault(batch_key(job.spec), []).append(job)
    return [
        members[i : i + size] for members in classes.values() for i in range(0, len(members), size)
    ]


def _plans(specs: Sequence[ResolvedSpec]) -> list[Plan]:
    plans = [s.plan() for s in specs]
    try:
        check_variant_plans(plans)
    except ValueError as exc:
        raise SpecError(f"batch: {exc}") from None
    keys = {batch_key(s) for s in specs}
    if len(keys) > 1:
        raise SpecError(
            "batch: the specs differ in more than "
            f"{', '.join(BATCH_FREE_FIELDS)}; accepted: specs equal but for those fields"
        )
    return plans


def render_batch(
    specs: Sequence[ResolvedSpec], outs: Sequence[Path], *, device: str = "cpu"
) -> list[RenderResult]:
    """Render `specs[k]` into the run folder `outs[k]` for every k, as one batch through the
    model; each folder resumes from its complete frames. Every check comes before any model work."""
    started = time.perf_counter()
    if len(specs) != len(outs) or not specs:
        raise SpecError(
            f"batch: {len(specs)} specs and {len(outs)} folders; accepted: one folder per spec, "
            "at least one"
        )
    plans = _plans(specs)
    for spec in specs:
        check_spec(spec)
    device = check_device(device)
    outs = [Path(o) for o in outs]
    if len(set(outs)) != len(outs):
        raise SpecError(f"batch: a folder is given twice in {[str(o) for o in outs]}")
    for out in outs:
        check_out(out, False)
    with contextlib.ExitStack() as stack:
        for out in outs:
            out.mkdir(parents=True, exist_ok=True)
            stack.enter_context(folder_lock(out))
        return _render_batch_locked(specs, outs, plans, device, started)


def _render_batch_locked(
    specs: Sequence[ResolvedSpec],
    outs: Sequence[Path],
    plans: Sequence[Plan],
    device: str,
    started: float,
) -> list[RenderResult]:
    import torch

    from ...frame_sampler import StandaloneFrameSampler
    from ...variants import run_variants
    from .temporal import cadence_frames, chain_inputs, first_input, resume_state

    prepared = [prepare_folder(s, o, False, p) for s, o, p in zip(specs, outs, plans, strict=True)]
    folders = [folder for folder, _ in prepared]
    done = [count for _, count in prepared]
    n = plans[0].frame_count
    environment = numeric_environment(device)
    if len(specs) > 1:  # a batch rounds differently from one item: a resume must batch alike
        environment["batch"] = len(specs)
    for spec, folder, the_plan, count in zip(specs, folders, plans, done, strict=True):
        write_records(spec, folder, the_plan, count, environment)
    start = min(done)
    if start < n:
        log.info(
            "batch: %d variants from frame %d of %d (%s)",
            len(specs),
            start,
            n,
            ", ".join(str(f.root.name) for f in folders),
        )
        model, positive, negative, shape = load_inputs(specs[0], device)
        spec = specs[0]
        frame_sampler = StandaloneFrameSampler(
            model.denoiser,
            spec.config.sampler_name,
            spec.config.scheduler,
            cfg_mode=spec.fields["cfg_mode"],
        )
        files = [frame_files(s, model) for s in specs]
        size = render_size(spec, model)
        chains = [
            chain_inputs(p, model, f, size, start) for p, f in zip(plans, folders, strict=True)
        ]

        def on_frame(k: int, frame_plan: Any, latent: torch.Tensor) -> None:
            if frame_plan.frame >= done[k]:  # frames already complete stay as they are
                write_frame(folders[k], files[k](frame_plan, latent))

        run_variants(
            plans,
            frame_sampler,
            positive,
            negative,
            first_input(plans[0], model, size, shape) if start == 0 else torch.zeros(shape),
            on_frame=on_frame,
            resumes=[resume_state(p, f, start) for p, f in zip(plans, folders, strict=True)],
            feedbacks=[feedback for feedback, _noise in chains],
            noise=chains[0][1],  # one moving noise for the batch, one per item inside it
            inbetween=cadence_frames(plans[0], model, size),  # the variants share the camera
            collect=False,
        )
    results = []
    for spec, folder, count in zip(specs, folders, done, strict=True):
        outputs = write_outputs(spec, folder, n)
        seconds = time.perf_counter() - started
        results.append(RenderResult(folder, n, count, n - count, seconds, outputs))
    log.info("batch: %d runs of %d frames (%.1f s)", len(specs), n, time.perf_counter() - started)
    return results
