"""Denoisers: the model contract of the samplers, and the wrapper for discrete-time networks.

A denoiser maps a noisy latent and its noise level to the estimate of the clean latent,
`denoised = D(x, sigma, cond)`, in the variance-exploding sigma space of Karras et al. (2022)
(x = x0 + sigma * eps). `DiscreteDenoiser` turns an eps- or v-predicting network trained on
DDPM timesteps into one, as ComfyUI's ModelSamplingDiscrete + EPS / V_PREDICTION do: the input
is scaled by 1/sqrt(sigma^2 + 1) and the network sees the timestep nearest to sigma in log space.
`cfg_model` batches cond and uncond into one call for classifier-free guidance, at every call
(`cfg_mode` "full") or at the first call of a sampler pass only ("once", `OnceGuidance`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import torch
from torch import Tensor

from ..conditioning import Conditioning, repeat_to_batch
from ..planning.fields import check_cfg_mode
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
    denoiser: Denoiser,
    positive: Conditioning,
    negative: Conditioning,
    cfg: float,
    mode: str = "full",
) -> Callable[..., Tensor]:
    """Classifier-free guidance (Ho & Salimans 2022) as a sampler model `model(x, sigma, **_)`.

    D_u + cfg (D_c - D_u), uncond skipped at cfg 1 (either mode). `mode="full"`: cond and uncond
    in one batched call at every call (ComfyUI's CFGGuider). `mode="once"`: the uncond branch
    runs on the first call only (`OnceGuidance`); build one model per sampler pass.
    """
    check_cfg_mode(mode)
    if math.isclose(cfg, 1.0):

        def model(x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
            return denoiser(x, sigma, concat_conditioning([positive], x.shape[0]))

        return model
    if mode == "once":
        return OnceGuidance(denoiser, positive, negative, cfg)

    def guided(x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
        cond_pred, uncond_pred = _cond_and_uncond(denoiser, positive, negative, x, sigma)
        return uncond_pred + (cond_pred - uncond_pred) * cfg

    return guided


def _cond_and_uncond(
    denoiser: Denoiser, positive: Conditioning, negative: Conditioning, x: Tensor, sigma: Tensor
) -> tuple[Tensor, Tensor]:
    """(D_c, D_u) [B, C, ...] for x [B, C, ...] from one network call of batch 2B."""
    batch = x.shape[0]
    cond = concat_conditioning([positive, negative], batch)
    out = denoiser(torch.cat([x, x]), torch.cat([sigma, sigma]), cond)
    return out[:batch], out[batch:]


class OnceGuidance:
    """Guidance with one unconditional pass: the onetime-negative residual CFG of StreamDiffusion
    (Kodaira et al. 2023, arXiv:2312.12491, "Residual Classifier-Free Guidance"), with the
    uncond noise held fixed.

    In the VE space x = x0 + sigma eps, a denoiser's noise estimate is eps = (x - D(x, sigma)) /
    sigma. The first call with every sigma > 0 evaluates cond and uncond in one batched call
    (so it returns exactly what "full" returns) and keeps eps_u = (x_0 - D_u(x_0, s_0)) / s_0.
    Every later call evaluates the cond branch alone and synthesises the uncond prediction:

        D_u(x_k, s_k) ~ x_k - s_k eps_u,    D = D_u + cfg (D_c(x_k, s_k) - D_u).

    Exact when the uncond branch's noise estimate does not change along the path; otherwise the
    guided estimate at a call is off by (cfg - 1) s_k |eps_u(x_k, s_k) - eps_u|, small where the
    data are concentrated at the pass's sigmas and guidance keeps the path near the uncond's own
    (measured in tests/models/test_guidance.py). The estimate is made per call at whatever x_k
    the sampler passes (multi-stage and stochastic samplers alike); noise delta a stochastic
    sampler adds to x between calls is not in eps_u, so where full guidance's D removes it,
    once's D keeps -(cfg - 1) delta (the guided noise estimate takes it with weight cfg, not 1). A first call at sigma 0 (any batch item) runs both
    branches and keeps nothing, so the next call does the same; a later call at sigma 0 gets
    D_u = x, the exact value.
    StreamDiffusion re-derives its uncond noise each step from its own update; this holds it.
    A pass of S' calls makes one call of batch 2B and S' - 1 of batch B: S' + 1 network items
    per batch item instead of 2 S'. x, sigma: [B, C, ...], [B]; B is fixed for the instance.
    """

    def __init__(
        self, denoiser: Denoiser, positive: Conditioning, negative: Conditioning, cfg: float
    ):
        self.denoiser, self.positive, self.negative, self.cfg = denoiser, positive, negative, cfg
        self.eps_u: Tensor | None = None

    def __call__(self, x: Tensor, sigma: Tensor, **_: Any) -> Tensor:
        sigma_ = sigma.reshape(sigma.shape[:1] + (1,) * (x.ndim - 1))
        if self.eps_u is None:
            cond_pred, uncond_pred = _cond_and_uncond(
                self.denoiser, self.positive, self.negative, x, sigma
            )
            if bool((sigma > 0).all()):
                self.eps_u = (x - uncond_pred) / sigma_
            return uncond_pred + (cond_pred - uncond_pred) * self.cfg
        if self.eps_u.shape != x.shape:
            raise ValueError(
                f"OnceGuidance holds eps_u of shape {tuple(self.eps_u.shape)}; got x of shape "
                f"{tuple(x.shape)} (build one guided model per sampler pass)"
            )
        cond_pred = self.denoiser(x, sigma, concat_conditioning([self.positive], x.shape[0]))
        uncond_pred = x - sigma_ * self.eps_u
        return uncond_pred + (cond_pred - uncond_pred) * self.cfg
