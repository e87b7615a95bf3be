"""Build the embedded model's UNet and text encoder from its folder with plain torch modules
(`embedded_unet`, `embedded_text`): the same weights and outputs as diffusers' and
transformers' classes, without importing either (the demo's start-up: docs/embedded-model.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .embedded_text import EmbeddedTextEncoder
from .embedded_unet import EmbeddedUNet

PIPELINE = "SeqSamplerEmbeddedPipeline"  # model_index.json's _class_name (embedded.model_index)
WEIGHTS = {"unet": "diffusion_pytorch_model.safetensors", "text_encoder": "model.safetensors"}


def is_embedded_folder(folder: Path, index: dict[str, Any]) -> bool:
    """A folder saved as the embedded model (training/export.py): pixel space, no vae/."""
    return index.get("_class_name") == PIPELINE and not (folder / "vae").is_dir()


def _build(cls: type[nn.Module], folder: Path, device: Any, dtype: torch.dtype) -> Any:
    """`cls(config)` on the meta device, its weights assigned from the folder's file (strict:
    every name must match), then moved to `device` in `dtype`, in eval mode."""
    from safetensors.torch import load_file

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    with torch.device("meta"):
        module = cls(config)
    weights = load_file(str(folder / WEIGHTS[folder.name]))
    module.load_state_dict(weights, strict=True, assign=True)
    return module.to(device=device, dtype=dtype).eval()


def load_embedded_modules(
    folder: Path, device: str | torch.device, dtype: torch.dtype
) -> tuple[EmbeddedUNet, EmbeddedTextEncoder]:
    """(unet, text encoder) of an embedded-model folder."""
    unet = _build(EmbeddedUNet, folder / "unet", device, dtype)
    text = _build(EmbeddedTextEncoder, folder / "text_encoder", device, dtype)
    return unet, text
