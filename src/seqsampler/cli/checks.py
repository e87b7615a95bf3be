"""Checks of a resolved spec that need the engine or the model's files, made before any model
is loaded: the sampler and scheduler are implemented, the embedded model knows every prompt
word, the image size fits the model's latent factor."""

from __future__ import annotations

import json
from pathlib import Path

from .fields import EMBEDDED, SpecError, short_repr, short_text
from .spec import ResolvedSpec


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
                f"{name}: {short_repr(value)} is not implemented by the standalone engine; accepted: "
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
                    f"{name}: {short_repr(text)} has words the embedded model does not know "
                    f"({short_text(', '.join(unknown))}); accepted words: {' '.join(tok.words)}"
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
