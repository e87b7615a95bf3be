"""The run folder: its paths, its check against the spec (a resume), the model's fingerprint.

Run folder layout (docs/cli.md "Outputs"):
    spec.json            the resolved spec (what a resume is checked against)
    plan.json            the plan (`Plan.to_json()`)
    model.json           the model's fingerprint (`model_fingerprint`)
    environment.json     device, dtype, torch version, threads of the frames (`numerics`)
    manifest.jsonl       per complete frame: its latent's and PNG's SHA-256 (`manifest`)
    .seqsampler.lock     the writer's lock and pid (`lock`)
    frames/00000.png     one PNG per frame, written as soon as it is made, with its plan entry and
                         the spec in PNG text chunks (`seqsampler.planning`, `seqsampler.spec`)
    latents/00000.safetensors   the frame's output latent (the next frame's input)
    video.mp4 / video.gif / video.webp, contact_sheet.png   written when every frame exists

A run folder is untrusted input: one holding a symbolic link that leads outside it is refused
before anything is read or written (`check_links`), and `clear` never follows a linked
`frames/` or `latents/` folder.

A frame is complete when its latent and its PNG are in place (each written atomically) and the
manifest records their hashes. A run resumes after the verified prefix of the manifest, from
its last saved latent, and gives the same frames as an uninterrupted run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...files import refuse_outside_links
from ...planning import Plan
from ..spec.fields import EMBEDDED, SpecError, short_repr
from ..spec.resolve import ResolvedSpec, spec_differences
from .lock import LOCK_NAME
from .manifest import MANIFEST_NAME, read_manifest, truncate_manifest, verified_prefix

log = logging.getLogger(__name__)

ENVIRONMENT_NAME = "environment.json"  # what `numerics` records and checks

# Cleared in this order: the manifest first (no frame is trusted once it is gone), spec.json last
# (a cleared folder stays recognisable as a run folder if the clearing is interrupted).
OUR_FILES = (
    MANIFEST_NAME,
    ENVIRONMENT_NAME,
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
    "spec.json",
)
OUR_FOLDERS = {  # ASCII digits: `\d` would match a user's '٠٠٠٠٠.png' too
    "frames": re.compile(r"[0-9]{5}\.png"),
    "latents": re.compile(r"[0-9]{5}\.safetensors"),
}
IGNORED = (LOCK_NAME,)
TEMPORARY = re.compile(
    r"\..*\.tmp.*"
)  # what `atomic_write_bytes` leaves when killed  # present in a folder that is still empty for our purposes


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

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def environment_path(self) -> Path:
        return self.root / ENVIRONMENT_NAME

    def is_run_folder(self) -> bool:
        return self.spec_path.is_file() or self.manifest_path.is_file()

    def complete_frames(self, frame_count: int) -> int:
        """The verified prefix of the manifest (frames whose files match their recorded
        SHA-256); the manifest is cut back to it, and the reason a frame failed is logged."""
        entries = read_manifest(self.manifest_path)
        if not entries and self.frame_path(0).is_file():
            log.info(
                "%s has frames but no %s (an older seqsampler, or a cleared manifest); "
                "rendering every frame again",
                self.root,
                MANIFEST_NAME,
            )
        done, why = verified_prefix(entries, self.latent_path, self.frame_path, frame_count)
        if why is not None:
            log.warning(
                "frame %d fails its check (%s); rendering again from frame %d", done, why, done
            )
        truncate_manifest(self.manifest_path, entries, done)
        return done

    def remove_temporaries(self) -> None:
        """Remove the temporary files a killed run may leave (`.name.*.tmp`)."""
        for folder in (self.root, self.root / "frames", self.root / "latents"):
            if folder.is_dir() and not folder.is_symlink():
                for path in folder.glob(".*.tmp*"):
                    path.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove what a render writes here and nothing else: our named files, frames/NNNNN.png,
        latents/NNNNN.safetensors and temporaries (a folder is removed only once empty); a
        `frames` or `latents` that is a symbolic link is refused, never followed."""
        for name in OUR_FOLDERS:
            if (self.root / name).is_symlink():
                raise SpecError(
                    f"out: {short_repr(str(self.root / name), 240)} is a symbolic link; --overwrite "
                    "deletes frames only in the run folder's own frames/ and latents/ folders, "
                    "never through a link; remove the link or render into a new folder (--out)"
                )
        self.manifest_path.unlink(missing_ok=True)
        self.remove_temporaries()
        for name, pattern in OUR_FOLDERS.items():
            folder = self.root / name
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if pattern.fullmatch(path.name) and path.is_file():
                    path.unlink()
            if not any(folder.iterdir()):
                folder.rmdir()
        for name in OUR_FILES:
            (self.root / name).unlink(missing_ok=True)


