"""Checks of a resolved spec that need the model's files, made before any model is loaded, by
every command that reads a spec (`render`, `render --dry-run`, `plan`, `demo`, a sweep's jobs
and a batch): the embedded model's tokenizer accepts every prompt (its own `problem`), a
diffusers model's prompts are measured with its tokenizer alone, the image size fits the
model's latent factor, the camera motion fits that size (`motion.py`). `check_spec` is the one gate: every caller runs it, and nothing else
here. (The sampler and scheduler names are checked once, when the spec is resolved:
`resolve.check_engine_names`.)"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from .fields import EMBEDDED, SpecError, short_repr
from .motion import check_motion
from .resolve import ResolvedSpec

log = logging.getLogger(__name__)


def check_spec(spec: ResolvedSpec) -> None:
    """Every check below, in order: prompts, size, the camera motion at that size."""
    check_prompts(spec)
    check_size(spec)
    check_motion(spec.plan(), render_size(spec))
    note_video_size(spec, render_size(spec))


def render_size(spec: ResolvedSpec) -> tuple[int, int] | None:
    """(W, H) of the frames, read without loading the model: the spec's, else the model's
    trained size; None when neither is known (a single-file checkpoint's default)."""
    trained = trained_size(spec.fields["model"])
    width = spec.fields["width"] or trained
    height = spec.fields["height"] or trained
    return (width, height) if width and height else None


def note_video_size(spec: ResolvedSpec, size: tuple[int, int] | None) -> None:
    """A note when the input video's frames are resized to the render size (an 8K input is
    read one frame at a time, never held whole; `video.reader`)."""
    path = spec.fields.get("init_video", "")
    if not path or size is None:
        return
    from .video import open_input

    _path, source = open_input(path)
    if tuple(source.size) != tuple(size):
        log.info("init_video: %dx%d frames are resized to the render size %dx%d, one at a time",
                 *source.size, *size)  # fmt: skip


def _prompt_texts(spec: ResolvedSpec) -> list[tuple[str, str]]:
    return [("prompts", t) for t in spec.positive] + [("negative", t) for t in spec.negative]


def check_prompts(spec: ResolvedSpec) -> None:
    """With the embedded model, every prompt word must be in its closed vocabulary and every
    prompt must fit its length (both refused, as encoding would refuse them); with a diffusers
    folder, a prompt longer than a tokenizer's length is logged as cut (as encoding cuts it)."""
    model = spec.fields["model"]
    if model != EMBEDDED:
        _check_prompt_lengths(spec, Path(model))
        return
    from ...models.embedded import tokenizer

    tok = tokenizer()
    for name, text in _prompt_texts(spec):
        problem = tok.problem(text)
        if problem is not None:
            raise SpecError(f"{name}: {short_repr(text)} {problem}")


def diffusers_tokenizers(folder: Path) -> list[Any]:
    """The tokenizers of a diffusers folder (tokenizer/, and tokenizer_2/ for SDXL), loaded
    without any weights; none for a single-file checkpoint (its tokenizers come with the
    pipeline from_single_file builds, so its prompts are measured when encoded)."""
    if not folder.is_dir():
        return []
    from ...models.loader import load_tokenizer

    return [
        load_tokenizer(folder / p) for p in ("tokenizer", "tokenizer_2") if (folder / p).is_dir()
    ]


def _check_prompt_lengths(spec: ResolvedSpec, folder: Path) -> None:
    for tok in diffusers_tokenizers(folder):
        limit = getattr(tok, "model_max_length", None)
        if not isinstance(limit, int):
            continue
        for name, text in dict.fromkeys(_prompt_texts(spec)):
            count = len(tok(text, truncation=False, verbose=False).input_ids)
            if count > limit:
                log.warning(
                    "%s: %s has %d tokens; the text encoder reads the first %d",
                    name,
                    short_repr(text),
                    count,
                    limit,
                )
        return  # tokenizer_2 of SDXL cuts at the same length: one warning per prompt


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


# A model is asked for at most this many times its trained size per side: beyond it the
# frames are no longer what the model draws, and attention's memory (quadratic in the pixel
# count) runs into tens of GB (1024x1024 on the 32x32 embedded model would need ~17 GB).
MAX_SIZE_RATIO = 4
MAX_SIDE = 4096  # a single-file checkpoint's trained size is not read before loading
MAX_VIDEO_SIDE = 8192  # an upscaled frame's side: H.264 and the players stop here


def trained_size(model: str) -> int | None:
    """The side (pixels) the model was trained at, read without loading it; None if unknown."""
    if model == EMBEDDED:
        from ...models.vocabulary import IMAGE_SIZE

        return IMAGE_SIZE
    config = Path(model) / "unet" / "config.json"
    try:
        size = json.loads(config.read_text(encoding="utf-8"))["sample_size"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    side = max(size) if isinstance(size, (list, tuple)) else size
    return int(side) * size_factor(model) if isinstance(side, int) else None


def check_size(spec: ResolvedSpec) -> None:
    """width and height must be multiples of the model's latent factor, at most MAX_SIZE_RATIO
    times its trained size; the upscaled frames at most MAX_VIDEO_SIDE per side."""
    model = spec.fields["model"]
    factor = size_factor(model)
    trained = trained_size(model)
    limit = MAX_SIDE if trained is None else MAX_SIZE_RATIO * trained
    why = (
        f"{MAX_SIZE_RATIO}x the {trained}x{trained} this model was trained at"
        if trained
        else "the largest size rendered without reading the model"
    )
    for name in ("width", "height"):
        value = spec.fields[name]
        if value is not None and value % factor:
            raise SpecError(
                f"{name}: got {value}; accepted: a multiple of {factor} for this model "
                f"(e.g. {max(factor, value // factor * factor)})"
            )
        if value is not None and value > limit:
            raise SpecError(
                f"{name}: got {value}; accepted: at most {limit} for this model ({why}; larger "
                "sizes draw nothing it learned and attention's memory grows as the pixel count "
                "squared); use upscale for bigger videos"
            )
    side = max(spec.fields["width"] or trained or 0, spec.fields["height"] or trained or 0)
    factor_up = spec.fields["upscale"]
    if side and side * factor_up > MAX_VIDEO_SIDE:
        raise SpecError(
            f"upscale: got {factor_up}; accepted: at most {MAX_VIDEO_SIDE // side} for {side}-pixel "
            f"frames (an upscaled frame is at most {MAX_VIDEO_SIDE} pixels a side, the limit of "
            "H.264 and of video players)"
        )


DEVICES = "cpu, cuda, cuda:N, mps"


def check_device(device: str) -> str:
    """The `--device` value as torch names it, if torch has it here; SpecError otherwise."""
    import torch

    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise SpecError(
            f"device: got {short_repr(device)}; accepted: {DEVICES} (a torch device)"
        ) from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise SpecError(
                f"device: got {short_repr(device)}, but this torch has no CUDA device "
                f"(torch {torch.__version__}); accepted here: cpu"
            )
        count = torch.cuda.device_count()
        if parsed.index is not None and parsed.index >= count:
            raise SpecError(
                f"device: got {short_repr(device)}; accepted: cuda:0 .. cuda:{count - 1}"
            )
    elif parsed.type == "mps":
        if not torch.backends.mps.is_available():
            raise SpecError(
                f"device: got {short_repr(device)}, but MPS is not available here; accepted here: cpu"
            )
    elif parsed.type != "cpu":
        raise SpecError(f"device: got {short_repr(device)}; accepted: {DEVICES}")
    return str(parsed)
