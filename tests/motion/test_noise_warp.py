"""The noise warp keeps noise i.i.d. N(0, 1) over 100 frames of motion, and it transports it.

Statistics are per channel over batch x h x w = 32,768 values, so the bounds are wide in units
of their sampling error (mean: sd 0.0055; std: sd 0.0039; lag-1 correlation: sd 0.0055): the
0.02 / 0.02 / 0.05 bounds are 3.6 / 5 / 9 standard errors.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqsampler.motion.knobs import Knobs
from seqsampler.motion.noise_warp import blend_noise, warp_noise
from seqsampler.motion.transform import frame_matrix, translation_matrix
from seqsampler.motion.warp import source_coordinates


def channel_stats(n: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per channel of [B, C, h, w]: mean, std, lag-1 correlation along x and along y."""
    z = (n - n.mean((0, 2, 3), keepdim=True)) / n.std((0, 2, 3), keepdim=True)
    return {
        "mean": n.mean((0, 2, 3)),
        "std": n.std((0, 2, 3)),
        "lag1_x": (z[..., :, 1:] * z[..., :, :-1]).mean((0, 2, 3)),
        "lag1_y": (z[..., 1:, :] * z[..., :-1, :]).mean((0, 2, 3)),
    }


def assert_standard_normal(n: torch.Tensor) -> None:
    s = channel_stats(n)
    assert s["mean"].abs().max() < 0.02, s
    assert (s["std"] - 1).abs().max() < 0.02, s
    assert s["lag1_x"].abs().max() < 0.05 and s["lag1_y"].abs().max() < 0.05, s


def nearest_transport(n: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    """The ablation: each cell takes the source cell nearest m⁻¹·d (zeros out of frame)."""
    h, w = n.shape[-2:]
    uv = source_coordinates(m, h, w, n.device)
    grid = torch.stack([2 * uv[..., 0] / (w - 1) - 1, 2 * uv[..., 1] / (h - 1) - 1], -1)
    grid = grid.float()[None].expand(n.shape[0], -1, -1, -1)
    return F.grid_sample(n, grid, mode="nearest", padding_mode="zeros", align_corners=True)


def correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).mean() / (a.std() * b.std()))


@pytest.mark.parametrize(("size", "batch"), [(64, 8), (128, 2)])
def test_stays_standard_normal_over_100_frames_of_zoom_and_rotation(size, batch):
    g = torch.Generator().manual_seed(29)
    n, offset = torch.randn((batch, 4, size, size), generator=g), None
    m = frame_matrix(Knobs(zoom=1.02, angle=1.0), size, size)
    for _ in range(100):
        n, offset = warp_noise(n, m, g, offset)
    assert_standard_normal(n)


def test_the_check_fails_for_plain_nearest_transport():
    """Nearest transport without regaussianising duplicates its cells: the same check fails."""
    g = torch.Generator().manual_seed(29)
    n = torch.randn((8, 4, 64, 64), generator=g)
    m = frame_matrix(Knobs(zoom=1.02, angle=1.0), 64, 64)
    for _ in range(100):
        n = nearest_transport(n, m)
    with pytest.raises(AssertionError):
        assert_standard_normal(n)


def test_integer_translation_moves_the_noise_exactly():
    g = torch.Generator().manual_seed(1)
    n = torch.randn((2, 4, 32, 40), generator=g)
    out, offset = warp_noise(n, translation_matrix(5.0, -3.0), g)
    assert torch.equal(out[..., :-3, 5:], n[..., 3:, :-5])
    assert offset.abs().max() == 0


def test_sub_cell_motion_accumulates():
    """Ten frames of (0.3, -0.2) cells: the noise has moved by exactly (3, -2) cells."""
    g = torch.Generator().manual_seed(2)
    n0 = torch.randn((1, 4, 32, 32), generator=g)
    n, offset = n0, None
    for _ in range(10):
        n, offset = warp_noise(n, translation_matrix(0.3, -0.2), g, offset)
    # the entering edge's first row and column were regaussianised with the holes beside them
    assert torch.equal(n[..., :-3, 4:], n0[..., 2:-1, 1:-3])
    assert offset.abs().max() < 1e-6