def check_out(out: Path, overwrite: bool) -> None:
    """`out` must be a folder (or nothing yet); if it holds anything, a run folder. Run before
    anything is written, `--overwrite` included: it clears run folders only."""
    where = short_repr(str(out), 240)
    if out.exists() and not out.is_dir():
        raise SpecError(f"out: {where} is a file; accepted: a folder (new, empty, or a run folder)")
    check_links(out)
    folder = RunFolder(out)
    if not out.is_dir() or folder.is_run_folder():
        return
    if any(p.name not in IGNORED and not TEMPORARY.fullmatch(p.name) for p in out.iterdir()):
        way = "--overwrite clears run folders only; " if overwrite else ""
        raise SpecError(
            f"out: {where} is not empty and holds no spec.json (not a run folder); {way}"
            "choose a new folder" + ("" if overwrite else " or an empty one")
        )


def check_links(out: Path) -> None:
    """SpecError when the run folder `out` holds a symbolic link leading outside it."""
    if out.is_dir():
        try:
            refuse_outside_links(out, "out", "remove the link or render into a new folder (--out)")
        except ValueError as exc:
            raise SpecError(str(exc)) from None


def read_json(path: Path) -> Any:
    """A run-folder JSON file; SpecError naming it and the way out when it is damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        reason = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        raise SpecError(
            f"out: {short_repr(str(path), 240)} is damaged ({short_repr(reason, 120)}); pass "
            "--overwrite to render the run folder again"
        ) from None


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
    check_links(out)
    if overwrite:
        folder.clear()
    elif folder.spec_path.is_file():
        saved = read_json(folder.spec_path)
        if not isinstance(saved, dict):
            raise SpecError(
                f"out: {short_repr(str(folder.spec_path), 240)} is damaged (not a JSON object); "
                "pass --overwrite to render the run folder again"
            )
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
    from ...models.embedded import EMBEDDED_DIR

    digest = hashlib.sha256()
    for path in sorted(p for p in EMBEDDED_DIR.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(EMBEDDED_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _check_saved_model(folder: RunFolder, spec: ResolvedSpec) -> None:
    saved = read_json(folder.model_path)
    if saved != model_fingerprint(spec):
        raise SpecError(
            f"out: the run folder {short_repr(str(folder.root), 240)} was rendered with other weights of the "
            f"{spec.fields['model']} model (an older seqsampler); render into a new folder "
            "(--out) or pass --overwrite to start again"
        )


def _check_saved_plan(folder: RunFolder, the_plan: Plan) -> None:
    data = read_json(folder.plan_path)
    saved = data.get("frames") if isinstance(data, dict) else None
    if not isinstance(saved, list) or not all(isinstance(f, dict) for f in saved):
        raise SpecError(
            f"out: {short_repr(str(folder.plan_path), 240)} is damaged (not a plan: no list of "
            "frames); pass --overwrite to render the run folder again"
        )
    now = json.loads(the_plan.to_json())["frames"]
    for old, new in zip(saved, now, strict=False):
        if old != new:
            fields = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
            raise SpecError(
                f"out: the run folder {short_repr(str(folder.root), 240)} was planned differently by another "
                f"version of seqsampler (frame {new.get('frame')} differs in {', '.join(fields)}); "
                "render into a new folder (--out) or pass --overwrite to start again"
            )
