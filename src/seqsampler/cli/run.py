"""Render a resolved spec into a run folder, frame by frame, resumable.

Run folder layout (docs/cli.md "Outputs"):
    spec.json            the resolved spec (what a resume is checked against)
    plan.json            the plan (`Plan.to_json()`)
    frames/00000.png     one PNG per frame, written as soon as it is made, with its plan entry and
                         the spec in PNG text chunks (`seqsampler.planning`, `seqsampler.spec`)
    latents/00000.safetensors   the frame's output latent (the next frame's input)
    video.mp4 / video.gif / video.webp, contact_sheet.png   written when every frame exists

A frame is complete when its latent and its PNG exist (the latent is written first, the PNG
last, each atomically). A run resumes after the last frame of the complete prefix, from its
saved latent, and gives the same frames as an uninterrupted run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..planning import Plan, plan
from .spec import EMBEDDED, OUTPUT_ONLY, ResolvedSpec, SpecError, spec_differences
from .writers import (
    PLAN_KEY,
    SPEC_KEY,
    atomic_write_text,
    contact_sheet,
    load_frames,
    load_latent,
    plan_prompts,
    save_image,
    save_latent,
    save_png,
    to_uint8,
    upscale,
    write_video,
)

log = logging.getLogger(__name__)

OUR_FILES = (
    "spec.json",
    "plan.json",
    "model.json",
    "contact_sheet.png",
    "video.mp4",
    "video.gif",
    "video.webp",
)
OUR_FOLDERS = ("frames", "latents")


@dataclass(frozen=True)
class RunFolder:
    """The paths of a run folder (see the module docstring)."""

    root: Path

    @property
    def spec_path(self) -> Path:
        return self.root / "spec.json"

    @property
    def plan_path(self) -> Path:
        return self.root / "plan.json"

    @property
    def model_path(self) -> Path:
        return self.root / "model.json"

    def frame_path(self, index: int) -> Path:
        return self.root / "frames" / f"{index:05d}.png"

    def latent_path(self, index: int) -> Path:
        return self.root / "latents" / f"{index:05d}.safetensors"

    def video_path(self, fmt: str) -> Path:
        return self.root / f"video.{fmt}"

    @property
    def contact_sheet_path(self) -> Path:
        return self.root / "contact_sheet.png"

    def complete_frames(self, frame_count: int) -> int:
        """The length of the prefix of frames whose latent and PNG both exist."""
        done = 0
        while done < frame_count and self.frame_path(done).is_file():
            if not self.latent_path(done).is_file():
                break
            done += 1
        return done

    def remove_temporaries(self) -> None:
        """Remove the temporary files a killed run may leave (`.name.*.tmp`)."""
        for folder in (self.root, self.root / "frames", self.root / "latents"):
            if folder.is_dir():
                for path in folder.glob(".*.tmp*"):
                    path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove what a render writes here (and nothing else)."""
        for name in OUR_FOLDERS:
            shutil.rmtree(self.root / name, ignore_errors=True)
        for name in OUR_FILES:
            (self.root / name).unlink(missing_ok=True)


@dataclass
class RenderResult:
    """What a render did: the folder, the frames made now, where it resumed, the outputs."""

    folder: RunFolder
    frame_count: int
    resumed_from: int
    rendered: int
    seconds: float
    outputs: list[Path] = field(default_factory=list)


def prepare_folder(
    spec: ResolvedSpec, out: Path, overwrite: bool, the_plan: Plan | None = None
) -> tuple[RunFolder, int]:
    """Check the run folder against the spec; returns it and the number of complete frames.

    A folder holding a different spec is refused (its differing fields are named) unless
    `overwrite`; output-only fields (fps, formats, upscale) may change between runs. With
    `the_plan`, a saved plan that differs from it (the library changed since the run began) is
    refused too, naming the first differing frame.
    """
    folder = RunFolder(out)
    if overwrite:
        folder.clear()
    elif folder.spec_path.is_file():
        saved = json.loads(folder.spec_path.read_text(encoding="utf-8"))
        differing = spec_differences(saved, spec.fields)
        if differing:
            details = "; ".join(
                f"{name}: saved {saved.get(name)!r}, now {spec.fields.get(name)!r}"
                for name in differing
            )
            raise SpecError(
                f"out: the run folder {str(out)!r} holds a different spec ({details}); "
                "render into a new folder (--out) or pass --overwrite to start again"
            )
        if the_plan is not None and folder.plan_path.is_file():
            _check_saved_plan(folder, the_plan)
        if folder.model_path.is_file():
            _check_saved_model(folder, spec)
    elif out.exists() and any(out.iterdir()):
        raise SpecError(
            f"out: {str(out)!r} is not empty and holds no spec.json (not a run folder); "
            "choose a new folder or pass --overwrite"
        )
    out.mkdir(parents=True, exist_ok=True)
    folder.remove_temporaries()
    return folder, folder.complete_frames(spec.frame_count)


