"""Dense optical flow in torch alone (no OpenCV): the flow of ComfyUI's guide video.

Pyramidal, iterative Lucas-Kanade: Lucas & Kanade, "An Iterative Image Registration Technique
with an Application to Stereo Vision", IJCAI 1981, on a coarse-to-fine pyramid as in Bouguet,
"Pyramidal Implementation of the Lucas Kanade Feature Tracker" (Intel, 2000), made dense: every
pixel solves its own 2x2 system over a 9x9 triangle window (two 5-px box means, sigma 2 px),
the target warped by the current flow (bilinear) at each of ITERATIONS Gauss-Newton steps per
level, its gradient the bilinear warp's exact derivative (so the steps converge on the least
squares match, not a sub-pixel bias), then a 3x3 median of the flow (Sun, Roth & Black 2010).
The pyramid (halved down to COARSEST px) starts from the whole-pixel translation found by phase
correlation, so a pan longer than the pyramid reaches is followed too. Where the window has no
texture the 2x2 system is damped (LAMBDA) and the coarser level's flow stands.

Same convention as `flow.optical_flow`: F [H, W, 2] (float32, px, (dx, dy) per pixel of the
source) with source(x) ~= target(x + F(x)). `consistency_mask` is `flow.consistency_mask`
(Sundaram et al. 2010, eq. 5) with `grid_sample` in place of OpenCV's remap.

Pure torch, on the images' device (CPU or GPU), deterministic (cumulative sums, pooling and
bilinear `grid_sample`, forward only). Mean endpoint error on synthetic motion
(tests/video/test_torch_flow.py, 64 and 128 px), torch -> DIS (its MIN_SIDE grid): sub-pixel
pans 0.035-0.089 -> 0.005-0.009 px, whole-pixel pans (up to 10 px) <= 0.011 -> <= 0.001, inside
a moving square 0.096 -> 0.002, a 4% zoom 0.059 -> 0.024. DIS is more precise and much faster
(one CPU thread of a 2-core VM, load 7-9: 256 px 0.19 s -> 0.02 s, 512 px 0.8 s -> 0.02 s).
"""

from __future__ import annotations

import torch
import torch.nn.functional as functional
from torch import Tensor

from .flow import ALPHA, BETA

ITERATIONS = 6  # warps per pyramid level
LAMBDA = 1e-5  # damping of the 2x2 system (luma in [0, 1], gradients per px)
COARSEST = 12  # px: the pyramid's smallest short side
PASSES, BOX = 2, 5  # the window: PASSES box means BOX px wide
LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601


def _luma(image: Tensor, name: str) -> Tensor:
    """[1, 3, H, W] or [3, H, W] RGB in [0, 1] -> float32 luma [1, 1, H, W]."""
    if image.dim() == 3:
        image = image[None]
    if image.dim() != 4 or image.shape[:2] != (1, 3):
        raise ValueError(f"{name}: shape {tuple(image.shape)}; accepted: [1, 3, H, W] or [3, H, W]")
    weights = torch.tensor(LUMA, dtype=torch.float32, device=image.device).view(1, 3, 1, 1)
    return (image.detach().float() * weights).sum(1, keepdim=True)


def _gauss(x: Tensor, sigma: float) -> Tensor:
    """Separable Gaussian blur of [N, 1, H, W], the border replicated."""
    radius = max(1, int(3 * sigma + 0.5))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32, device=x.device)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    x = functional.conv2d(functional.pad(x, (radius, radius, 0, 0), mode="replicate"), k.view(1, 1, 1, -1))  # fmt: skip
    return functional.conv2d(functional.pad(x, (0, 0, radius, radius), mode="replicate"), k.view(1, 1, -1, 1))  # fmt: skip


def _window(x: Tensor) -> Tensor:
    """The Lucas-Kanade window over [N, 1, H, W]: PASSES box means of BOX px (running sums),
    separable, the border replicated."""
    for _ in range(PASSES):
        for dim in (-1, -2):
            r = BOX // 2
            pad = (r + 1, r, 0, 0) if dim == -1 else (0, 0, r + 1, r)
            c = functional.pad(x, pad, mode="replicate").cumsum(dim)
            n = c.shape[dim]
            x = (c.narrow(dim, BOX, n - BOX) - c.narrow(dim, 0, n - BOX)) / BOX
    return x


