"""In-between frames: the frame at position t in (0, 1) between frame a (at 0) and b (at 1),
made from both of them, for output interpolation and cadence (issue 30).

Three ways, each refining the one before (`MODES`):

- `crossfade`: (1 − t)·a + t·b, a dissolve.
- `motion`: Deforum's cadence (sd-webui-deforum, render.py, the `turbo_*` block): a moved
  forward by the camera from 0 to t and b moved back from 1 to t, then cross-faded by position,
  prev·(1 − t) + next·t. The camera between them is either `m_ab` (the 3x3 matrix taking a's
  pixels to b's: a to t is M^t, t to b is M^(1−t), `motion.power.matrix_power`) or `moves` =
  (M a→t, M t→b) composed by the caller from whole frames (cadence: the per-frame matrices of
  the frames in between). Where a warp's source lies outside its frame the other frame is
  taken alone (validity weights), so no smeared border is faded in.
- `flow`: then the motion the camera leaves (objects, new detail) by dense optical flow between
  the two moved frames (OpenCV's DIS, Kroeger et al., ECCV 2016; `video.flow`), both directions,
  carried to t by Super SloMo's approximation F_t→0 = −(1 − t)t·F_0→1 + t²·F_1→0,
  F_t→1 = (1 − t)²·F_0→1 − t(1 − t)·F_1→0 (Jiang et al., "Super SloMo", CVPR 2018, eq. 4), each
  moved frame sampled along its flow and cross-faded as above. Deforum's optical-flow cadence
  does the same with one flow halved.

Images are float [B, 3, H, W] in [0, 1] (pixel space), a latent works for crossfade and
motion (its grid: pass matrices on that grid). OpenCV is imported only for `flow`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from .motion.knobs import check_border
from .motion.power import matrix_power
from .motion.transform import IDENTITY, Matrix, inverse, is_identity
from .motion.warp import apply
from .planning.cadence import INBETWEEN_MODES, check_inbetween_mode

MODES = INBETWEEN_MODES
F64 = torch.float64
_EPS = 1e-6
_PADDING = {"replicate": "border", "reflect": "reflection", "zeros": "zeros", "wrap": "border"}


check_mode = check_inbetween_mode  # `mode` if it is one of MODES, else ValueError


def split_motion(m_ab: Matrix, t: float, size: tuple[int, int]) -> tuple[Matrix, Matrix]:
    """(M^t, M^(1−t)): the camera from a to position t and from t to b, when `m_ab` (on pixels
    of `size` = (W, H)) takes a to b."""
    return matrix_power(m_ab, t, size), matrix_power(m_ab, 1.0 - t, size)


def _check(a: Tensor, b: Tensor, t: float) -> None:
    if a.ndim != 4 or a.shape != b.shape or not a.is_floating_point():
        raise ValueError(
            f"inbetween: a {tuple(a.shape)} {a.dtype} and b {tuple(b.shape)}; accepted: two "
            "float tensors [B, C, H, W] of one shape"
        )
    if not (isinstance(t, (int, float)) and math.isfinite(t) and 0.0 < t < 1.0):
        raise ValueError(f"inbetween: t = {t!r}; accepted: a number in (0, 1)")


def _pixels(height: int, width: int, device: torch.device) -> tuple[Tensor, Tensor]:
    """The pixel grid (x, y), each [H, W] float64, pixel centres at integer coordinates."""
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=F64, device=device),
        torch.arange(width, dtype=F64, device=device),
        indexing="ij",
    )
    return xs, ys


def _through(m: Matrix, x: Tensor, y: Tensor) -> Tensor:
    """Points (x, y) ([..., H, W] float64) through m: [..., H, W, 2]; a point at infinity or
    behind the camera (w <= 0) goes far out of frame."""
    u, v, w = apply(m, x, y)
    limit = 4.0 * (x.shape[-1] + x.shape[-2])
    far = torch.full_like(u, -limit)
    u, v = torch.where(w > 0, u, far), torch.where(w > 0, v, far)
    return torch.stack([u, v], dim=-1).clamp(-limit, limit)


def _sample(x: Tensor, uv: Tensor, border: str) -> tuple[Tensor, Tensor]:
    """x [B, C, H, W] sampled bilinearly at the pixel coordinates uv [B, H, W, 2] (OpenCV's
    borders, as motion.warp), and [B, 1, H, W]: how much of each sample lies inside x's frame
    (1 inside, 0 outside, bilinear in between; all 1 for the wrap border)."""
    height, width = x.shape[-2:]
    u, v = uv[..., 0], uv[..., 1]
    source, pad_w, pad_h = x, width, height
    if border == "wrap":
        u, v = torch.remainder(u, width), torch.remainder(v, height)
        source, pad_w, pad_h = F.pad(x, (0, 1, 0, 1), mode="circular"), width + 1, height + 1
    grid = torch.stack([2 * u / (pad_w - 1) - 1, 2 * v / (pad_h - 1) - 1], dim=-1).to(x.dtype)
    sampled = F.grid_sample(
        source, grid, mode="bilinear", padding_mode=_PADDING[border], align_corners=True
    )
    if border == "wrap":
        return sampled, torch.ones_like(x[:, :1])
    ones = torch.ones_like(x[:, :1])
    inside = F.grid_sample(ones, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return sampled, inside


def _blend(a: Tensor, b: Tensor, t: float, v_a: Tensor, v_b: Tensor) -> Tensor:
    """(1 − t)·v_a·a + t·v_b·b over the weights' sum; the plain (1 − t)·a + t·b where neither
    frame has a source."""
    w_a, w_b = (1.0 - t) * v_a, t * v_b
    total = w_a + w_b
    mixed = (w_a * a + w_b * b) / total.clamp_min(_EPS)
    return torch.where(total > _EPS, mixed, (1.0 - t) * a + t * b)


def inbetween(
    a: Tensor,
    b: Tensor,
    t: float,
    *,
    m_ab: Matrix | None = None,
    moves: tuple[Matrix, Matrix] | None = None,
    flow: bool = False,
    border: str = "replicate",
) -> Tensor:
    """The frame at t in (0, 1) between a [B, C, H, W] (at 0) and b (at 1), same shape and
    dtype: a cross-fade; with `m_ab` or `moves` each frame moved by the camera to t first; with
    `flow`, DIS optical flow and Super SloMo's flow at t after that (see the module docstring;
    `flow` needs RGB images in [0, 1]). Each frame is sampled once (camera and flow composed),
    so an edge is blurred by one bilinear resampling, not two."""
    _check(a, b, t)
    check_border(border)
    if m_ab is not None and moves is not None:
        raise ValueError("inbetween: give m_ab (a to b) or moves (a to t, t to b), not both")
    if m_ab is not None:
        moves = split_motion(m_ab, t, (a.shape[-1], a.shape[-2]))
    m_at, m_tb = moves if moves is not None else (IDENTITY, IDENTITY)
    if not flow and is_identity(m_at) and is_identity(m_tb):
        return ((1.0 - t) * a + t * b).to(a.dtype)
    x, y = _pixels(a.shape[-2], a.shape[-1], a.device)
    at_a, at_b = inverse(m_at), m_tb  # output pixel p shows a at m_at⁻¹·p and b at m_tb·p
    batch = a.shape[0]
    uv_a = _through(at_a, x, y).expand(batch, -1, -1, -1)
    uv_b = _through(at_b, x, y).expand(batch, -1, -1, -1)
    compute = a.float() if a.dtype not in (torch.float32, torch.float64) else a
    b_compute = b.to(compute.dtype)
    if flow:
        a_t, _ = _sample(compute, uv_a, border)
        b_t, _ = _sample(b_compute, uv_b, border)
        f_t0, f_t1 = _flows_at(a_t, b_t, t)  # [B, H, W, 2] each
        uv_a = torch.stack([_through(at_a, x + f[..., 0], y + f[..., 1]) for f in f_t0])
        uv_b = torch.stack([_through(at_b, x + f[..., 0], y + f[..., 1]) for f in f_t1])
    moved_a, v_a = _sample(compute, uv_a, border)
    moved_b, v_b = _sample(b_compute, uv_b, border)
    return _blend(moved_a, moved_b, t, v_a, v_b).to(a.dtype)


def _flows_at(a_t: Tensor, b_t: Tensor, t: float) -> tuple[Tensor, Tensor]:
    """Super SloMo's flows at t (F_t→0, F_t→1, each [B, H, W, 2] float64 on a_t's device) from
    DIS flows between a_t and b_t ([B, 3, H, W] in [0, 1]) both ways, item by item."""
    from .video.flow import optical_flow

    to_a, to_b = [], []
    for i in range(a_t.shape[0]):
        x0, x1 = a_t[i : i + 1], b_t[i : i + 1]
        f01 = optical_flow(x0, x1).to(a_t.device, F64)
        f10 = optical_flow(x1, x0).to(a_t.device, F64)
        to_a.append(-(1.0 - t) * t * f01 + t * t * f10)
        to_b.append((1.0 - t) ** 2 * f01 - t * (1.0 - t) * f10)
    return torch.stack(to_a), torch.stack(to_b)
