"""Seeded noise: every random draw comes from an explicit CPU generator.

`prepare_noise` draws exactly as ComfyUI's KSampler draws a latent's noise for a seed (one CPU
generator over the whole latent's shape, in the latent's dtype; `batch_index` skips ahead so an
item's noise depends only on `(seed, index)`), so the same seed gives the same image in both
front doors. Nothing here touches torch's global random state.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from .planning.names import SEED_LIMIT


def generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with `seed`, an int in [0, 2**64)."""
    return generator_on(seed, "cpu")


def prepare_noise(latent: Tensor, seed: int, batch_index: Sequence[int] | None = None) -> Tensor:
    """Standard normal noise shaped like `latent` ([B, C, ...]), drawn on the CPU, latent's dtype."""
    gen = generator(seed)
    if batch_index is None:
        return torch.randn(latent.shape, dtype=latent.dtype, generator=gen, device="cpu")
    unique = sorted(set(batch_index))
    drawn: dict[int, Tensor] = {}
    for index in range(unique[-1] + 1):
        item = torch.randn((1, *latent.shape[1:]), dtype=latent.dtype, generator=gen)
        if index in unique:
            drawn[index] = item
    return torch.cat([drawn[i] for i in batch_index], dim=0)


def randn_like_seeded(x: Tensor, seed: int) -> Tensor:
    """Standard normal noise like `x`, drawn on the CPU from `seed`, moved to x's device."""
    return torch.randn(x.shape, dtype=x.dtype, generator=generator(seed)).to(x.device)


def generator_on(seed: int, device: torch.device | str) -> torch.Generator:
    """A generator on `device` seeded with `seed`, an int in [0, 2**64) (ComfyUI's per-step
    sampler noise draws there)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"seed must be an int in [0, 2**64); got {seed!r}")
    return torch.Generator(device=device).manual_seed(seed)
