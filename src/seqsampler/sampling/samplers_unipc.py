"""UniPC (Zhao et al. 2023, arXiv:2302.04867): multistep predictor-corrector, data prediction.

Run, as ComfyUI runs it, in the variance-preserving space x_vp = alpha x_0 + sigma_vp eps with
alpha = 1/sqrt(1 + sigma^2), sigma_vp = sigma alpha, lambda = log(alpha / sigma_vp); a final
sigma of 0 is replaced by 1e-3 and the result is left at that level. Order min(3, N - 1),
lower order for the first and last steps, B(h) = h ("bh1") or expm1(h) ("bh2").
Unsampling inverts it with euler (sampling.inversion): at sigma ~ 1e-4 the float32 VP sigma
rounds to 0 (ComfyUI gives NaN there).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ._common import Run, append_dims
from .registry import sampler

FINAL_SIGMA = 0.001


def _vp(sigma: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(alpha, sigma_vp, lambda) of a VE noise level sigma (VP marginals of Song et al. 2021)."""
    log_alpha = 0.5 * torch.log(1 / (sigma * sigma + 1))
    one_minus_alpha2 = 1.0 - torch.exp(2.0 * log_alpha)
    return log_alpha.exp(), one_minus_alpha2.sqrt(), log_alpha - 0.5 * one_minus_alpha2.log()


def _uni_pc_update(
    data_prediction: Any,
    x: Tensor,
    models: list[Tensor],
    times: list[Tensor],
    t: Tensor,
    order: int,
    variant: str,
    use_corrector: bool,
) -> tuple[Tensor, Tensor | None]:
    """One UniP step to t of the given order, then UniC with the model at the new point
    (Zhao et al. 2023, Algorithms 1-2, B(h) variants). Returns (x_t, D(x_t) or None)."""
    alpha_0, sigma_vp_0, lambda_0 = _vp(times[-1])
    alpha_t, sigma_vp_t, lambda_t = _vp(t)
    model_0 = models[-1]
    h = lambda_t - lambda_0
    rks: list[Tensor | float] = []
    d1s: list[Tensor] = []
    for i in range(1, order):
        rk = ((_vp(times[-(i + 1)])[2] - lambda_0) / h)[0]
        rks.append(rk)
        d1s.append((models[-(i + 1)] - model_0) / rk)
    rks.append(1.0)
    rks_t = torch.tensor(rks, device=x.device, dtype=x.dtype)
    hh = -h[0]
    h_phi_1 = torch.expm1(hh)
    b_h = hh if variant == "bh1" else torch.expm1(hh)
    # Coefficients: R[k] = r^k, b_k = k! h phi_{k+1}(h) / B(h).
    rows, b, h_phi_k, factorial = [], [], h_phi_1 / hh - 1, 1
    for k in range(1, order + 1):
        rows.append(torch.pow(rks_t, k - 1))
        b.append(h_phi_k * factorial / b_h)
        factorial *= k + 1
        h_phi_k = h_phi_k / hh - 1 / factorial
    r_mat, b_vec = torch.stack(rows), torch.tensor(b, device=x.device, dtype=x.dtype)
    d1 = torch.stack(d1s, dim=1) if d1s else None

    x_t_ = (
        append_dims(sigma_vp_t / sigma_vp_0, x.ndim) * x
        - append_dims(alpha_t * h_phi_1, x.ndim) * model_0
    )
    # Predictor (UniP).
    if d1 is not None:
        rhos_p = (
            torch.tensor([0.5], device=x.device, dtype=x.dtype)
            if order == 2
            else torch.linalg.solve(r_mat[:-1, :-1], b_vec[:-1])
        )
        pred_res = torch.tensordot(d1, rhos_p, dims=([1], [0]))
        x_t = x_t_ - append_dims(alpha_t * b_h, x.ndim) * pred_res
    else:
        x_t = x_t_
    if not use_corrector:
        return x_t, None
    # Corrector (UniC) with the model evaluated at the predicted point.
    rhos_c = (
        torch.tensor([0.5], device=x.device, dtype=x.dtype)
        if order == 1
        else torch.linalg.solve(r_mat, b_vec)
    )
    model_t = data_prediction(x_t, t)
    corr_res = torch.tensordot(d1, rhos_c[:-1], dims=([1], [0])) if d1 is not None else 0
    x_t = x_t_ - append_dims(alpha_t * b_h, x.ndim) * (corr_res + rhos_c[-1] * (model_t - model_0))
    return x_t, model_t


def _sample_unipc(x: Tensor, sigmas: Tensor, run: Run, variant: str) -> Tensor:
    """UniPC multistep over `sigmas` (see the module docstring)."""
    if len(sigmas) <= 1:
        return x
    times = sigmas.clone()
    if times[-1] == 0:
        times[-1] = FINAL_SIGMA
    steps = len(times) - 1
    order = min(3, len(times) - 2)

    def data_prediction(x_vp: Tensor, t: Tensor) -> Tensor:
        """x_0 from the denoiser, through eps as the VP solver sees it."""
        t_ = append_dims(t, x_vp.ndim)
        x_in = x_vp * ((t_**2 + 1.0) ** 0.5)
        eps = (x_in - run.denoise(x_in, t)) / t_
        alpha, sigma_vp, _ = _vp(t)
        return (x_vp - append_dims(sigma_vp, x_vp.ndim) * eps) / append_dims(alpha, x_vp.ndim)

    x = x / torch.sqrt(1.0 + times[0] ** 2.0)
    batch = x.shape[0]
    models: list[Tensor] = []
    ts: list[Tensor] = []
    for step_index in range(steps):
        if step_index == 0:
            t = times[0].expand(batch)
            models, ts = [data_prediction(x, t)], [t]
        elif step_index < order:
            # Warm-up: order grows with the history.
            t = times[step_index].expand(batch)
            x, model_x = _uni_pc_update(
                data_prediction, x, models, ts, t, step_index, variant, True
            )
            models.append(model_x if model_x is not None else data_prediction(x, t))
            ts.append(t)
        else:
            last = step_index + (1 if step_index == steps - 1 else 0)
            for step in range(step_index, last + 1):
                t = times[step].expand(batch)
                step_order = min(order, steps + 1 - step)  # lower order at the end
                x, model_x = _uni_pc_update(
                    data_prediction, x, models, ts, t, step_order, variant, step != steps
                )
                models, ts = models[1:] + models[-1:], ts[1:] + [t]  # shift the history
                if step < steps:
                    models[-1] = model_x if model_x is not None else data_prediction(x, t)
        run.report(x, step_index, times[step_index], models[-1])
    return x / _vp(times[-1])[0]


@sampler("uni_pc", discard_penultimate=True)
def sample_uni_pc(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """UniPC with B(h) = h (Zhao et al. 2023, "bh1")."""
    return _sample_unipc(x, sigmas, run, "bh1")


@sampler("uni_pc_bh2", discard_penultimate=True)
def sample_uni_pc_bh2(x: Tensor, sigmas: Tensor, run: Run) -> Tensor:
    """UniPC with B(h) = expm1(h) (Zhao et al. 2023, "bh2")."""
    return _sample_unipc(x, sigmas, run, "bh2")
