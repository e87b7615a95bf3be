"""Dense optical flow (OpenCV's DIS), its forward-backward consistency, and warping by a flow.

Conventions. Images are float [B, 3, H, W] (or [3, H, W]) in [0, 1]; a flow is float32
[H, W, 2] in pixels, (dx, dy) per pixel of its *source*:

    optical_flow(a, b) = F  with  a(x) ~= b(x + F(x))

so `warp_by_flow(b, F)`, which samples b at x + F(x), is ~= a: to carry the previous frame onto
the current one, use the flow from the current frame to the previous (the backward flow).

DIS: Kroeger et al., "Fast Optical Flow using Dense Inverse Search", ECCV 2016 (OpenCV's
`DISOpticalFlow`, on grayscale uint8; no weights to download). The consistency test is
Sundaram, Brox & Keutzer, "Dense Point Trajectories by GPU-accelerated Large Displacement
Optical Flow", ECCV 2010, eq. 5: x is reliable when

    |F(x) + B(x + F(x))|^2 < ALPHA (|F(x)|^2 + |B(x + F(x))|^2) + BETA

with their ALPHA = 0.01 and BETA = 0.5 px^2; a pixel whose x + F(x) leaves the frame is
unreliable too (nothing there to carry). DIS's flow is smooth across motion boundaries, so the
two flows can agree on a wrong motion next to a moving object: `photometric_mask` adds the
direct check that warping one frame by the flow reproduces the other (3x3 mean of the absolute
RGB error below TAU = 0.05, about 13 levels of 255).

DIS's finest grid: a preset estimates the flow at 1/2^s of the frame (finest scale s: 2 for
"fast") and upsamples it; on small frames that grid is coarse next to the patch (8 px), so a
small or slow motion is averaged away (a 10-px square moving 0.73 px a frame at 32x32 measured
0.53 px). With `min_side` (the hybrid input's: MIN_SIDE = 256; `flow_grid`) a frame whose short
side is under it is upsampled (bilinear) twice (at least to 64 px) and DIS runs at its full
resolution (8-px patches covering 4 px of the frame), the flow then averaged back over k x k;
larger frames keep a finest grid of at least 256 px. Relative error of the mean flow, measured
on synthetic pans (4 sub-pixel shifts) and inside a square of 10/32 of the frame moving 0.75
px, preset grid -> min_side 256: 32 px 0.018 -> 0.003 and 0.32 -> 0.022; 64 px 0.018 -> 0.003
and 0.12 -> 0.024; 128 px 0.11 -> 0.003 and 0.78 -> 0.028; 256 px 0.066 -> 0.017 and 0.45 ->
0.059. The price, one flow on one CPU thread of a shared 2-core VM (preset grid -> min_side
256): 64 px 3 -> 10 ms, 128 px 1 -> 42 ms, 255 px 5 -> 168 ms, 512 px 22 -> 50 ms, 768 px 56 ->
125 ms (the hybrid input takes two flows a frame). `min_side = 0` (the default) is the
preset's own grid: smoother, which the in-betweens' flow (inbetween.py) prefers (its
interpolation benchmark at 32x32 loses SSIM on a finer grid).

DIS preset: "fast" (DEFAULT_PRESET), measured on synthetic inputs (tests/video/test_flow.py), on
its own grid: a (1.5, 0.5) px pan over 4-px noise at 64x64 is recovered to 0.011 px mean
("medium": 0.057 px; its larger patches and variational smoothing blur small frames), and its
forward-backward mask flags 89% of the strip a moving square uncovers at 64x64, frame 3
("medium": 48%). OpenCV and numpy stay inside; tensors at the API.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as functional
from torch import Tensor

ALPHA = 0.01
BETA = 0.5  # px^2
TAU = 0.05  # mean absolute RGB error in [0, 1] over a 3x3 window
MIN_SIDE = 256  # px: the hybrid input's flow (flow_grid): frames under it upsampled twice
PRESETS = ("ultrafast", "fast", "medium")
DEFAULT_PRESET = "fast"


def import_cv2() -> Any:
    """OpenCV, imported on first use (opencv-python-headless, in the `[cli]` extra)."""
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - the [cli] extra
        raise ImportError(
            "optical flow needs OpenCV (opencv-python-headless): pip install 'seqsampler[cli]'"
        ) from exc
    return cv2


def gray_uint8(image: Tensor) -> np.ndarray:
    """[1, 3, H, W] or [3, H, W] RGB in [0, 1] -> uint8 [H, W] luma (ITU-R BT.601 weights)."""
    if image.dim() == 4:
        if image.shape[0] != 1:
            raise ValueError(f"image: batch of {image.shape[0]}; accepted: one image [1, 3, H, W]")
        image = image[0]
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"image: shape {tuple(image.shape)}; accepted: [1, 3, H, W] or [3, H, W]")
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=torch.float32).view(3, 1, 1)
    luma = (image.detach().float().cpu() * weights).sum(0)
    return luma.clamp(0, 1).mul(255).round().to(torch.uint8).numpy()


def flow_grid(height: int, width: int, finest: int, min_side: int) -> tuple[int, int]:
    """(k, s): DIS runs on the frames upsampled k times with its finest scale s (the preset's
    `finest`, or less). Frames whose short side is under `min_side` are upsampled to at least
    twice their size and 64 px (finest scale 0); larger ones keep a finest grid of at least
    `min_side` px. `min_side` 0: the preset's own grid, (1, finest)."""
    short = min(height, width)
    if min_side == 0:
        return 1, finest
    if short < min_side:
        return max(2, math.ceil(64 / short)), 0
    return 1, min(finest, int(math.log2(short / min_side)))


