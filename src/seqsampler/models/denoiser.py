"""Denoisers: the model contract of the samplers, and the wrapper for discrete-time networks.

A denoiser maps a noisy latent and its noise level to the estimate of the clean latent,
`denoised = D(x, sigma, cond)`, in the variance-exploding sigma space of Karras et al. (2022)
(x = x0 + sigma * eps). `DiscreteDenoiser` turns an eps- or v-predicting network trained on
DDPM timesteps into one, as ComfyUI's ModelSamplingDiscrete + EPS / V_PREDICTION do: the input
is scaled by 1/sqrt(sigma^2 + 1) and the network sees the timestep nearest to sigma in log space.
`cfg_model` batches cond and uncond into one call for classifier-free guidance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import torch
from torch import Tensor

from ..conditioning import Conditioning
from ..sampling.sigma_space import SigmaSpace

PREDICTIONS: tuple[str, ...] = ("epsilon", "v_prediction")


class Denoiser(Protocol):
    """`denoised = D(x [B, C, ...], sigma [B], cond)`, with the model's `sigma_space`."""

    sigma_space: SigmaSpace

    def __call__(self, x: Tensor, sigma: Tensor, cond: Conditioning) -> Tensor: ...


Network = Callable[[Tensor, Tensor, Conditioning], Tensor]


class DiscreteDenoiser:
    """Eps- or v-prediction network on DDPM timesteps as a denoiser (Karras et al. 2022, Table 1).

    network(x_in [B, C, ...], timestep [B] float, cond) -> eps or v [B, C, ...].
    """

    def __init__(self, network: Network, sigma_space: SigmaSpace, prediction: str = "epsilon"):
        if prediction not in PREDICTIONS:
            raise ValueError(f"prediction must be one of {PREDICTIONS}; got {prediction!r}")
        self.network = network
        self.sigma_space = sigma_space
        self.prediction = prediction

    def __call__(self, x: Tensor, sigma: Tensor, cond: Conditioning) -> Tensor:
        sigma_ = sigma.reshape(sigma.shape[:1] + (1,) * (x.ndim - 1))
        x_in = x / (sigma_**2 + 1.0) ** 0.5  # c_in
        timestep = self.sigma_space.timestep(sigma).float()
        output = self.network(x_in, timestep, cond).to(x.dtype)
        if self.prediction == "epsilon":
            return x - output * sigma_
        # v-prediction (Salimans & Ho 2022): c_skip = 1/(sigma^2+1), c_out = -sigma/sqrt(sigma^2+1).
        return x / (sigma_**2 + 1.0) - output * sigma_ / (sigma_**2 + 1.0) ** 0.5


def repeat_to_batch(t: Tensor, batch: int) -> Tensor:
    """`t` [b, ...] cut or cyclically repeated along dim 0 to `batch` items (ComfyUI's
    repeat_to_batch_size, which conditioning goes through)."""
    if t.shape[0] > batch:
        return t[:batch]
    if t.shape[0] < batch:
        return t.repeat((math.ceil(batch / t.shape[0]),) + (1,) * (t.ndim - 1))[:batch]
    return t


def concat_conditioning(conds: Sequence[Conditioning], batch: int) -> Conditioning:
    """Concatenate conditionings along the batch, each repeated (or cut) to `batch` items.

    Token lengths that differ are repeated to their least common multiple (ComfyUI's
    CONDCrossAttn.concat; repeating keys/values leaves cross-attention unchanged).
    Pooled outputs are concatenated when every conditioning has one. Result: [len*batch, T, D].
    """
    length = math.lcm(*(c.tokens.shape[1] for c in conds))
    tokens = []
    for c in conds:
        t = repeat_to_batch(c.tokens, batch)
        tokens.append(t.repeat(1, length // t.shape[1], 1) if t.shape[1] < length else t)
    extras: dict[str, Any] = dict(conds[0].extras)
    pooled = [c.pooled for c in conds]
    if all(p is not None for p in pooled):
        extras["pooled_output"] = torch.cat(
            [repeat_to_batch(p, batch) for p in pooled if p is not None]
        )
    else:
        extras.pop("pooled_output", None)
    return Conditioning(torch.cat(tokens), extras)


def cfg_model(
    denoiser: Denoiser, positive: Conditioning, negative: Conditioning, cfg: float
) -> Callable[..., Tensor]:
    """Classifier-free guidance (Ho & Salimans 2022) as a sampler model `model(x, sigma, **_)`.

    uncond + cfg * (cond - uncond), cond and uncond in one batched call; uncond skipped at cfg 1.
    """
    if math.isclose(cfg, 1.0):

        def model(x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
            return denoiser(x, sigma, concat_conditioning([positive], x.shape[0]))

        return model

    def guided(x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
        batch = x.shape[0]
        cond = concat_conditioning([positive, negative], batch)
        out = denoiser(torch.cat([x, x]), torch.cat([sigma, sigma]), cond)
        cond_pred, uncond_pred = out[:batch], out[batch:]
        return uncond_pred + (cond_pred - uncond_pred) * cfg

    return guided
