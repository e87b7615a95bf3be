"""The frame chain, written once and shared by both engines.

`FrameSampler` is the one seam between the chain and a sampling engine: the ComfyUI adapter
implements it on ComfyUI's own sampling functions with the user's MODEL, the standalone engine
on our samplers and a `Denoiser`.

Semantics of the two calls (ComfyUI's, so settings mean the same in both front doors):
- `sample(x, add_noise=True, start_step=0, denoise=d)` is ComfyUI's KSampler: `steps` model
  steps over the last `steps + 1` sigmas of an `int(steps / d)`-step schedule, fresh noise
  from `seed` (drawn like `seqsampler.noise.prepare_noise`); `d <= 0` returns `x` unchanged.
- `sample(x, add_noise=False, start_step=k, denoise=1.0)` is KSamplerAdvanced with add_noise
  off: steps `k .. steps` of the full schedule, `x` taken as already at sigma_k, ending at 0.
- `unsample(x, start_step=k)` inverts `x` from a small epsilon above 0 up to sigma_k of the full
  `steps`-step schedule (behaviour.md §7), adding no noise; stochastic samplers invert with
  their deterministic counterpart.
`steps` and `cfg` are per call (the CLI can schedule them); the sampler and scheduler names
are fixed when the frame sampler is built. Tensors are [B, C, ...] latents in and out.
"""

from __future__ import annotations

from typing import Protocol

from torch import Tensor

from .conditioning import Conditioning


class FrameSampler(Protocol):
    """Samples and unsamples one frame (see the module docstring for the exact semantics)."""

    def sample(
        self,
        x: Tensor,
        *,
        positive: Conditioning,
        negative: Conditioning,
        seed: int,
        steps: int,
        cfg: float,
        denoise: float = 1.0,
        start_step: int = 0,
        add_noise: bool = True,
        noise_mask: Tensor | None = None,
    ) -> Tensor: ...

    def unsample(
        self,
        x: Tensor,
        *,
        positive: Conditioning,
        negative: Conditioning,
        seed: int,
        steps: int,
        cfg: float,
        start_step: int,
        noise_mask: Tensor | None = None,
    ) -> Tensor: ...
