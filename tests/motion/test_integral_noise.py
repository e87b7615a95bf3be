"""Integral noise (`motion.integral_noise`) stays i.i.d. N(0, 1) over 100 frames of motion,
transports the noise, and keeps its coarse structure over many small steps of zoom.

Statistics are per channel over batch x h x w = 32,768 values, so the bounds are wide in units
of their sampling error (mean: sd 0.0055; std: sd 0.0039; lag-1 correlation: sd 0.0055): the
0.02 / 0.02 / 0.05 bounds are 3.6 / 5 / 9 standard errors.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from seqsampler.motion.integral_noise import IntegralNoise
from seqsampler.motion.knobs import Knobs
from seqsampler.motion.transform import Matrix, compose, frame_matrix, translation_matrix
from seqsampler.motion.warp import source_coordinates, warp


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


def nearest_transport(n: torch.Tensor, m: Matrix) -> torch.Tensor:
    """The ablation: each cell takes the source cell nearest m⁻¹·d (zeros out of frame)."""
    h, w = n.shape[-2:]
    uv = source_coordinates(m, h, w, n.device)
    grid = torch.stack([2 * uv[..., 0] / (w - 1) - 1, 2 * uv[..., 1] / (h - 1) - 1], -1)
    grid = grid.float()[None].expand(n.shape[0], -1, -1, -1)
    return F.grid_sample(n, grid, mode="nearest", padding_mode="zeros", align_corners=True)


def low_pass(x: torch.Tensor, s: int = 2, edge: int = 16) -> torch.Tensor:
    """x [B, C, H, W] blurred by a Gaussian of s px (replicated border), less `edge` px a side
    (bench/noise_warp_coherence.py's measure)."""
    r = torch.arange(-3 * s, 3 * s + 1, dtype=x.dtype)
    k = torch.exp(-(r**2) / (2 * s * s))
    k, c, p = k / k.sum(), x.shape[1], 3 * s
    x = F.conv2d(F.pad(x, (p, p, 0, 0), mode="replicate"), k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)  # fmt: skip
    x = F.conv2d(F.pad(x, (0, 0, p, p), mode="replicate"), k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # fmt: skip
    return x[..., edge:-edge, edge:-edge]


def correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).mean() / (a.std() * b.std()))


def step(field: IntegralNoise, m: Matrix, g: torch.Generator) -> tuple[IntegralNoise, torch.Tensor]:
    """One frame: the particles moved by m and settled; the noise as float32 [D, h, w]."""
    field, out = field.moved(m).settle(g)
    return field, out.float()


@pytest.mark.parametrize(("size", "batch"), [(64, 8), (128, 2)])
def test_stays_standard_normal_over_100_frames_of_zoom_and_rotation(size, batch):
    g = torch.Generator().manual_seed(29)
    n = torch.randn((batch * 4, size, size), generator=g)
    field = IntegralNoise.start(n, g)
    m = frame_matrix(Knobs(zoom=1.02, angle=1.0), size, size)
    for _ in range(100):
        field, n = step(field, m, g)
    assert_standard_normal(n.reshape(batch, 4, size, size))


def test_the_check_fails_for_plain_nearest_transport():
    """Nearest transport without regaussianising duplicates its cells: the same check fails."""
    g = torch.Generator().manual_seed(29)
    n = torch.randn((8, 4, 64, 64), generator=g)
    m = frame_matrix(Knobs(zoom=1.02, angle=1.0), 64, 64)
    for _ in range(100):
        n = nearest_transport(n, m)
    with pytest.raises(AssertionError):
        assert_standard_normal(n)


def test_coherent_over_20_steps_of_slow_zoom():
    """The regression test for issue 29's zoom: the noise moved 20 times by zoom 1.02 keeps the
    coarse structure of the first noise moved once by 1.02^20 (2-px low-pass correlation over the
    frame less 16 px a side). The nearest transport with carried sub-cell offsets that this
    replaced kept 0.359 (docs/quality.md "Camera motion")."""
    g = torch.Generator().manual_seed(5)
    n0 = torch.randn((1, 3, 64, 64), generator=g)
    m = frame_matrix(Knobs(zoom=1.02), 64, 64)
    field, n = IntegralNoise.start(n0[0], g), n0[0]
    for _ in range(20):
        field, n = step(field, m, g)
    reference = low_pass(warp(n0, compose(*[m] * 20)))
    assert correlation(low_pass(n[None]), reference) > 0.9
    assert correlation(low_pass(n0), reference) < 0.5  # the noise left in place does not


def test_start_then_settle_round_trips_the_noise():
    g = torch.Generator().manual_seed(1)
    n = torch.randn((8, 32, 40), generator=g)
    field = IntegralNoise.start(n, g)
    assert field.position.shape == (16 * 32 * 40, 2) and field.value.shape == (16 * 32 * 40, 8)
    again, out = field.settle(g)
    assert torch.equal(out.float(), n)
    assert torch.equal(again.position, field.position) and torch.equal(again.value, field.value)


def test_integer_translation_moves_the_noise_exactly():
    """Each cell's 16 particles land in one cell together and sum back to its value: equal to
    float32 rounding, here bit for bit in every cell of the overlap."""
    g = torch.Generator().manual_seed(1)
    n = torch.randn((8, 32, 40), generator=g)
    _, out = step(IntegralNoise.start(n, g), translation_matrix(5.0, -3.0), g)
    assert torch.equal(out[..., :-3, 5:], n[..., 3:, :-5])


