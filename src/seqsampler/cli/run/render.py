"""Render a resolved spec into a run folder (`folder`), frame by frame, resumable; then
write the videos and the contact sheet from the frames on disk."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...planning import Plan
from ..spec.checks import check_device, check_spec
from ..spec.fields import EMBEDDED, SpecError, short_repr, short_text
from ..spec.resolve import ResolvedSpec
from .folder import RunFolder, check_out, model_fingerprint, prepare_folder
from .frame_writer import FrameFiles, FrameWriter
from .lock import folder_lock
from .numerics import check_environment, numeric_environment, write_environment
from .plan_summary import plan_summary
from .videos import import_encoders, write_video
from .writers import (
    PLAN_KEY,
    SPEC_KEY,
    LazyFrames,
    atomic_write_text,
    contact_sheet,
    plan_prompts,
    save_image,
    to_uint8,
)

log = logging.getLogger(__name__)


@dataclass
class RenderResult:
    """What a render did: the folder, the frames made now, where it resumed, the outputs."""

    folder: RunFolder
    frame_count: int
    resumed_from: int
    rendered: int
    seconds: float
    outputs: list[Path] = field(default_factory=list)


class _Progress:
    """Two tqdm bars on stderr: frames, and sampler steps (all frames) with an ETA."""

    def __init__(self, the_plan: Plan, start: int, enabled: bool) -> None:
        from tqdm import tqdm

        remaining = the_plan.frames[start:]
        total_steps = sum(f.model_steps for f in remaining)
        self.frames = tqdm(
            total=the_plan.frame_count,
            initial=start,
            desc="frames",
            unit="frame",
            position=0,
            disable=not enabled,
        )
        self.steps = tqdm(
            total=total_steps,
            desc="steps",
            unit="step",
            position=1,
            leave=False,
            disable=not enabled,
        )

    def step(self) -> None:
        self.steps.update(1)

    def frame(self) -> None:
        self.frames.update(1)

    def close(self) -> None:
        self.steps.close()
        self.frames.close()


def render(
    spec: ResolvedSpec,
    out: Path,
    *,
    overwrite: bool = False,
    progress: bool = True,
    device: str = "cpu",
) -> RenderResult:
    """Render `spec` into the run folder `out` (resuming it when it holds complete frames).

    Every check that needs no model comes first; then the folder is locked (one writer per run
    folder) for the rest of the render."""
    started = time.perf_counter()
    the_plan = spec.plan()
    check_spec(spec)
    device = check_device(device)
    out = Path(out)
    check_out(out, overwrite)
    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        return _render_locked(spec, out, the_plan, overwrite, progress, device, started)


def _render_locked(
    spec: ResolvedSpec,
    out: Path,
    the_plan: Plan,
    overwrite: bool,
    progress: bool,
    device: str,
    started: float,
) -> RenderResult:
    import torch

    from ...sequence import describe_plan, run_sequence
    from .temporal import cadence_frames, chain_inputs, first_input, resume_state

    folder, done = prepare_folder(spec, out, overwrite, the_plan)
    n = the_plan.frame_count
    write_records(spec, folder, the_plan, done, numeric_environment(device))
    if done:
        log.info("resuming %s after frame %d of %d", folder.root, done - 1, n)
    log.info("%s", plan_summary(the_plan))  # once, before any progress bar
    log.debug("%s", describe_plan(the_plan))

    if done < n:
        model, positive, negative, shape = load_inputs(spec, device)
        bar = _Progress(the_plan, done, progress)
        from ...frame_sampler import StandaloneFrameSampler

        frame_sampler = StandaloneFrameSampler(
            model.denoiser,
            spec.config.sampler_name,
            spec.config.scheduler,
            callback=lambda info: bar.step(),
            cfg_mode=spec.fields["cfg_mode"],
        )
        files = frame_files(spec, model)
        resume = resume_state(the_plan, folder, done)
        size = render_size(spec, model)
        feedback, noise = chain_inputs(the_plan, model, folder, size, done)
        init = first_input(the_plan, model, size, shape) if done == 0 else torch.zeros(shape)
        prepare = import_encoders if spec.fields["formats"] else None
        try:
            with FrameWriter(folder, prepare=prepare) as frames:

                def on_frame(frame_plan: Any, latent: torch.Tensor) -> None:
                    frames.put(files(frame_plan, latent))
                    bar.frame()

                run_sequence(
                    the_plan,
                    frame_sampler,
                    positive,
                    negative,
                    init,
                    on_frame=on_frame,
                    resume=resume,
                    feedback=feedback,
                    noise=noise,
                    inbetween=cadence_frames(the_plan, model, size),
                    collect=False,
                )
        finally:
            bar.close()
    outputs = write_outputs(spec, folder, n)
    seconds = time.perf_counter() - started
    log.info("%d frames in %s (%.1f s)", n, folder.root, seconds)
    return RenderResult(folder, n, done, n - done, seconds, outputs)


def write_records(
    spec: ResolvedSpec, folder: RunFolder, the_plan: Plan, done: int, environment: dict[str, Any]
) -> None:
    """Check a resume's numeric environment, then write spec.json (first: it makes this a run
    folder), plan.json, model.json and, when frames are still to come, environment.json."""
    n = the_plan.frame_count
    if 0 < done < n and folder.environment_path.is_file():
        check_environment(folder.environment_path, environment, folder.root)
    atomic_write_text(folder.spec_path, spec.to_json())
    atomic_write_text(folder.plan_path, the_plan.to_json())
    atomic_write_text(folder.model_path, json.dumps(model_fingerprint(spec), indent=2))
    if done < n and not (done and folder.environment_path.is_file()):
        write_environment(folder.environment_path, environment)


def render_size(spec: ResolvedSpec, model: Any) -> tuple[int, int]:
    """(W, H) of the frames: the spec's width and height, or the model's default size."""
    default_w, default_h = model.default_size
    return spec.fields["width"] or default_w, spec.fields["height"] or default_h


def load_inputs(
    spec: ResolvedSpec, device: str
) -> tuple[Any, list[Any], list[Any], tuple[int, ...]]:
    """The spec's model, its encoded prompts and negatives, and the latent shape of one item."""
    from ...models.loader import load_model

    model = load_model(
        None if spec.fields["model"] == EMBEDDED else spec.fields["model"], device=device
    )
    shape = model.latent_shape(*render_size(spec, model), 1)
    cache: dict[str, Any] = {}

    def encode(text: str) -> Any:
        if text not in cache:
            try:
                cache[text] = model.encode_prompt(text)
            except ValueError as exc:
                raise SpecError(
                    f"prompts: {short_repr(text)} cannot be encoded: {short_text(str(exc), 200)}"
                ) from None
        return cache[text]

    positive = [encode(t) for t in spec.positive]
    negative = [encode(t) for t in spec.negative]
    return model, positive, negative, tuple(shape)


