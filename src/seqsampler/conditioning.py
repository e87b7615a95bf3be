"""The core conditioning type: one prompt's encoder output, free of any host's format.

ComfyUI's CONDITIONING entry `[tokens, {"pooled_output": ..., ...}]` and the standalone text
encoder's output both map onto `Conditioning` without loss (`extras` keeps every other key:
area, mask, strength, control, guidance, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor


@dataclass(frozen=True)
class Conditioning:
    """One prompt's conditioning.

    tokens: [B, T, D] per-token encoder states (T = 77 * k for CLIP-style encoders).
    extras: every other key of the entry; `pooled_output` ([B, P]) when the encoder has one.
    """

    tokens: Tensor
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def pooled(self) -> Tensor | None:
        value = self.extras.get("pooled_output")
        return value if isinstance(value, torch.Tensor) else None

    def replace(self, tokens: Tensor | None = None, **extras: Any) -> Conditioning:
        """A copy with new tokens and/or updated extras (the others kept)."""
        return Conditioning(
            tokens if tokens is not None else self.tokens, {**self.extras, **extras}
        )

    @classmethod
    def from_comfy(cls, entry: Any) -> Conditioning:
        """From ComfyUI's `[tokens, extras_dict]` entry (no ComfyUI import needed)."""
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            raise ValueError(
                f"a conditioning entry must be [tensor, dict]; got {type(entry).__name__}"
            )
        tokens, extras = entry
        if not isinstance(tokens, torch.Tensor) or not isinstance(extras, Mapping):
            raise ValueError(
                "a conditioning entry must be [tensor, dict]; got "
                f"[{type(tokens).__name__}, {type(extras).__name__}]"
            )
        return cls(tokens, dict(extras))

    def to_comfy(self) -> list[Any]:
        """To ComfyUI's `[tokens, extras_dict]` entry."""
        return [self.tokens, dict(self.extras)]


def repeat_to_batch(t: Tensor, batch: int) -> Tensor:
    """`t` [b, ...] cut or cyclically repeated along dim 0 to `batch` items (ComfyUI's
    repeat_to_batch_size, which conditioning and noise masks go through)."""
    if t.shape[0] > batch:
        return t[:batch]
    if t.shape[0] < batch:
        return t.repeat((math.ceil(batch / t.shape[0]),) + (1,) * (t.ndim - 1))[:batch]
    return t