def test_sub_cell_motion_accumulates():
    """Ten frames of (0.3, -0.2) cells: the noise has moved by exactly (3, -2) cells (no cell
    of the overlap was ever re-drawn: each held 9-16 particles on the way)."""
    g = torch.Generator().manual_seed(2)
    n0 = torch.randn((4, 32, 32), generator=g)
    field, n = IntegralNoise.start(n0, g), n0
    for _ in range(10):
        field, n = step(field, translation_matrix(0.3, -0.2), g)
    assert torch.equal(n[..., :-2, 3:], n0[..., 2:, :-3])
    assert not torch.equal(n, n0)


def test_entering_cells_are_fresh_draws():
    """Cells nothing reaches take the settle's first draw, [cells entering, D] in flat cell
    order, not a copy of a neighbour."""
    g = torch.Generator().manual_seed(4)
    n = torch.randn((4, 32, 32), generator=g)
    field = IntegralNoise.start(n, g).moved(translation_matrix(6.0, 0.0))
    replay = torch.Generator().set_state(g.get_state())
    _, out = field.settle(g)
    fresh = torch.randn((32 * 6, 4), generator=replay, dtype=torch.float64)
    assert torch.equal(out[..., :6], fresh.T.reshape(4, 32, 6))
    assert torch.equal(out[..., 6:].float(), n[..., :-6])


def test_a_settle_draws_only_for_the_cells_it_renews():
    """No draw when nothing is renewed; after a 6-column pan, exactly the entering cells'
    fresh values [192, D] and their sub-cell draws z [192, k², D]."""
    n = torch.randn((4, 32, 32), generator=torch.Generator().manual_seed(6))
    field = IntegralNoise.start(n, torch.Generator().manual_seed(5))
    g = torch.Generator().manual_seed(9)
    before = g.get_state()
    still, out = field.settle(g)
    assert torch.equal(g.get_state(), before) and torch.equal(out.float(), n)
    still.moved(translation_matrix(6.0, 0.0)).settle(g)
    replay = torch.Generator().set_state(before)
    torch.randn((192, 4), generator=replay, dtype=torch.float64)
    torch.randn((192, 16, 4), generator=replay, dtype=torch.float64)
    assert torch.equal(g.get_state(), replay.get_state())


def test_carried_by_a_constant_flow_equals_moved_by_the_translation():
    g = torch.Generator().manual_seed(7)
    field = IntegralNoise.start(torch.randn((4, 24, 20), generator=g), g)
    flow = torch.stack([torch.full((24, 20), 0.3), torch.full((24, 20), -0.2)])
    carried, moved = field.carried(flow), field.moved(translation_matrix(0.3, -0.2))
    assert (carried.position - moved.position).abs().max() < 1e-6  # flow sampled in float32
    assert torch.equal(carried.value, moved.value)
    a = carried.settle(torch.Generator().manual_seed(8))[1]
    assert torch.equal(a, moved.settle(torch.Generator().manual_seed(8))[1])
    with pytest.raises(ValueError, match="flow"):
        field.carried(torch.zeros((2, 20, 24)))


def test_a_squeezing_zoom_out_keeps_the_particle_count_bounded():
    """Zoom 0.9 per frame packs 1.23x the particles into a cell each frame (3.4x16 after 6
    frames, 1,086 after 20 without the re-draw): a cell holding more than 4·k² is re-drawn to
    k², so no cell ever holds more than 64 and the noise stays standard normal."""
    g = torch.Generator().manual_seed(9)
    field = IntegralNoise.start(torch.randn((32, 32, 32), generator=g), g)
    m = frame_matrix(Knobs(zoom=0.9), 32, 32)
    for _ in range(20):
        field, n = step(field, m, g)
        cx, cy = torch.floor(field.position[:, 0] + 0.5), torch.floor(field.position[:, 1] + 0.5)
        count = torch.bincount((cy * 32 + cx).to(torch.int64), minlength=32 * 32)
        assert count.max() <= 64 and count.numel() == 32 * 32
    assert count.sum() <= 64 * 32 * 32
    assert_standard_normal(n.reshape(8, 4, 32, 32))


def test_same_generator_same_noise_and_half_precision():
    n = torch.randn((4, 24, 24), generator=torch.Generator().manual_seed(7))
    m = frame_matrix(Knobs(zoom=1.05, angle=3.0), 24, 24)
    out = []
    for x in (n, n, n.half()):
        g = torch.Generator().manual_seed(8)
        out.append(step(IntegralNoise.start(x, g), m, g)[1])
    assert torch.equal(out[0], out[1])
    assert (out[2] - out[0]).abs().max() < 1e-2
    g = torch.Generator().manual_seed(8)
    assert torch.equal(IntegralNoise.start(n.half(), g).settle(g)[1].half(), n.half())


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="noise"):
        IntegralNoise.start(torch.zeros((1, 4, 8, 8)), torch.Generator())
    with pytest.raises(ValueError, match="noise"):
        IntegralNoise.start(torch.zeros((4, 8, 8), dtype=torch.int64), torch.Generator())
    with pytest.raises(ValueError, match="sub-cells"):
        IntegralNoise.start(torch.zeros((4, 8, 8)), torch.Generator(), k=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu_with_a_cpu_generator():
    n = torch.randn((8, 64, 64), generator=torch.Generator().manual_seed(10))
    m = frame_matrix(Knobs(zoom=0.97, angle=2.0, translation_x=0.6), 64, 64)
    out = []
    for x in (n, n.cuda()):
        g = torch.Generator().manual_seed(11)
        field = IntegralNoise.start(x, g)
        for _ in range(3):
            field, y = field.moved(m).settle(g)
        out.append(y)
    assert out[1].is_cuda
    assert (out[1].cpu() - out[0]).abs().max() < 1e-9