@pytest.mark.parametrize(
    "knobs", [Knobs(zoom=1.01), Knobs(zoom=1.02, angle=1.0), Knobs(zoom=0.98), Knobs(angle=2.0)]
)
def test_small_motion_keeps_the_transported_noise(knobs):
    g = torch.Generator().manual_seed(3)
    n = torch.randn((2, 4, 128, 128), generator=g)
    m = frame_matrix(knobs, 128, 128)
    out, _ = warp_noise(n, m, g)
    inner = (..., slice(8, -8), slice(8, -8))
    assert correlation(out[inner], nearest_transport(n, m)[inner]) > 0.95


def test_cells_from_out_of_frame_are_the_generator_draw():
    g = torch.Generator().manual_seed(4)
    n = torch.randn((1, 4, 32, 32), generator=g)
    state = g.get_state()
    out, _ = warp_noise(n, translation_matrix(6.0, 0.0), g)
    fresh = torch.randn(n.shape, generator=torch.Generator().set_state(state))
    assert torch.equal(out[..., :6], fresh[..., :6])


def test_identity_is_bit_identical_and_draws_the_same():
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    n = torch.randn((1, 4, 16, 16), generator=torch.Generator().manual_seed(6))
    out, offset = warp_noise(n, torch.eye(3, dtype=torch.float64), g1)
    assert torch.equal(out, n) and offset.abs().max() == 0
    warp_noise(n, translation_matrix(1.0, 0.0), g2)
    assert torch.equal(g1.get_state(), g2.get_state())


def test_same_generator_state_same_noise_and_half_precision():
    n = torch.randn((1, 4, 24, 24), generator=torch.Generator().manual_seed(7))
    m = frame_matrix(Knobs(zoom=1.05, angle=3.0), 24, 24)
    a, _ = warp_noise(n, m, torch.Generator().manual_seed(8))
    b, _ = warp_noise(n, m, torch.Generator().manual_seed(8))
    c, _ = warp_noise(n.half(), m, torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and c.dtype == torch.float16
    assert (c.float() - a).abs().max() < 1e-2


def test_blend_noise_preserves_variance():
    g = torch.Generator().manual_seed(9)
    a, b = torch.randn((4, 64, 64), generator=g), torch.randn((4, 64, 64), generator=g)
    assert torch.equal(blend_noise(a, b, 0.0), a) and torch.equal(blend_noise(a, b, 1.0), b)
    for alpha in (0.2, 0.5, 0.9):
        mixed = blend_noise(a, b, alpha)
        assert abs(float(mixed.std()) - 1) < 0.02
    with pytest.raises(ValueError, match="alpha"):
        blend_noise(a, b, 1.5)


def test_bad_offset_shape_is_named():
    n = torch.randn((1, 4, 8, 8))
    with pytest.raises(ValueError, match="offset"):
        warp_noise(n, translation_matrix(1.0, 0.0), torch.Generator(), torch.zeros(2, 4, 4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu_with_a_cpu_generator():
    n = torch.randn((2, 4, 64, 64), generator=torch.Generator().manual_seed(10))
    m = frame_matrix(Knobs(zoom=0.97, angle=2.0, translation_x=0.6), 64, 64)
    a, offset_a = warp_noise(n, m, torch.Generator().manual_seed(11))
    b, offset_b = warp_noise(n.cuda(), m, torch.Generator().manual_seed(11))
    assert b.is_cuda and offset_b.is_cuda
    assert (b.cpu() - a).abs().max() < 1e-5
    assert (offset_b.cpu() - offset_a).abs().max() < 1e-9
