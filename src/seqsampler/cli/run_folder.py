"""The run folder: its paths, its check against the spec (a resume), the model's fingerprint.

Run folder layout (docs/cli.md "Outputs"):
    spec.json            the resolved spec (what a resume is checked against)
    plan.json            the plan (`Plan.to_json()`)
    model.json           the model's fingerprint (`model_fingerprint`)
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
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..planning import Plan
from .fields import EMBEDDED, SpecError, short_repr
from .spec import ResolvedSpec, spec_differences

OUR_FILES = (
    "spec.json",
    "plan.json",
    "model.json",
    "contact_sheet.png",
    "video.mp4",
    "video.gif",
    "video.webp",
    "metrics.json",  # `seqsampler metrics` writes these; stale once the frames are rendered again
    "metrics.csv",
    "metrics.png",
    "view.html",  # `seqsampler view` writes these
    "plan.png",
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
                f"{name}: saved {short_repr(saved.get(name))}, now {short_repr(spec.fields.get(name))}"
                for name in differing
            )
            raise SpecError(
                f"out: the run folder {short_repr(str(out), 240)} holds a different spec ({details}); "
                "render into a new folder (--out) or pass --overwrite to start again"
            )
        if the_plan is not None and folder.plan_path.is_file():
            _check_saved_plan(folder, the_plan)
        if folder.model_path.is_file():
            _check_saved_model(folder, spec)
    elif out.exists() and any(out.iterdir()):
        raise SpecError(
            f"out: {short_repr(str(out), 240)} is not empty and holds no spec.json (not a run folder); "
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
            f"out: the run folder {short_repr(str(folder.root), 240)} was rendered with other weights of the "
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
                f"out: the run folder {short_repr(str(folder.root), 240)} was planned differently by another "
                f"version of seqsampler (frame {new.get('frame')} differs in {', '.join(fields)}); "
                "render into a new folder (--out) or pass --overwrite to start again"
            )
