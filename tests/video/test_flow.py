"""seqsampler.video.flow: DIS flow on known motion, warping, and the consistency masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seqsampler.video import open_video
from seqsampler.video.flow import (
    MIN_SIDE,
    consistency_mask,
    flow_grid,
    optical_flow,
    photometric_mask,
    warp_by_flow,
)
from seqsampler.video.source import to_tensor

from .synthetic import cv2, pan_frames, square_frames, write_video

M = 8  # the interior: 8 px from every edge


def interior(t: torch.Tensor) -> torch.Tensor:
    return t[..., M:-M, M:-M] if t.dim() == 4 else t[M:-M, M:-M]


def subpixel_pan(count: int, size: int) -> list[np.ndarray]:
    """A pan of (1.5, 0.5) px a frame over 4-px noise: a (3, 1) px pan at twice the size,
    area-downsampled."""
    big = pan_frames(count, 2 * size, (3, 1), cell=8)
    return [cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in big]


def test_flow_convention_and_determinism():
    frames = pan_frames(2, 64, (2, 1))
    a, b = to_tensor(frames[1]), to_tensor(frames[0])  # a(x) = b(x + (2, 1))
    flow = optical_flow(a, b)
    assert flow.shape == (64, 64, 2) and flow.dtype == torch.float32
    assert torch.allclose(interior(flow).mean((0, 1)), torch.tensor([2.0, 1.0]), atol=0.1)
    assert torch.equal(flow, optical_flow(a, b))


def test_flow_on_an_h264_pan_recovers_the_shift(tmp_path):
    path = write_video(tmp_path / "pan.mp4", pan_frames(16, 64, (2, 1), seed=7))
    frames = list(open_video(path).frames(64, 64))
    errors = []
    for prev, cur in zip(frames, frames[1:], strict=False):
        back = optical_flow(cur, prev)  # cur(x) = prev(x + (2, 1))
        errors.append((interior(back) - torch.tensor([2.0, 1.0])).norm(dim=-1))
    error = torch.stack(errors)
    assert float(error.max()) < 0.5 and float(error.mean()) < 0.1, (error.mean(), error.max())


def test_flow_on_a_subpixel_pan():
    frames = [to_tensor(f) for f in subpixel_pan(4, 64)]
    for prev, cur in zip(frames, frames[1:], strict=False):
        error = (interior(optical_flow(cur, prev)) - torch.tensor([1.5, 0.5])).norm(dim=-1)
        assert float(error.max()) < 0.5 and float(error.mean()) < 0.1, (error.mean(), error.max())


def test_flow_grid():
    """Under MIN_SIDE: twice the size (at least 64 px) at finest scale 0; else a finest grid of
    at least MIN_SIDE px, never coarser than the preset's; min_side 0: the preset's grid."""
    grid = [flow_grid(s, s, 2, MIN_SIDE) for s in (16, 32, 64, 255, 256, 512, 1024, 2048)]
    assert grid == [(4, 0), (2, 0), (2, 0), (2, 0), (1, 0), (1, 1), (1, 2), (1, 2)]
    assert flow_grid(720, 1280, 2, 256) == (1, 1) and flow_grid(48, 640, 2, 256) == (2, 0)
    assert flow_grid(1024, 1024, 1, 256) == (1, 1)  # never coarser than the preset's
    assert flow_grid(32, 32, 2, 0) == (1, 2)  # 0: the preset's own grid


@pytest.mark.parametrize(("size", "own_grid"), [(32, (0.6, 0.9)), (64, (0.95, 1.05))])
def test_flow_of_a_small_square_on_a_small_frame(size, own_grid):
    """A textured square of 10/32 of the frame moving 1/32 of the frame a step: with MIN_SIDE
    its motion is recovered inside it. On the preset's own grid DIS gets ~3/4 of it at
    32x32 and all of it at 64x64 (where OpenCV picks its own scales for a frame this small)."""
    step, side = size // 32, 10 * size // 32
    frames, lefts = square_frames(6, size, side, step, seed=3)
    top = (size - side) // 2
    centre = slice(top + side // 2 - step, top + side // 2 + step + 1)

    def inside_motion(min_side: int) -> float:
        flows = []
        for t in range(1, 6):
            cur, prev = to_tensor(frames[t]), to_tensor(frames[t - 1])
            back = optical_flow(cur, prev, min_side=min_side)
            middle = lefts[t] + side // 2
            flows.append(back[centre, middle - step : middle + step + 1, 0].mean())
        return -float(torch.stack(flows).mean()) / step

    assert 0.95 < inside_motion(MIN_SIDE) < 1.05
    low, high = own_grid
    assert low < inside_motion(0) < high


def test_warp_by_the_backward_flow_carries_prev_onto_cur():
    frames = [to_tensor(f) for f in subpixel_pan(3, 64)]
    prev, cur = frames[1], frames[2]
    warped = warp_by_flow(prev, optical_flow(cur, prev))
    with_warp = float(interior(warped - cur).abs().mean())
    without = float(interior(prev - cur).abs().mean())
    assert with_warp < 0.1 * without, (with_warp, without)


def test_warp_by_an_integer_flow_is_a_shift_with_the_border_replicated():
    image = torch.rand(2, 3, 10, 12, generator=torch.Generator().manual_seed(0))
    flow = torch.zeros(10, 12, 2)
    flow[..., 0], flow[..., 1] = 3.0, -1.0  # out(x, y) = image(x + 3, y - 1)
    out = warp_by_flow(image, flow)
    assert torch.allclose(out[..., 1:, :9], image[..., :-1, 3:], atol=1e-6)
    assert torch.allclose(out[..., 0, :9], image[..., 0, 3:], atol=1e-6)  # row -1: row 0
    assert torch.allclose(out[..., 1:, 9:], image[..., :-1, 11:].expand(-1, -1, -1, 3), atol=1e-6)


def test_consistency_mask_on_given_flows():
    """Sundaram et al.'s test: opposite flows agree, a still backward flow does not."""
    flow = torch.zeros(16, 16, 2)
    flow[..., 0] = 3.0
    agree = consistency_mask(flow, -flow)
    assert agree[:, :13].all() and not agree[:, 13:].any()  # x + 3 leaves the frame at x >= 13
    assert not consistency_mask(flow, torch.zeros(16, 16, 2))[:, :13].any()  # |3|^2 > 0.09 + 0.5
    small = flow / 6  # 0.5 px: within BETA = 0.5 px^2 of a still backward flow
    assert consistency_mask(small, torch.zeros(16, 16, 2))[:, :15].all()