def optical_flow(
    source: Tensor, target: Tensor, preset: str = DEFAULT_PRESET, min_side: int = 0
) -> Tensor:
    """DIS optical flow F [H, W, 2] (float32, px) with source(x) ~= target(x + F(x)), its
    finest grid at least `min_side` px on the short side (`flow_grid`; 0: the preset's)."""
    if preset not in PRESETS:
        raise ValueError(f"preset: got {preset!r}; accepted: {', '.join(PRESETS)}")
    if isinstance(min_side, bool) or not isinstance(min_side, int) or min_side < 0:
        raise ValueError(f"min_side: got {min_side!r}; accepted: an int >= 0 (px)")
    a, b = gray_uint8(source), gray_uint8(target)
    if a.shape != b.shape:
        raise ValueError(f"optical_flow: sizes {a.shape} and {b.shape} differ; accepted: one size")
    cv2 = import_cv2()
    dis = cv2.DISOpticalFlow_create(getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{preset.upper()}"))
    height, width = a.shape
    k, finest = flow_grid(height, width, dis.getFinestScale(), min_side)
    dis.setFinestScale(finest)
    if k == 1:
        return torch.from_numpy(dis.calc(a, b, None))
    size = (width * k, height * k)
    up = [cv2.resize(x, size, interpolation=cv2.INTER_LINEAR) for x in (a, b)]
    flow = dis.calc(up[0], up[1], None)
    return torch.from_numpy(cv2.resize(flow, (width, height), interpolation=cv2.INTER_AREA) / k)


def _check_flow(flow: Tensor, name: str = "flow") -> np.ndarray:
    if flow.dim() != 3 or flow.shape[2] != 2:
        raise ValueError(f"{name}: shape {tuple(flow.shape)}; accepted: [H, W, 2]")
    return np.ascontiguousarray(flow.detach().float().cpu().numpy())


def _sample_points(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x + F(x) as two float32 maps [H, W] (column, row)."""
    height, width = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(
        np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    )
    return grid_x + flow[..., 0], grid_y + flow[..., 1]


def consistency_mask(
    flow: Tensor, back: Tensor, alpha: float = ALPHA, beta: float = BETA
) -> Tensor:
    """bool [H, W]: True where `flow` (a -> b) is reliable by the forward-backward test with
    `back` (b -> a) (Sundaram et al. 2010, eq. 5) and x + flow(x) lies inside the frame."""
    f, b = _check_flow(flow), _check_flow(back, "back")
    if f.shape != b.shape:
        raise ValueError(f"back: shape {b.shape} differs from flow's {f.shape}; accepted: one size")
    cv2 = import_cv2()
    map_x, map_y = _sample_points(f)
    b_at = cv2.remap(b, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mismatch = ((f + b_at) ** 2).sum(-1)
    bound = alpha * ((f**2).sum(-1) + (b_at**2).sum(-1)) + beta
    height, width = f.shape[:2]
    inside = (map_x >= 0) & (map_x <= width - 1) & (map_y >= 0) & (map_y <= height - 1)
    return torch.from_numpy((mismatch < bound) & inside)


def photometric_mask(warped: Tensor, target: Tensor, tau: float = TAU) -> Tensor:
    """bool [H, W]: True where `warped` (a frame carried by a flow, [1, 3, H, W]) matches
    `target` ([1, 3, H, W]): the 3x3 mean of their absolute error, averaged over RGB, < tau."""
    if warped.shape != target.shape or warped.dim() != 4 or warped.shape[0] != 1:
        raise ValueError(
            f"photometric_mask: shapes {tuple(warped.shape)} and {tuple(target.shape)}; "
            "accepted: both [1, C, H, W]"
        )
    error = (warped.detach().float().cpu() - target.detach().float().cpu()).abs().mean(1)
    local = functional.avg_pool2d(error[None], 3, stride=1, padding=1, count_include_pad=False)
    return local[0, 0] < tau


def warp_by_flow(image: Tensor, flow: Tensor) -> Tensor:
    """[B, C, H, W] sampled at x + flow(x) for every pixel x: bilinear, the border replicated
    (`grid_sample`, align_corners=True: pixel centres at integer coordinates)."""
    if image.dim() != 4:
        raise ValueError(f"image: shape {tuple(image.shape)}; accepted: [B, C, H, W]")
    f = _check_flow(flow)
    height, width = image.shape[-2:]
    if f.shape[:2] != (height, width):
        raise ValueError(
            f"flow: shape {f.shape} does not match the image's {height}x{width}; accepted: "
            f"[{height}, {width}, 2]"
        )
    map_x, map_y = _sample_points(f)
    grid = np.stack(
        [2 * map_x / max(width - 1, 1) - 1, 2 * map_y / max(height - 1, 1) - 1], axis=-1
    )
    grid_t = torch.from_numpy(grid).to(image.device, torch.float32)[None]
    grid_t = grid_t.expand(image.shape[0], -1, -1, -1)
    warped = functional.grid_sample(
        image.float(), grid_t, mode="bilinear", padding_mode="border", align_corners=True
    )
    return warped.to(image.dtype)
