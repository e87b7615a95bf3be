"""Interpolation of latents and conditioning: lerp, slerp, cosine-eased lerp (behaviour.md §3, §8).

`t` is always the weight of `b` (the new sample, the target): 0 gives `a`, 1 gives `b`.
slerp is Shoemake's (1985) spherical interpolation of the directions with the norms lerped:
`((1-t)|a| + t|b|) * (sin((1-t)w) a/|a| + sin(t w) b/|b|) / sin(w)`, `w` the angle between them
(for equal norms this is the classic `sin((1-t)w)/sin(w) a + sin(t w)/sin(w) b`; unlike that
form it never overshoots the larger norm when the norms differ and the angle is wide). Where
the two are near parallel, near antiparallel (sin w < 1e-3) or either is zero it is a lerp
instead, so it never yields NaN or Inf. Any float dtype in; computed in fp32 (fp64 for fp64 inputs);
the inputs' dtype out.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .conditioning import Conditioning
from .planning.names import LATENT_INTERP_MODES

SIN_OMEGA_MIN = 1e-3  # below this, slerp and lerp differ by < 1e-6 relative: take lerp
NORM_MIN = 1e-12


def _check(t: float, a: Tensor, b: Tensor) -> tuple[torch.dtype, torch.dtype]:
    """(output dtype, compute dtype) after checking the inputs."""
    if not isinstance(t, (int, float)) or isinstance(t, bool) or not math.isfinite(t):
        raise ValueError(f"interpolation weight t must be a finite number; got {t!r}")
    if a.shape != b.shape:
        raise ValueError(f"cannot interpolate shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if not (a.is_floating_point() and b.is_floating_point()):
        raise ValueError(f"interpolation needs float tensors; got {a.dtype} and {b.dtype}")
    out = torch.promote_types(a.dtype, b.dtype)
    return out, torch.float64 if out == torch.float64 else torch.float32


def lerp(t: float, a: Tensor, b: Tensor) -> Tensor:
    """(1 - t) * a + t * b, exact at t = 0 and t = 1 and for a == b."""
    out, work = _check(t, a, b)
    return torch.lerp(a.to(work), b.to(work), float(t)).to(out)


def cosine_lerp(t: float, a: Tensor, b: Tensor) -> Tensor:
    """lerp with the eased weight (1 - cos(pi t)) / 2 (the node's `Cosine Interp`)."""
    return lerp((1 - math.cos(math.pi * t)) / 2, a, b)


def slerp(t: float, a: Tensor, b: Tensor, dim: int = -1) -> Tensor:
    """Spherical interpolation of the vectors along `dim` (see the module docstring)."""
    out, work = _check(t, a, b)
    a, b = a.to(work), b.to(work)
    norm_a = torch.linalg.vector_norm(a, dim=dim, keepdim=True)
    norm_b = torch.linalg.vector_norm(b, dim=dim, keepdim=True)
    nonzero = (norm_a > NORM_MIN) & (norm_b > NORM_MIN)
    norm_a_safe = torch.where(nonzero, norm_a, torch.ones_like(norm_a))
    norm_b_safe = torch.where(nonzero, norm_b, torch.ones_like(norm_b))
    unit_a, unit_b = a / norm_a_safe, b / norm_b_safe
    # Kahan's angle: accurate near 0 and near pi, where acos(cos w) loses half the digits.
    omega = 2 * torch.atan2(
        torch.linalg.vector_norm(unit_a - unit_b, dim=dim, keepdim=True),
        torch.linalg.vector_norm(unit_a + unit_b, dim=dim, keepdim=True),
    )
    sin_omega = torch.sin(omega)
    use_slerp = nonzero & (sin_omega > SIN_OMEGA_MIN)
    sin_omega = torch.where(use_slerp, sin_omega, torch.ones_like(sin_omega))
    scale = ((1 - t) * norm_a + t * norm_b) / sin_omega
    coeff_a = scale * torch.sin((1 - t) * omega) / norm_a_safe
    coeff_b = scale * torch.sin(t * omega) / norm_b_safe
    # the lerp fallback via torch.lerp: exact for a == b
    result = torch.where(use_slerp, coeff_a * a + coeff_b * b, torch.lerp(a, b, float(t)))
    if t == 0:
        result = a
    elif t == 1:
        result = b
    return result.to(out)


def slerp_latents(t: float, a: Tensor, b: Tensor) -> Tensor:
    """slerp over each batch item's flattened latent ([B, ...], any rank and channel count)."""
    _check(t, a, b)
    flat = slerp(t, a.reshape(a.shape[0], -1), b.reshape(b.shape[0], -1))
    return flat.reshape(a.shape)


def interp_latents(mode: str, t: float, previous: Tensor, sample: Tensor) -> Tensor:
    """The node's latent interpolation (§8): `Blend`, `Slerp` or `Cosine Interp`, weight `t`
    on the new `sample`."""
    if mode == "Blend":
        return lerp(t, previous, sample)
    if mode == "Slerp":
        return slerp_latents(t, previous, sample)
    if mode == "Cosine Interp":
        return cosine_lerp(t, previous, sample)
    raise ValueError(
        f"latent_interpolation_mode must be one of {', '.join(LATENT_INTERP_MODES)}; got {mode!r}"
    )


def match_length(tokens: Tensor, length: int) -> Tensor:
    """Truncate or zero-pad [B, T, D] tokens to T = `length` (ComfyUI's ConditioningAverage)."""
    current = tokens.shape[1]
    if current >= length:
        return tokens[:, :length]
    pad = tokens.new_zeros((tokens.shape[0], length - current, *tokens.shape[2:]))
    return torch.cat([tokens, pad], dim=1)


def _match_batch(previous: Tensor, target: Tensor) -> Tensor:
    if previous.shape[0] == target.shape[0]:
        return previous
    if previous.shape[0] == 1:
        return previous.expand(target.shape[0], *previous.shape[1:])
    raise ValueError(
        f"cannot glide conditioning of batch {previous.shape[0]} toward batch {target.shape[0]}"
    )


def slerp_conditioning(t: float, previous: Conditioning, target: Conditioning) -> Conditioning:
    """One glide step (§3): slerp per token vector and per pooled vector from `previous` toward
    `target`; `previous` is first truncated or zero-padded to the target's token length. The
    target's other extras are kept; `pooled_output` is slerped when both have it, else the
    target's."""
    prev_tokens = match_length(previous.tokens, target.tokens.shape[1])
    prev_tokens = _match_batch(prev_tokens.to(target.tokens.dtype), target.tokens)
    tokens = slerp(t, prev_tokens, target.tokens)
    extras = dict(target.extras)
    prev_pooled, target_pooled = previous.pooled, target.pooled
    if prev_pooled is not None and target_pooled is not None:
        prev_pooled = _match_batch(prev_pooled.to(target_pooled.dtype), target_pooled)
        extras["pooled_output"] = slerp(t, prev_pooled, target_pooled)
    return Conditioning(tokens, extras)