def model_fingerprint(spec: ResolvedSpec) -> dict[str, Any]:
    """What identifies the model beyond its path: the embedded model's files' SHA-256 (the
    weights change between seqsampler versions); users' models are identified by path only."""
    if spec.fields["model"] != EMBEDDED:
        return {"model": spec.fields["model"]}
    return {"model": EMBEDDED, "sha256": _embedded_sha256()}


@functools.cache
def _embedded_sha256() -> str:
    """SHA-256 over the embedded model folder's file names and contents (read once per process)."""
    from ..models.embedded import EMBEDDED_DIR

    digest = hashlib.sha256()
    for path in sorted(p for p in EMBEDDED_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(EMBEDDED_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _check_saved_model(folder: RunFolder, spec: ResolvedSpec) -> None:
    saved = json.loads(folder.model_path.read_text(encoding="utf-8"))
    if saved != model_fingerprint(spec):
        raise SpecError(
            f"out: the run folder {str(folder.root)!r} was rendered with other weights of the "
            f"{spec.fields['model']} model (an older seqsampler); render into a new folder "
            "(--out) or pass --overwrite to start again"
        )


def _check_saved_plan(folder: RunFolder, the_plan: Plan) -> None:
    saved = json.loads(folder.plan_path.read_text(encoding="utf-8")).get("frames", [])
    now = json.loads(the_plan.to_json())["frames"]
    for old, new in zip(saved, now, strict=False):
        if old != new:
            fields = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
            raise SpecError(
                f"out: the run folder {str(folder.root)!r} was planned differently by another "
                f"version of seqsampler (frame {new.get('frame')} differs in {', '.join(fields)}); "
                "render into a new folder (--out) or pass --overwrite to start again"
            )


def check_engine(spec: ResolvedSpec) -> None:
    """The sampler and scheduler must be implemented by the standalone engine."""
    from ..sampling import SAMPLERS, SCHEDULERS

    config = spec.config
    for name, value, table in (
        ("sampler_name", config.sampler_name, SAMPLERS),
        ("scheduler", config.scheduler, SCHEDULERS),
    ):
        if value not in table:
            raise SpecError(
                f"{name}: {value!r} is not implemented by the standalone engine; accepted: "
                f"{', '.join(table)}"
            )


def check_prompts(spec: ResolvedSpec) -> None:
    """With the embedded model, every prompt word must be in its closed vocabulary."""
    if spec.fields["model"] != EMBEDDED:
        return
    from ..models.embedded import tokenizer

    tok = tokenizer()
    known = set(tok.words)
    for name, texts in (("prompts", spec.positive), ("negative", spec.negative)):
        for text in texts:
            unknown = [w for w in tok.split(text) if w not in known]
            if unknown:
                raise SpecError(
                    f"{name}: {text!r} has words the embedded model does not know "
                    f"({', '.join(unknown)}); accepted words: {' '.join(tok.words)}"
                )


def size_factor(model: str) -> int:
    """Pixels per latent pixel, read without loading the model: 1 for the embedded (pixel-space)
    model, 2**(VAE levels - 1) from a diffusers folder's vae/config.json, 8 for SD checkpoints."""
    if model == EMBEDDED:
        return 1
    path = Path(model)
    vae_config = path / "vae" / "config.json"
    if path.is_dir():
        if not vae_config.is_file():
            return 1
        levels = len(json.loads(vae_config.read_text(encoding="utf-8"))["block_out_channels"])
        return 2 ** (levels - 1)
    return 8


def check_size(spec: ResolvedSpec) -> None:
    """width and height must be multiples of the model's latent factor."""
    factor = size_factor(spec.fields["model"])
    for name in ("width", "height"):
        value = spec.fields[name]
        if value is not None and value % factor:
            raise SpecError(
                f"{name}: got {value}; accepted: a multiple of {factor} for this model "
                f"(e.g. {max(factor, value // factor * factor)})"
            )


class _Progress:
    """Two tqdm bars on stderr: frames, and sampler steps (all frames) with an ETA."""

    def __init__(self, the_plan: Plan, start: int, enabled: bool) -> None:
        from tqdm import tqdm

        remaining = the_plan.frames[start:]
        total_steps = sum(f.sample_steps + f.unsample_steps for f in remaining)
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
    """Render `spec` into the run folder `out` (resuming it when it holds complete frames)."""
    import torch

    from ..models.loader import load_model
    from ..sequence import Resume, run_sequence

    started = time.perf_counter()
    the_plan = plan(spec.config)
    check_engine(spec)
    check_prompts(spec)
    check_size(spec)
    folder, done = prepare_folder(spec, Path(out), overwrite, the_plan)
    atomic_write_text(folder.spec_path, spec.to_json())
    atomic_write_text(folder.plan_path, the_plan.to_json())
    atomic_write_text(folder.model_path, json.dumps(model_fingerprint(spec), indent=2))
    n = the_plan.frame_count
    if done:
        log.info("resuming %s after frame %d of %d", folder.root, done - 1, n)

    if done < n:
        model = load_model(
            None if spec.fields["model"] == EMBEDDED else spec.fields["model"], device=device
        )
        default_w, default_h = model.default_size
        width = spec.fields["width"] or default_w
        height = spec.fields["height"] or default_h
        shape = model.latent_shape(width, height, 1)
        cache: dict[str, Any] = {}

        def encode(text: str) -> Any:
            if text not in cache:
                try:
                    cache[text] = model.encode_prompt(text)
                except ValueError as exc:
                    raise SpecError(f"prompts: {text!r} cannot be encoded: {exc}") from None
            return cache[text]

        positive = [encode(t) for t in spec.positive]
        negative = [encode(t) for t in spec.negative]
        bar = _Progress(the_plan, done, progress)
        from ..frame_sampler import StandaloneFrameSampler

        frame_sampler = StandaloneFrameSampler(
            model.denoiser,
            spec.config.sampler_name,
            spec.config.scheduler,
            callback=lambda info: bar.step(),
        )
        spec_text = json.dumps(spec.fields)

        def on_frame(frame_plan: Any, latent: torch.Tensor) -> None:
            index = frame_plan.frame
            save_latent(folder.latent_path(index), latent)
            image = to_uint8(model.decode(latent[:1])[0])
            text = {PLAN_KEY: json.dumps(frame_plan.to_dict()), SPEC_KEY: spec_text}
            save_png(folder.frame_path(index), image, text)
            bar.frame()

        resume = None
        if done:
            resume = Resume(done, load_latent(folder.latent_path(done - 1)))
        init = torch.zeros(shape)
        try:
            run_sequence(
                the_plan,
                frame_sampler,
                positive,
                negative,
                init,
                on_frame=on_frame,
                resume=resume,
                collect=False,
            )
        finally:
            bar.close()
    outputs = write_outputs(spec, folder, n)
    seconds = time.perf_counter() - started
    log.info("%d frames in %s (%.1f s)", n, folder.root, seconds)
    return RenderResult(folder, n, done, n - done, seconds, outputs)


def write_outputs(spec: ResolvedSpec, folder: RunFolder, frame_count: int) -> list[Path]:
    """Videos in the chosen formats and a contact sheet, from the frame PNGs on disk."""
    frames = load_frames([folder.frame_path(i) for i in range(frame_count)])
    factor = spec.fields["upscale"]
    scaled = [upscale(f, factor) for f in frames]
    outputs = []
    for fmt in spec.fields["formats"]:
        path = folder.video_path(fmt)
        write_video(path, scaled, spec.fields["fps"], fmt)
        outputs.append(path)
    prompts = plan_prompts(folder.plan_path)
    save_image(folder.contact_sheet_path, contact_sheet(scaled, prompts=prompts))
    outputs.append(folder.contact_sheet_path)
    return outputs


__all__ = ["OUTPUT_ONLY", "RenderResult", "RunFolder", "check_engine", "prepare_folder", "render"]
