"""`ComfyFrameSampler`: the `FrameSampler` protocol on ComfyUI's own sampling entry points.

Every model evaluation goes through ComfyUI's public functions with the user's MODEL
(`comfy.sample.sample`, `comfy.sample.sample_custom`, `comfy.samplers.KSampler`,
`comfy.samplers.sampler_object`), so LoRAs, ControlNets, model patches and every model family
keep working. The semantics are `nodes.common_ksampler`'s (see `seqsampler.frame_call`):

- `sample(add_noise=True, denoise=d)` is ComfyUI's KSampler: the fresh noise is drawn exactly
  as `comfy.sample.prepare_noise` draws it (`seqsampler.noise.prepare_noise`, bit for bit,
  without re-seeding torch's global generator), or is `FrameCall.noise` when given (noise_warp),
  then `comfy.sample.sample(..., denoise=d)`.
- `sample(add_noise=False, start_step=k)` is KSamplerAdvanced with add_noise off, from step `k`.
- with `FrameCall.step_noise` (noise_warp) and a sampler that draws per-step noise
  (`step_noise.NOISE_CALLS_PER_STEP`), the same call runs as `comfy.sample.sample_custom` over
  KSampler's own sigmas (`comfy.samplers.KSampler(...).sigmas`, from `start_step` as KSampler
  slices them) with `comfy.samplers.ksampler(name, {"noise_sampler": ...})`: the sampler takes
  layer k of the step noise at its k-th draw instead of drawing from the seed.
- `unsample(start_step=k)` runs `comfy.sample.sample_custom` over the reversed full schedule,
  from a small epsilon above 0 up to sigma_k, adding no noise, with the sampler and sigmas
  that `seqsampler.sampling.inversion` gives (the standalone engine uses the same).
- `cfg_mode` "once": every `sample` pass runs the uncond branch at its first model call only
  (`guidance.OnceUncond`, the library's relation); `unsample` keeps full guidance, as the
  standalone engine does.

One `RunProgress` spans every sampler step of the run: one ComfyUI progress bar, the usual
latent previews, and an interruption check at every step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import comfy.model_management
import comfy.patcher_extension
import comfy.sample
import comfy.samplers
import comfy.utils
import latent_preview
import torch
from torch import Tensor

from ..noise import prepare_noise
from ..planning.fields import check_cfg_mode
from ..sampling.inversion import inversion_sampler_name, unsample_sigmas
from ..sequence import FrameCall
from ..step_noise import NOISE_CALLS_PER_STEP, layered_noise_sampler
from .guidance import once_model

logger = logging.getLogger(__name__)

PREVIEW_FORMAT = "JPEG"
_INTERRUPT_KEY = "seqsampler.interrupt"


def _interrupt_check(executor: Any, *args: Any, **kwargs: Any) -> Any:
    """APPLY_MODEL wrapper: stop before any model evaluation once the user cancels."""
    comfy.model_management.throw_exception_if_processing_interrupted()
    return executor(*args, **kwargs)


def with_interrupt_check(model: Any) -> Any:
    """A clone of the ModelPatcher that checks for cancellation before each model evaluation."""
    model = model.clone()
    model.add_wrapper_with_key(
        comfy.patcher_extension.WrappersMP.APPLY_MODEL, _INTERRUPT_KEY, _interrupt_check
    )
    return model


class RunProgress:
    """One ComfyUI progress bar over every sampler step of a run, with latent previews."""

    def __init__(self, model: Any, total_steps: int) -> None:
        self.total = max(1, total_steps)
        self.done = 0
        self.bar = comfy.utils.ProgressBar(self.total)
        self.previewer = latent_preview.get_previewer(model.load_device, model.model.latent_format)

    def callback(self, step: int, x0: Tensor, x: Tensor, total: int) -> None:
        """ComfyUI sampler callback: a step of the current call is finished."""
        comfy.model_management.throw_exception_if_processing_interrupted()
        preview = None
        if self.previewer is not None:
            preview = self.previewer.decode_latent_to_preview_image(PREVIEW_FORMAT, x0)
        self.bar.update_absolute(min(self.done + step + 1, self.total), self.total, preview)

    def advance(self, steps: int) -> None:
        """A sampler call of `steps` steps is over (whatever its callbacks reported)."""
        self.done = min(self.done + steps, self.total)
        self.bar.update_absolute(self.done, self.total)


class ComfyFrameSampler:
    """Samples and unsamples one frame with ComfyUI's sampling and the user's MODEL."""

    def __init__(
        self,
        model: Any,
        sampler_name: str,
        scheduler: str,
        *,
        batch_index: Sequence[int] | None = None,
        progress: RunProgress | None = None,
        cfg_mode: str = "full",
    ) -> None:
        if sampler_name not in comfy.samplers.KSampler.SAMPLERS:
            raise ValueError(
                f"sampler_name must be one of {', '.join(comfy.samplers.KSampler.SAMPLERS)}; "
                f"got {sampler_name!r}"
            )
        if scheduler not in comfy.samplers.KSampler.SCHEDULERS:
            raise ValueError(
                f"scheduler must be one of {', '.join(comfy.samplers.KSampler.SCHEDULERS)}; "
                f"got {scheduler!r}"
            )
        self.model = model
        self.sampler_name = sampler_name
        self.scheduler = scheduler
        self.batch_index = list(batch_index) if batch_index is not None else None
        self.progress = progress
        self.once = None  # cfg_mode once: (the model with the hook, the hook)
        if check_cfg_mode(cfg_mode) == "once":
            self.once = once_model(model)

    def _callback(self) -> Any:
        return self.progress.callback if self.progress is not None else None

    def _advance(self, steps: int) -> None:
        if self.progress is not None:
            self.progress.advance(steps)

    def sample(
        self,
        x: Tensor,
        call: FrameCall,
        *,
        denoise: float = 1.0,
        start_step: int = 0,
        add_noise: bool = True,
    ) -> Tensor:
        """ComfyUI's KSampler (add_noise) or KSamplerAdvanced with add_noise off from `start_step`."""
        if add_noise and call.noise is not None:  # noise_warp: the noise moved with the camera
            noise = call.noise.to(dtype=x.dtype, device="cpu")
        elif add_noise:
            noise = prepare_noise(x, call.seed, self.batch_index)
        else:
            noise = torch.zeros(x.shape, dtype=x.dtype, layout=x.layout, device="cpu")
        model = self.model
        if self.once is not None:  # a new pass: its first call evaluates both branches
            model = self.once[0]
            self.once[1].reset()
        if call.step_noise is not None and self.sampler_name in NOISE_CALLS_PER_STEP:
            samples = self._sample_layered(model, x, noise, call, denoise, start_step)
            self._advance(call.steps - start_step if start_step > 0 else call.steps)
            return samples
        samples = comfy.sample.sample(
            model,
            noise,
            call.steps,
            call.cfg,
            self.sampler_name,
            self.scheduler,
            [call.positive.to_comfy()],
            [call.negative.to_comfy()],
            x,
            denoise=denoise,
            disable_noise=not add_noise,
            start_step=start_step if start_step > 0 else None,
            last_step=None,
            force_full_denoise=not add_noise,
            noise_mask=call.noise_mask,
            callback=self._callback(),
            disable_pbar=not comfy.utils.PROGRESS_BAR_ENABLED,
            seed=call.seed,
        )
        self._advance(call.steps - start_step if start_step > 0 else call.steps)
        return samples

    def _sample_layered(
        self, model: Any, x: Tensor, noise: Tensor, call: FrameCall, denoise: float, start: int
    ) -> Tensor:
        """`comfy.sample.sample`'s KSampler call (no last step) with the sampler's per-step
        noise from `call.step_noise` [L, B, C, ...] (noise_warp)."""
        assert call.step_noise is not None
        sigmas = comfy.samplers.KSampler(
            model,
            steps=call.steps,
            device=model.load_device,
            sampler=self.sampler_name,
            scheduler=self.scheduler,
            denoise=denoise,
            model_options=model.model_options,
        ).sigmas
        if start > 0:
            if start >= len(sigmas) - 1:
                return x
            sigmas = sigmas[start:]
        layered = layered_noise_sampler(call.step_noise, x, self.sampler_name, model.load_device)
        sampler = comfy.samplers.ksampler(self.sampler_name, {"noise_sampler": layered})
        return self._custom(model, noise, call, sampler, sigmas, x)

    def unsample(self, x: Tensor, call: FrameCall, *, start_step: int) -> Tensor:
        """Invert `x` from epsilon up to sigma_k of the full schedule, adding no noise (§7)."""
        if start_step >= call.steps:
            return x
        full = comfy.samplers.KSampler(
            self.model,
            steps=call.steps,
            device=self.model.load_device,
            sampler=self.sampler_name,
            scheduler=self.scheduler,
            denoise=1.0,
            model_options=self.model.model_options,
        ).sigmas
        sigmas = unsample_sigmas(full, start_step)
        noise = torch.zeros(x.shape, dtype=x.dtype, layout=x.layout, device="cpu")
        sampler = comfy.samplers.sampler_object(inversion_sampler_name(self.sampler_name))
        samples = self._custom(self.model, noise, call, sampler, sigmas, x)
        self._advance(call.steps - start_step)
        return samples

    def _custom(
        self, model: Any, noise: Tensor, call: FrameCall, sampler: Any, sigmas: Tensor, x: Tensor
    ) -> Tensor:
        """`comfy.sample.sample_custom` of `x` over `sigmas` with `sampler` and the call's
        conditioning, mask, seed and this node's progress callback."""
        return comfy.sample.sample_custom(
            model,
            noise,
            call.cfg,
            sampler,
            sigmas,
            [call.positive.to_comfy()],
            [call.negative.to_comfy()],
            x,
            noise_mask=call.noise_mask,
            callback=self._callback(),
            disable_pbar=not comfy.utils.PROGRESS_BAR_ENABLED,
            seed=call.seed,
        )
