"""The standalone engine: `FrameSampler` on our samplers and a `Denoiser`, with ComfyUI's
KSampler / KSamplerAdvanced semantics (see `seqsampler.frame_call` and `sampling.ksampler`).

Per call: sigmas from the scheduler (denoise, start step), fresh noise drawn like ComfyUI's
KSampler for `seed` (or none), the start point latent + s * noise, then the sampler over a
classifier-free-guided model with `extra_args["seed"] = seed` for its per-step noise (or, with
`FrameCall.step_noise`, the given layers: `step_noise.layered_noise_sampler`). A
`noise_mask` keeps the unmasked region at the input latent (noised to each step's sigma),
as ComfyUI's KSamplerX0Inpaint does. Latents are in the model's space ([B, C, ...]).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from .frame_call import FrameCall
from .masks import latent_mask
from .models.denoiser import Denoiser, cfg_model
from .noise import generator, prepare_noise
from .planning.fields import check_cfg_mode
from .sampling.inversion import inversion_sampler_name, unsample_sigmas
from .sampling.ksampler import (
    is_max_denoise,
    ksampler_sigmas,
    noise_scaling,
    schedule_for_sampler,
    slice_sigmas,
)
from .sampling.noise_samplers import NoiseSampler
from .sampling.registry import SamplerEntry, get_sampler, get_scheduler
from .step_noise import layered_noise_sampler

logger = logging.getLogger(__name__)

StepCallback = Callable[[dict[str, Any]], None]


class StandaloneFrameSampler:
    """FrameSampler over `denoiser` with one of `SAMPLERS` and one of `SCHEDULERS`.

    callback(step_info) is called after every sampler step with {"phase" ("sample" or
    "unsample"), "i", "total", "sigma", "x", "denoised"}; `model_evaluations` counts the
    guided model calls made so far (one network call each, cond and uncond batched).
    `cfg_mode` ("full", the default and ComfyUI's, or "once"): how guidance runs the uncond
    branch (`models.denoiser.cfg_model`). With "once", each `sample` pass evaluates the uncond
    branch at its own first call only; `unsample` (the inversion) always runs full guidance:
    it starts at sigma ~1e-4, where the uncond noise estimate (x - D_u) / sigma of a clean frame
    is no estimate of the noise at sigma_k (held there, the embedded model's unsampled 9-frame
    chain moved 106/255 from full guidance instead of 58/255, euler).
    `FrameCall.seeds` (variants in one batch) draws every item's noise from its own seed, as
    the item sampled alone draws it (`item_seeds`).
    """

    item_seeds = True

    def __init__(
        self,
        denoiser: Denoiser,
        sampler_name: str,
        scheduler: str,
        *,
        callback: StepCallback | None = None,
        cfg_mode: str = "full",
    ):
        self.cfg_mode = check_cfg_mode(cfg_mode)
        self.sampler: SamplerEntry = get_sampler(sampler_name)
        get_scheduler(scheduler)
        if not hasattr(denoiser, "sigma_space"):
            raise ValueError("denoiser must have a sigma_space (see seqsampler.models.denoiser)")
        self.denoiser = denoiser
        self.sampler_name = sampler_name
        self.scheduler = scheduler
        self.callback = callback
        self.model_evaluations = 0

    # -- FrameSampler ------------------------------------------------------------------------

    def expected_inputs(self) -> dict[str, int] | None:
        """The model's input limits when the denoiser's network is a loaded model's
        (`LoadedModel.expected_inputs`); None for other denoisers."""
        owner = getattr(getattr(self.denoiser, "network", None), "__self__", None)
        expected = getattr(owner, "expected_inputs", None)
        return expected() if callable(expected) else None

    def sample(
        self,
        x: Tensor,
        call: FrameCall,
        *,
        denoise: float = 1.0,
        start_step: int = 0,
        add_noise: bool = True,
    ) -> Tensor:
        """KSampler (add_noise, denoise) / KSamplerAdvanced (add_noise off, start_step k)."""
        _check_steps(call.steps)
        space = self.denoiser.sigma_space
        schedule = ksampler_sigmas(space, self.scheduler, self.sampler_name, call.steps, denoise)
        sigmas = slice_sigmas(schedule, start_step=start_step)
        if sigmas is None or len(sigmas) == 0:
            return x
        if not add_noise:
            noise = torch.zeros(x.shape, dtype=x.dtype)
        elif call.noise is not None:  # noise_warp: the noise moved with the camera
            noise = _given_noise(call.noise, x)
        elif call.seeds is None:
            noise = prepare_noise(x, call.seed)
        else:
            noise = torch.cat([prepare_noise(item, s) for item, s in _items(x, call.seeds)])
        noise = noise.to(x.device)
        return self._run(self.sampler, x, noise, sigmas, call, "sample", self.cfg_mode)

    def unsample(self, x: Tensor, call: FrameCall, *, start_step: int) -> Tensor:
        """Invert x from just above 0 up to sigma_k of the full schedule, adding no noise, with
        the sampler `sampling.inversion` picks (this one or euler)."""
        _check_steps(call.steps)
        full = schedule_for_sampler(
            self.denoiser.sigma_space, self.scheduler, self.sampler_name, call.steps
        )
        if start_step >= len(full) - 1:
            return x
        inverse = get_sampler(inversion_sampler_name(self.sampler_name))
        noise = torch.zeros(x.shape, dtype=x.dtype, device=x.device)
        sigmas = unsample_sigmas(full, start_step)
        return self._run(inverse, x, noise, sigmas, call, "unsample", "full")

    # -- internals ---------------------------------------------------------------------------
    def _run(
        self,
        entry: SamplerEntry,
        latent: Tensor,
        noise: Tensor,
        sigmas: Tensor,
        call: FrameCall,
        phase: str,
        cfg_mode: str,
    ) -> Tensor:
        sigmas = sigmas.to(latent.device)
        seed, noise_mask = call.seed, call.noise_mask
        guided = cfg_model(self.denoiser, call.positive, call.negative, call.cfg, cfg_mode)
        mask = None if noise_mask is None else latent_mask(noise_mask, latent.shape).to(latent)
        mask_noise = noise
        if mask is not None and entry.name == "ddim":
            # ComfyUI's "ddim" fills the masked-out region with noise drawn from seed + 1.
            seeds = call.seeds or (seed,)
            shape = noise.shape if call.seeds is None else (1, *noise.shape[1:])
            draws = [torch.randn(shape, generator=generator(s + 1)) for s in seeds]
            mask_noise = torch.cat(draws).to(noise)

        def model(x: Tensor, sigma: Tensor, **extra: Any) -> Tensor:
            self.model_evaluations += 1
            if mask is None:
                return guided(x, sigma, **extra)
            keep = 1.0 - mask
            sigma_ = sigma.reshape(sigma.shape[:1] + (1,) * (x.ndim - 1))
            x = x * mask + noise_scaling(sigma_, mask_noise, latent, False) * keep
            return guided(x, sigma, **extra) * mask + latent * keep

        total = len(sigmas) - 1

        def on_step(info: dict[str, Any]) -> None:
            if self.callback is not None:
                self.callback({"phase": phase, "total": total, **info})

        x = noise_scaling(
            sigmas[0], noise, latent, is_max_denoise(self.denoiser.sigma_space, sigmas)
        )
        logger.debug(
            "%s: %s over %d sigmas, seed %d, cfg %s", phase, entry.name, len(sigmas), seed, call.cfg
        )
        noise_sampler = None
        if entry.stochastic and phase == "sample" and call.step_noise is not None:
            noise_sampler = layered_noise_sampler(call.step_noise, x, entry.name)
        elif call.seeds is not None:
            noise_sampler = item_noise_sampler(entry, x, sigmas, call.seeds)
        return entry(
            model,
            x,
            sigmas,
            extra_args={"seed": seed},
            callback=on_step,
            noise_sampler=noise_sampler,
        )


def _items(x: Tensor, seeds: tuple[int, ...]) -> list[tuple[Tensor, int]]:
    """(item [1, C, ...], its seed) for every batch item of x; ValueError on a count mismatch."""
    if len(seeds) != x.shape[0]:
        raise ValueError(
            f"FrameCall.seeds must hold one seed per batch item ({x.shape[0]}); got {len(seeds)}"
        )
    return list(zip(x.split(1), seeds, strict=True))


def item_noise_sampler(
    entry: SamplerEntry, x: Tensor, sigmas: Tensor, seeds: tuple[int, ...]
) -> NoiseSampler | None:
    """A stochastic sampler's per-step noise for a batch of variants: each item's draws from
    its own seed, as the sampler draws them for that item alone (None: a deterministic sampler,
    or no step to draw for)."""
    if entry.noise is None:
        return None
    factory = entry.noise
    per_item = [factory(item, sigmas, {"seed": s}, entry.name) for item, s in _items(x, seeds)]
    if any(sampler is None for sampler in per_item):
        return None

    def draw(sigma: Tensor, sigma_next: Tensor) -> Tensor:
        return torch.cat([sampler(sigma, sigma_next) for sampler in per_item if sampler])

    return draw


def _given_noise(noise: Tensor, x: Tensor) -> Tensor:
    """`FrameCall.noise` checked against the latent it noises (same shape), in its dtype."""
    if tuple(noise.shape) != tuple(x.shape):
        raise ValueError(
            f"FrameCall.noise must be shaped like the latent {tuple(x.shape)}; got "
            f"{tuple(noise.shape)}"
        )
    return noise.to(dtype=x.dtype)


def _check_steps(steps: int) -> None:
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ValueError(f"steps must be an int >= 1; got {steps!r}")