def test_masks_flag_what_a_moving_square_uncovers():
    """The forward-backward test alone flags most of the uncovered strip (DIS smooths the flow
    across the square's edge, so both flows can agree there); with the photometric check,
    nearly all of it. The square's inside and the far background stay reliable."""
    frames, lefts = square_frames(6, 64, 24, 4, seed=1)
    top, side, step = 20, 24, 4
    uncovered, both, inside, far = [], [], [], []
    for t in range(1, 6):
        prev, cur = to_tensor(frames[t - 1]), to_tensor(frames[t])
        back, forward = optical_flow(cur, prev), optical_flow(prev, cur)
        reliable = consistency_mask(back, forward)
        combined = reliable & photometric_mask(warp_by_flow(prev, back), cur)
        left = lefts[t]
        uncovered.append(reliable[top : top + side, left - step : left].flatten())
        both.append(combined[top : top + side, left - step : left].flatten())
        inside.append(combined[top + 4 : top + side - 4, left + 4 : left + side - 4].flatten())
        background = torch.ones(64, 64, dtype=torch.bool)
        background[top - 6 : top + side + 6, left - 12 : left + side + 6] = False
        far.append(combined[background])
    flagged = 1 - float(torch.cat(uncovered).float().mean())
    flagged_both = 1 - float(torch.cat(both).float().mean())
    assert flagged > 0.6, flagged  # measured 0.74 (0.39 to 0.89 per frame)
    assert flagged_both > 0.95, flagged_both  # measured 0.996
    assert float(torch.cat(inside).float().mean()) > 0.95
    assert float(torch.cat(far).float().mean()) > 0.9


def test_photometric_mask():
    a = torch.full((1, 3, 8, 8), 0.5)
    b = a.clone()
    b[..., 2:5, 2:5] = 0.75  # a 3x3 patch 0.25 off
    mask = photometric_mask(b, a)
    assert not mask[3, 3] and mask[0, 0] and mask[7, 7]
    assert not photometric_mask(b, a, tau=0.25)[3, 3] and photometric_mask(b, a, tau=0.26)[3, 3]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: optical_flow(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 9)), "sizes"),
        (lambda: optical_flow(torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)), "batch of 2"),
        (lambda: optical_flow(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), "slow"), "preset"),
        (
            lambda: optical_flow(torch.rand(1, 3, 8, 8), torch.rand(1, 3, 8, 8), min_side=-1),
            "min_side: got -1",
        ),
        (lambda: warp_by_flow(torch.rand(3, 8, 8), torch.zeros(8, 8, 2)), "image: shape"),
        (lambda: warp_by_flow(torch.rand(1, 3, 8, 8), torch.zeros(8, 9, 2)), "does not match"),
        (lambda: consistency_mask(torch.zeros(8, 8, 2), torch.zeros(8, 8)), "back: shape"),
    ],
)
def test_bad_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()