def frame_files(spec: ResolvedSpec, model: Any) -> Callable[[Any, Any], FrameFiles]:
    """`files(frame_plan, latent [1, C, ...])`: the frame's files to write (its own copy of the
    latent, the decoded image, the PNG text: the plan entry and the spec)."""
    spec_text = json.dumps(spec.fields)

    def files(frame_plan: Any, latent: Any) -> FrameFiles:
        image = to_uint8(model.decode(latent[:1])[0])
        text = {PLAN_KEY: json.dumps(frame_plan.to_dict()), SPEC_KEY: spec_text}
        return FrameFiles(frame_plan.frame, latent.detach().cpu().clone(), image, text)

    return files


def copy_input_audio(spec: ResolvedSpec, path: Path) -> None:
    """The input video's audio track into `path` (an mp4) when `audio` is on, or unset and the
    input has audio (docs/cli.md "Video input")."""
    source, wanted = spec.fields.get("init_video", ""), spec.fields.get("audio")
    if not source or wanted is False:
        return
    from ...video import copy_audio, open_video

    if wanted is None and not open_video(source).has_audio:
        return
    copy_audio(source, path)


def write_outputs(spec: ResolvedSpec, folder: RunFolder, frame_count: int) -> list[Path]:
    """Videos in the chosen formats and a contact sheet, from the frame PNGs on disk."""
    from .interpolation import video_frames  # inbetween, camera: on first use

    paths = [folder.frame_path(i) for i in range(frame_count)]
    scaled = LazyFrames(paths, spec.fields["upscale"])
    video, rate = video_frames(paths, spec.fields, spec.plan())  # interpolated when asked
    outputs = []
    for fmt in spec.fields["formats"]:
        path = folder.video_path(fmt)
        write_video(path, video, rate, fmt)
        if fmt == "mp4":
            copy_input_audio(spec, path)
        outputs.append(path)
    prompts = plan_prompts(folder.plan_path)
    save_image(folder.contact_sheet_path, contact_sheet(scaled, prompts=prompts))
    outputs.append(folder.contact_sheet_path)
    return outputs
