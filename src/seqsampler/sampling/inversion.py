"""Unsampling (docs/behaviour.md §7): which sampler inverts a frame, and over which sigmas.

The one owner of both decisions; the standalone frame sampler and the ComfyUI adapter call it,
so both front doors invert alike. Deterministic samplers with one model evaluation per step
that run correctly over an ascending schedule (a round trip reconstructs the frame; tested)
invert with themselves; every other sampler (stochastic, second-order, adaptive, uni_pc)
inverts with euler.
"""

from __future__ import annotations

from torch import Tensor

SELF_INVERTING: frozenset[str] = frozenset(
    {"euler", "lms", "dpmpp_2m", "ipndm", "ipndm_v", "deis", "res_multistep", "gradient_estimation"}
)
UNSAMPLE_EPSILON = 1e-4


def inversion_sampler_name(sampler_name: str) -> str:
    """The sampler that inverts a frame for `sampler_name` (ComfyUI's names): itself or euler."""
    return sampler_name if sampler_name in SELF_INVERTING else "euler"


def unsample_sigmas(full: Tensor, start_step: int) -> Tensor:
    """Ascending sigmas [S - k + 1] for inverting to step k = `start_step` of the full schedule
    `full` [S + 1] (descending, ending in 0): full[k:] reversed, its leading 0 replaced by
    min(1e-4, sigma_(S-1) / 2), so the run starts just above 0 and ends exactly at sigma_k."""
    sigmas = full[start_step:].flip(0).clone()
    if float(sigmas[0]) < UNSAMPLE_EPSILON:
        sigmas[0] = min(UNSAMPLE_EPSILON, float(sigmas[1]) / 2)
    return sigmas
