"""A loaded text-to-image model: its network, text encoder(s) and latent codec (VAE or none).

`LoadedModel` wraps the components `loader.load_model` reads (the embedded model, a diffusers
folder or an SD checkpoint) behind one interface: the network for `DiscreteDenoiser`, prompt
encoding, and latent encode / decode. For SDXL (two encoders, penultimate hidden states
concatenated) the pooled projection and size `time_ids` go to the UNet as `added_cond_kwargs`;
without a VAE (pixel space) the latent is the image in [-1, 1].
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from ..conditioning import Conditioning
from ..sampling.sigma_space import SigmaSpace
from .denoiser import DiscreteDenoiser
from .tokenizer import WordTokenizer

log = logging.getLogger(__name__)


@dataclass
class TextEncoder:
    """A tokenizer and its encoder; `penultimate` takes hidden_states[-2] (SDXL) not the last."""

    tokenizer: Any
    model: Any
    penultimate: bool = False

    def ids(self, text: str) -> Tensor:
        """Token ids [1, T]."""
        if isinstance(self.tokenizer, WordTokenizer):
            return self.tokenizer(text)
        limit = self.tokenizer.model_max_length
        full = self.tokenizer(text, truncation=False).input_ids
        if len(full) > limit:
            log.warning("prompt has %d tokens; the encoder reads the first %d", len(full), limit)
        return self.tokenizer(
            text, padding="max_length", max_length=limit, truncation=True, return_tensors="pt"
        ).input_ids

    @torch.no_grad()
    def __call__(self, text: str) -> tuple[Tensor, Tensor]:
        """(tokens [1, T, D], pooled [1, P]) for `text`."""
        device = next(self.model.parameters()).device
        out = self.model(self.ids(text).to(device), output_hidden_states=self.penultimate)
        tokens = out.hidden_states[-2] if self.penultimate else out.last_hidden_state
        pooled = out.text_embeds if hasattr(out, "text_embeds") else out.pooler_output
        return tokens.float(), pooled.float()


@dataclass
class LoadedModel:
    """A loaded model: the network for `DiscreteDenoiser`, its text encoder(s) and latent codec.

    `network(x_in [B, C, h, w], timestep [B], cond) -> eps or v [B, C, h, w]`; `prediction` is
    "epsilon" or "v_prediction"; `sigma_space` the training schedule's noise levels; `vae` is None
    for a pixel-space model (the latent is then the image in [-1, 1]).
    """

    unet: Any
    encoders: Sequence[TextEncoder]
    vae: Any
    prediction: str
    sigma_space: SigmaSpace
    name: str
    is_xl: bool = False
    _denoiser: DiscreteDenoiser | None = field(default=None, repr=False)

    @property
    def latent_channels(self) -> int:
        return int(self.unet.config.in_channels)

    @property
    def downscale(self) -> int:
        """Pixels per latent pixel (8 for SD's VAE, 1 in pixel space)."""
        if self.vae is None:
            return 1
        return 2 ** (len(self.vae.config.block_out_channels) - 1)

    @property
    def default_size(self) -> tuple[int, int]:
        """(width, height) the model was trained at."""
        size = self.unet.config.sample_size
        h, w = (size, size) if isinstance(size, int) else tuple(size)
        return int(w) * self.downscale, int(h) * self.downscale

    @property
    def vocabulary(self) -> list[str] | None:
        """The words a word-level (embedded) tokenizer knows; None for CLIP's BPE tokenizers."""
        tok = self.encoders[0].tokenizer
        return tok.words if isinstance(tok, WordTokenizer) else None

    @property
    def denoiser(self) -> DiscreteDenoiser:
        """`DiscreteDenoiser(network, sigma_space, prediction)`, built once."""
        if self._denoiser is None:
            self._denoiser = DiscreteDenoiser(self.network, self.sigma_space, self.prediction)
        return self._denoiser

    @property
    def device(self) -> torch.device:
        return next(self.unet.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(self.unet.parameters()).dtype

    def encode_prompt(self, text: str) -> Conditioning:
        """Conditioning(tokens [1, T, D], {"pooled_output": [1, P]}); ValueError for unknown words."""
        if not isinstance(text, str):
            raise ValueError(f"text must be a str (a prompt); got {type(text).__name__}")
        outputs = [encoder(text) for encoder in self.encoders]
        tokens = torch.cat([t for t, _ in outputs], dim=-1).cpu()
        pooled = outputs[-1][1].cpu()
        return Conditioning(tokens, {"pooled_output": pooled})

    def expected_inputs(self) -> dict[str, int]:
        """What this model's network takes: latents [B, channels, H, W] (ndim 4) and
        conditioning tokens [B, T, token_width] (`sequence_checks.check_inputs` checks them)."""
        return {
            "ndim": 4,
            "channels": self.latent_channels,
            "token_width": int(self.unet.config.cross_attention_dim),
        }

    def latent_shape(self, width: int, height: int, batch: int = 1) -> tuple[int, int, int, int]:
        """[batch, C, height / f, width / f] (f = `downscale`)."""
        f = self.downscale
        for name, value in (("width", width), ("height", height)):
            if not isinstance(value, int) or value <= 0 or value % f:
                raise ValueError(f"{name} must be a positive multiple of {f}; got {value!r}")
        if not isinstance(batch, int) or batch <= 0:
            raise ValueError(f"batch must be a positive int; got {batch!r}")
        return batch, self.latent_channels, height // f, width // f

    def _time_ids(self, cond: Conditioning, batch: int, h: int, w: int) -> Tensor:
        """SDXL's size conditioning [B, 6]: original (h, w), crop (top, left), target (h, w)."""
        e = cond.extras
        f = self.downscale
        height, width = e.get("height", h * f), e.get("width", w * f)
        row = [
            height,
            width,
            e.get("crop_h", 0),
            e.get("crop_w", 0),
            e.get("target_height", height),
            e.get("target_width", width),
        ]
        return torch.tensor([row], dtype=torch.float32).repeat(batch, 1)

    @torch.no_grad()
    def network(self, x_in: Tensor, timestep: Tensor, cond: Conditioning) -> Tensor:
        """The UNet's eps / v output [B, C, h, w] for `x_in` at `timestep` [B] under `cond`."""
        batch, _, h, w = x_in.shape
        weight = next(self.unet.parameters())  # one look-up per call: the device and dtype
        device, dtype = weight.device, weight.dtype
        tokens = cond.tokens
        if tokens.shape[0] != batch:
            tokens = tokens.repeat(batch // tokens.shape[0], 1, 1)
        kwargs: dict[str, Any] = {}
        if self.is_xl:
            pooled = cond.pooled
            if pooled is None:
                raise ValueError("an SDXL model needs conditioning with a pooled_output")
            if pooled.shape[0] != batch:
                pooled = pooled.repeat(batch // pooled.shape[0], 1)
            kwargs["added_cond_kwargs"] = {
                "text_embeds": pooled.to(device, dtype),
                "time_ids": self._time_ids(cond, batch, h, w).to(device, dtype),
            }
        out = self.unet(
            x_in.to(device, dtype),
            timestep.to(device),
            encoder_hidden_states=tokens.to(device, dtype),
            **kwargs,
        ).sample
        return out.to(x_in.device, x_in.dtype)

    @torch.no_grad()
    def decode(self, latent: Tensor) -> Tensor:
        """Latent [B, C, h, w] -> images [B, 3, H, W] in [0, 1] (float32, CPU)."""
        if self.vae is None:
            images = latent.float()
        else:
            scale = self.vae.config.scaling_factor
            shift = getattr(self.vae.config, "shift_factor", None) or 0.0
            z = latent.to(self.device, _dtype_of(self.vae)) / scale + shift
            images = self.vae.decode(z).sample.float()
        return ((images.cpu() + 1) / 2).clamp(0, 1)

    @torch.no_grad()
    def encode(self, images: Tensor) -> Tensor:
        """Images [B, 3, H, W] in [0, 1] -> latent [B, C, h, w] (the VAE posterior's mean)."""
        x = images.float() * 2 - 1
        if self.vae is None:
            return x
        scale = self.vae.config.scaling_factor
        shift = getattr(self.vae.config, "shift_factor", None) or 0.0
        posterior = self.vae.encode(x.to(self.device, _dtype_of(self.vae))).latent_dist
        return ((posterior.mean - shift) * scale).float().cpu()


def _dtype_of(module: Any) -> torch.dtype:
    """The dtype of a module's first floating-point weight (diffusers' `ModelMixin.dtype` is the
    same, but walks every parameter: 0.5 ms per call for a tiny VAE)."""
    for weight in module.parameters():
        if weight.is_floating_point():
            return weight.dtype
    raise ValueError(f"{type(module).__name__} has no floating-point weights")