def _grid(flow: Tensor) -> tuple[Tensor, Tensor]:
    """x + flow(x) as two maps [h, w] (column, row) in px."""
    height, width = flow.shape[:2]
    ys, xs = torch.meshgrid(
        torch.arange(height, dtype=torch.float32, device=flow.device),
        torch.arange(width, dtype=torch.float32, device=flow.device),
        indexing="ij",
    )
    return xs + flow[..., 0], ys + flow[..., 1]


def _sample(image: Tensor, x: Tensor, y: Tensor) -> Tensor:
    """[N, C, H, W] at the points (x, y) [h, w] (px): bilinear, the border replicated."""
    height, width = image.shape[-2:]
    grid = torch.stack([2 * x / max(width - 1, 1) - 1, 2 * y / max(height - 1, 1) - 1], -1)
    return functional.grid_sample(
        image, grid[None].expand(image.shape[0], -1, -1, -1), mode="bilinear",
        padding_mode="border", align_corners=True,
    )  # fmt: skip


def sample_at(image: Tensor, flow: Tensor) -> Tensor:
    """[N, C, H, W] sampled at x + flow(x), flow [H, W, 2] in px: bilinear, border replicated."""
    return _sample(image, *_grid(flow))


def _warp_with_gradient(b: Tensor, flow: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """b [1, 1, h, w] warped by flow (bilinear) and its exact derivatives in dx and dy: the
    forward differences of b sampled with the other coordinate's weights (Gauss-Newton)."""
    x, y = _grid(flow)
    height, width = b.shape[-2:]
    x = x.clamp(0, width - 1)
    y = y.clamp(0, height - 1)
    dx = functional.pad(b[..., :, 1:] - b[..., :, :-1], (0, 1))
    dy = functional.pad(b[..., 1:, :] - b[..., :-1, :], (0, 0, 0, 1))
    x0 = x.floor().clamp(max=width - 2) if width > 1 else x.floor()
    y0 = y.floor().clamp(max=height - 2) if height > 1 else y.floor()
    return _sample(b, x, y), _sample(dx, x0, y), _sample(dy, x, y0)


def _median3(flow: Tensor) -> Tensor:
    """3x3 median of each flow component [h, w, 2], the border replicated (Sun, Roth & Black,
    "Secrets of Optical Flow Estimation and Their Principles", CVPR 2010)."""
    p = functional.pad(flow.permute(2, 0, 1)[None], (1, 1, 1, 1), mode="replicate")
    patches = functional.unfold(p, 3).view(2, 9, *flow.shape[:2])
    return patches.median(1).values.permute(1, 2, 0)


def _inside(flow: Tensor) -> Tensor:
    """float [1, 1, h, w]: 1 where x + flow(x) lies inside the frame."""
    height, width = flow.shape[:2]
    ys, xs = torch.meshgrid(
        torch.arange(height, device=flow.device),
        torch.arange(width, device=flow.device),
        indexing="ij",
    )
    x, y = xs + flow[..., 0], ys + flow[..., 1]
    return ((x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)).float()[None, None]


def _refine(a: Tensor, b: Tensor, flow: Tensor, iterations: int) -> Tensor:
    """Lucas-Kanade steps at one level: a, b [1, 1, h, w], flow [h, w, 2] -> refined flow;
    pixels whose x + flow(x) leaves the frame do not count."""
    for _ in range(iterations):
        warped, ix, iy = _warp_with_gradient(b, flow)
        it = warped - a
        w = _inside(flow)
        sums = _window(torch.cat([ix * ix * w, ix * iy * w, iy * iy * w, ix * it * w, iy * it * w]))  # fmt: skip
        sxx, sxy, syy, sxt, syt = sums[:, 0]
        sxx, syy = sxx + LAMBDA, syy + LAMBDA
        det = sxx * syy - sxy * sxy
        du = (-syy * sxt + sxy * syt) / det
        dv = (sxy * sxt - sxx * syt) / det
        flow = _median3(flow + torch.stack([du, dv], -1).clamp(-1, 1))
    return flow


def global_shift(a: Tensor, b: Tensor) -> Tensor:
    """The whole-pixel translation s [2] (dx, dy) with a(x) ~= b(x + s), by phase correlation
    (Kuglin & Hines, "The Phase Correlation Image Alignment Method", 1975) of the luma [1, 1,
    H, W] under a Hann window: the pyramid's start, so a pan longer than it reaches is found."""
    height, width = a.shape[-2:]
    window = torch.outer(
        torch.hann_window(height, periodic=False, device=a.device, dtype=torch.float64),
        torch.hann_window(width, periodic=False, device=a.device, dtype=torch.float64),
    )
    fa = torch.fft.rfft2((a[0, 0].double() - a.mean()) * window)
    fb = torch.fft.rfft2((b[0, 0].double() - b.mean()) * window)
    cross = fb * fa.conj()
    peak = torch.fft.irfft2(cross / cross.abs().clamp_min(1e-12), s=(height, width))
    index = int(peak.flatten().argmax())
    dy, dx = index // width, index % width
    dy, dx = (dy - height if dy > height // 2 else dy), (dx - width if dx > width // 2 else dx)
    return torch.tensor([dx, dy], dtype=torch.float32, device=a.device)


def torch_flow(source: Tensor, target: Tensor, iterations: int = ITERATIONS) -> Tensor:
    """Pyramidal Lucas-Kanade flow F [H, W, 2] (float32, px, the images' device) with
    source(x) ~= target(x + F(x)) (Lucas & Kanade 1981, Bouguet 2000)."""
    a, b = _luma(source, "source"), _luma(target, "target")
    if a.shape != b.shape:
        raise ValueError(
            f"torch_flow: sizes {tuple(a.shape[-2:])} and {tuple(b.shape[-2:])} differ; "
            "accepted: one size"
        )
    pyramid = [(a, b)]
    while min(pyramid[-1][0].shape[-2:]) >= 2 * COARSEST:
        pair = [functional.avg_pool2d(_gauss(x, 0.7), 2) for x in pyramid[-1]]
        pyramid.append((pair[0], pair[1]))
    coarse = pyramid[-1][0].shape[-2:]
    scale = torch.tensor([coarse[1] / a.shape[-1], coarse[0] / a.shape[-2]], device=a.device)
    flow = (global_shift(a, b) * scale).expand(*coarse, 2).clone()
    for level, (la, lb) in enumerate(reversed(pyramid)):
        if level > 0:
            size = la.shape[-2:]
            up = functional.interpolate(flow.permute(2, 0, 1)[None], size=tuple(size), mode="bilinear", align_corners=False)  # fmt: skip
            scale = torch.tensor([size[1] / flow.shape[1], size[0] / flow.shape[0]], device=a.device)  # fmt: skip
            flow = up[0].permute(1, 2, 0) * scale
        flow = _refine(la, lb, flow, iterations)
    return flow.float()


def consistency_mask(
    flow: Tensor, back: Tensor, alpha: float = ALPHA, beta: float = BETA
) -> Tensor:
    """bool [H, W]: `flow.consistency_mask` in torch: True where `flow` (a -> b) agrees with
    `back` (b -> a) by Sundaram et al. 2010, eq. 5, and x + flow(x) lies inside the frame."""
    if flow.dim() != 3 or flow.shape[2] != 2 or back.shape != flow.shape:
        raise ValueError(
            f"flow, back: shapes {tuple(flow.shape)} and {tuple(back.shape)}; accepted: both "
            "[H, W, 2]"
        )
    f, b = flow.detach().float(), back.detach().float().to(flow.device)
    b_at = sample_at(b.permute(2, 0, 1)[None], f)[0].permute(1, 2, 0)
    mismatch = ((f + b_at) ** 2).sum(-1)
    bound = alpha * ((f**2).sum(-1) + (b_at**2).sum(-1)) + beta
    height, width = f.shape[:2]
    ys, xs = torch.meshgrid(
        torch.arange(height, device=f.device), torch.arange(width, device=f.device), indexing="ij"
    )
    x, y = xs + f[..., 0], ys + f[..., 1]
    inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
    return (mismatch < bound) & inside
