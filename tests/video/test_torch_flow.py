"""seqsampler.video.torch_flow: the torch-only Lucas-Kanade flow (ComfyUI's guide video),
measured on synthetic motion with an exact answer, and against DIS where OpenCV is importable."""

from __future__ import annotations

import importlib.util

import pytest
import torch
import torch.nn.functional as functional

from seqsampler.video.flow import MIN_SIDE
from seqsampler.video.flow import consistency_mask as dis_consistency_mask
from seqsampler.video.hybrid import hybrid_parts
from seqsampler.video.torch_flow import consistency_mask, torch_flow

HAS_CV2 = importlib.util.find_spec("cv2") is not None
M = 8  # the interior: 8 px from every edge
UP = 4  # the textures are made UP times finer, moved by whole fine pixels, area-averaged


def texture(height: int, width: int, seed: int, cell: int = 4) -> torch.Tensor:
    """[1, 3, H, W] in [0, 1]: seeded noise on a `cell`-px grid, upsampled bicubically."""
    g = torch.Generator().manual_seed(seed)
    cells = torch.rand(1, 3, height // cell + 3, width // cell + 3, generator=g)
    big = functional.interpolate(cells, scale_factor=cell, mode="bicubic", align_corners=False)
    return big[..., cell : cell + height, cell : cell + width].clamp(0, 1)


def pan(size: int, shift: tuple[float, float], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(a, b) with a(x) = b(x + shift): windows of one fine texture, shift a multiple of 1/UP."""
    pad, (sx, sy) = 16 * UP, (round(shift[0] * UP), round(shift[1] * UP))
    fine = texture(size * UP + 2 * pad, size * UP + 2 * pad, seed, cell=4 * UP)
    a = fine[..., pad : pad + size * UP, pad : pad + size * UP]
    b = fine[..., pad - sy : pad - sy + size * UP, pad - sx : pad - sx + size * UP]
    return functional.avg_pool2d(a, UP), functional.avg_pool2d(b, UP)


def square(size: int = 64, side: int = 24, step: tuple[int, int] = (3, 1)):
    """(a, b, true flow [H, W, 2], the square's interior in a, the background's away from it):
    a textured square moves by `step` over a still textured background, a(x) = b(x + F(x))."""
    background, patch = texture(size, size, 1), texture(side, side, 2)
    top = left = (size - side) // 2
    a, b = background.clone(), background.clone()
    a[..., top : top + side, left : left + side] = patch
    b[..., top + step[1] : top + step[1] + side, left + step[0] : left + step[0] + side] = patch
    flow = torch.zeros(size, size, 2)
    flow[top : top + side, left : left + side] = torch.tensor(step, dtype=torch.float32)
    inner = torch.zeros(size, size, dtype=torch.bool)
    inner[top + 4 : top + side - 4, left + 4 : left + side - 4] = True
    away = torch.ones(size, size, dtype=torch.bool)
    away[top - 8 : top + side + 8 + step[1], left - 8 : left + side + 8 + step[0]] = False
    away[:M], away[-M:], away[:, :M], away[:, -M:] = False, False, False, False
    return a, b, flow, inner, away


def zoom(size: int = 64, scale: float = 1.04):
    """(a, b, true flow): b is a zoomed in by `scale` about the centre c, so a(x) = b(c +
    scale (x - c)) and F(x) = (scale - 1)(x - c); made at UP times the size, area-averaged."""
    fine = texture(size * UP, size * UP, 3, cell=4 * UP)
    c = (size * UP - 1) / 2
    ys, xs = torch.meshgrid(torch.arange(size * UP.__float__()), torch.arange(size * UP.__float__()), indexing="ij")  # fmt: skip
    src = torch.stack([c + (xs - c) / scale, c + (ys - c) / scale], -1) / c - 1
    b = functional.grid_sample(fine, src[None], mode="bicubic", align_corners=True).clamp(0, 1)
    ys, xs = torch.meshgrid(torch.arange(size * 1.0), torch.arange(size * 1.0), indexing="ij")
    centre = (size - 1) / 2
    flow = torch.stack([xs - centre, ys - centre], -1) * (scale - 1)
    return functional.avg_pool2d(fine, UP), functional.avg_pool2d(b, UP), flow


def epe(flow: torch.Tensor, true: torch.Tensor, where: torch.Tensor | None = None) -> float:
    """Mean endpoint error (px) over `where`, default the interior."""
    if where is None:
        where = torch.zeros(flow.shape[:2], dtype=torch.bool)
        where[M:-M, M:-M] = True
    return float((flow - true).norm(dim=-1)[where].mean())


def style(image: torch.Tensor) -> torch.Tensor:
    """A stand-in for a sampled output: the input's colours inverted and channels rotated."""
    return 1 - image.roll(1, dims=1)


def test_convention_shape_and_determinism():
    a, b = pan(64, (3.0, -2.0))  # a(x) = b(x + (3, -2))
    flow = torch_flow(a, b)
    assert flow.shape == (64, 64, 2) and flow.dtype == torch.float32
    assert epe(flow, torch.tensor([3.0, -2.0])) < 0.01  # measured 0.004
    assert torch.equal(flow, torch_flow(a, b)) and torch.equal(flow, torch_flow(a[0], b[0]))
    assert epe(torch_flow(b, a), torch.tensor([-3.0, 2.0])) < 0.01  # the other direction


@pytest.mark.parametrize("size", [64, 128])
@pytest.mark.parametrize("shift", [(0.25, 0.0), (1.5, 0.5), (0.75, -0.25), (6.0, 4.0), (-9.0, 5.0)])
def test_pans_are_recovered(size, shift):
    """Sub-pixel and whole-pixel pans: mean endpoint error in the interior < 0.12 px (measured
    0.035-0.089 sub-pixel, <= 0.011 whole; the -9 px pan is past the pyramid's reach, found by
    the phase correlation that starts it)."""
    a, b = pan(size, shift)
    error = epe(torch_flow(a, b), torch.tensor(shift))
    assert error < 0.12, error


def test_a_moving_square_on_a_moving_background():
    """Inside the square (4 px in from its edges) and on the background away from it (8 px)."""
    a, b, true, inner, away = square()
    flow = torch_flow(a, b)
    assert epe(flow, true, inner) < 0.15, epe(flow, true, inner)  # measured 0.096
    assert epe(flow, true, away) < 0.05, epe(flow, true, away)  # measured 0.012


def test_a_small_zoom():
    a, b, true = zoom()  # 4%: up to 1.3 px at the interior's corners
    assert epe(torch_flow(a, b), true) < 0.1  # measured 0.059
    assert epe(torch.zeros_like(true), true) > 0.6  # the motion is there to find


@pytest.mark.skipif(not HAS_CV2, reason="DIS needs OpenCV")
def test_against_dis_on_the_same_inputs():
    """DIS (the library's flow, frames upsampled as the hybrid input does) is the reference:
    the torch flow stays within 0.1 px of its error on every case (measured: DIS 0.000-0.024,
    torch 0.003-0.096; the largest gaps are the square's inside, 0.094, and the (1.5, 0.5) pan,
    0.084)."""
    from seqsampler.video.flow import optical_flow

    cases = [(*pan(64, s), torch.tensor(s), None) for s in [(0.25, 0.0), (1.5, 0.5), (3.0, -2.0)]]
    a, b, true, inner, _ = square()
    cases += [(a, b, true, inner), (*zoom(), None)]
    for a, b, true, where in cases:
        dis = epe(optical_flow(a, b, "fast", MIN_SIDE), true, where)
        mine = epe(torch_flow(a, b), true, where)
        assert mine < dis + 0.1, (mine, dis)


def test_consistency_mask_matches_the_opencv_one():
    """Sundaram et al.'s test on given flows: opposite flows agree inside the frame, a still
    backward flow does not; where OpenCV is there, the same mask as flow.consistency_mask."""
    flow = torch.zeros(16, 16, 2)
    flow[..., 0] = 3.0
    agree = consistency_mask(flow, -flow)
    assert agree[:, :13].all() and not agree[:, 13:].any()
    assert not consistency_mask(flow, torch.zeros(16, 16, 2))[:, :13].any()
    assert consistency_mask(flow / 6, torch.zeros(16, 16, 2))[:, :15].all()
    if HAS_CV2:
        a, b, *_ = square()
        back, forward = torch_flow(b, a), torch_flow(a, b)
        assert torch.equal(consistency_mask(back, forward), dis_consistency_mask(back, forward))


def test_the_hybrid_composite_with_the_torch_flow():
    """Strength 0 carries a stylised previous input onto the current one (10x closer than left
    in place); where OpenCV is there, within 0.01 (mean abs, interior) of DIS's composite."""
    a, b = pan(64, (1.5, 0.5))
    cur, prev = a, b  # cur(x) = prev(x + (1.5, 0.5))
    parts = hybrid_parts(style(prev), prev, cur, flow="torch")
    carried = float((parts.composite - style(cur))[..., M:-M, M:-M].abs().mean())
    in_place = float((style(prev) - style(cur))[..., M:-M, M:-M].abs().mean())
    assert carried < 0.1 * in_place, (carried, in_place)
    assert float(parts.reliable[M:-M, M:-M].float().mean()) > 0.95
    if HAS_CV2:
        dis = hybrid_parts(style(prev), prev, cur, flow="dis").composite
        gap = float((parts.composite - dis)[..., M:-M, M:-M].abs().mean())
        assert gap < 0.01, gap


def test_the_torch_flow_never_imports_opencv(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "cv2", None)  # `import cv2` now fails
    a, b, *_ = square()
    parts = hybrid_parts(style(b), b, a, flow="torch")
    assert parts.composite.shape == (1, 3, 64, 64)
    with pytest.raises(ImportError, match="OpenCV"):
        hybrid_parts(style(b), b, a, flow="dis")


def test_the_uncovered_strip_is_pasted():
    """The square's move uncovers a strip of background: the masks flag it and the composite
    pastes the current input there."""
    a, b, _, inner, _ = square(step=(4, 0))
    cur, prev = a, b  # the square: columns 24..47 in prev, 20..43 in cur
    parts = hybrid_parts(style(prev), prev, cur, flow="torch")
    strip = parts.reliable[20:44, 44:48]  # background in cur, the square in prev
    assert float(strip.float().mean()) < 0.05
    assert float(parts.reliable[inner].float().mean()) > 0.95


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: torch_flow(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 9)), "differ"),
        (lambda: torch_flow(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)), "source: shape"),
        (lambda: consistency_mask(torch.zeros(4, 4, 2), torch.zeros(4, 5, 2)), "accepted"),
        (lambda: hybrid_parts(*[torch.rand(1, 3, 8, 8)] * 3, flow="raft"), "flow: got 'raft'"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU")
def test_on_the_gpu_as_on_the_cpu():
    a, b = pan(64, (1.5, 0.5))
    flow = torch_flow(a.cuda(), b.cuda())
    assert flow.device.type == "cuda" and torch.equal(flow, torch_flow(a.cuda(), b.cuda()))
    assert (flow.cpu() - torch_flow(a, b)).abs().max() < 1e-3
