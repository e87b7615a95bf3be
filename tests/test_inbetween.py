"""inbetween: cross-fade, camera-moved cross-fade, flow-refined, on known motion."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from bench_modules import load_bench

from seqsampler.inbetween import check_mode, inbetween, split_motion
from seqsampler.motion.knobs import Knobs
from seqsampler.motion.power import matrix_power
from seqsampler.motion.transform import frame_matrix, translation_matrix
from seqsampler.motion.warp import warp

SIZE = 48


def texture(seed: int = 0, size: int = SIZE) -> torch.Tensor:
    """A smooth random RGB texture [1, 3, size, size] in [0, 1] (blobs of about 6 px)."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, size // 6, size // 6, generator=g)
    return F.interpolate(coarse, size=(size, size), mode="bicubic", align_corners=False).clamp(0, 1)


def psnr(x: torch.Tensor, y: torch.Tensor, margin: int = 4) -> float:
    """PSNR (dB) over the frame less `margin` pixels a side (the border's source is unknown)."""
    inner = (slice(None), slice(None), slice(margin, -margin), slice(margin, -margin))
    mse = (x[inner] - y[inner]).pow(2).mean().item()
    return 10 * torch.log10(torch.tensor(1.0 / mse)).item()


MOVE = frame_matrix(Knobs(zoom=1.04, angle=2.0, translation_x=1.5), SIZE, SIZE)


def test_crossfade_is_the_weighted_sum():
    a, b = texture(0), texture(1)
    out = inbetween(a, b, 0.25)
    assert torch.equal(out, 0.75 * a + 0.25 * b)
    assert out.shape == a.shape and out.dtype == a.dtype


def test_the_camera_makes_the_frame_between():
    a = texture(2)
    b = warp(a, MOVE)
    truth = warp(a, matrix_power(MOVE, 0.5, (SIZE, SIZE)))
    plain = psnr(inbetween(a, b, 0.5), truth)
    moved = psnr(inbetween(a, b, 0.5, m_ab=MOVE), truth)
    assert moved > plain + 6, (moved, plain)
    assert moved > 38


def test_moves_from_whole_frames_equal_the_split_matrix():
    a, b = texture(3), texture(4)
    moves = split_motion(MOVE, 0.3, (SIZE, SIZE))
    assert torch.allclose(
        inbetween(a, b, 0.3, m_ab=MOVE), inbetween(a, b, 0.3, moves=moves), atol=1e-6
    )


def test_a_source_outside_its_frame_is_left_out():
    """A pan of 6 px over a wider scene (each frame a crop of it): at t = 1/2 the 3 columns at
    the left edge have no source in a (it moved out), those at the right none in b; there the
    in-between is the other frame alone, exactly the scene, not a blend with a replicated
    edge (the plain cross-fade's error there is checked to be large)."""
    scene = texture(5, SIZE + 6)[:, :, :SIZE]
    a, b, truth = scene[..., 6 : 6 + SIZE], scene[..., :SIZE], scene[..., 3 : 3 + SIZE]
    out = inbetween(a, b, 0.5, m_ab=translation_matrix(6.0, 0.0))
    plain = inbetween(a, b, 0.5)
    for edge in (slice(0, 3), slice(SIZE - 3, SIZE)):
        assert (out[..., edge] - truth[..., edge]).abs().max() < 1e-5
        assert (plain[..., edge] - truth[..., edge]).abs().max() > 0.05
    assert (out - truth).abs().max() < 1e-5


@pytest.mark.parametrize("border", ["replicate", "reflect", "zeros", "wrap"])
def test_every_border_keeps_shape_and_range(border):
    a, b = texture(6), texture(7)
    out = inbetween(a, b, 0.5, m_ab=MOVE, border=border)
    assert out.shape == a.shape and 0 <= out.min() and out.max() <= 1


def test_flow_finds_the_motion_without_the_camera():
    pytest.importorskip("cv2")
    a = texture(8)
    b = warp(a, MOVE)
    truth = warp(a, matrix_power(MOVE, 0.5, (SIZE, SIZE)))
    plain = psnr(inbetween(a, b, 0.5), truth)
    flowed = psnr(inbetween(a, b, 0.5, flow=True), truth)
    assert flowed > plain + 6, (flowed, plain)


def test_flow_undoes_a_wrong_camera():
    """The camera record says the frame moved, the content stood still (what the embedded
    model's chain does): the flow between the two moved frames carries them back."""
    pytest.importorskip("cv2")
    a = texture(9)
    b = a.clone()
    wrong = psnr(inbetween(a, b, 0.5, m_ab=MOVE), a)
    refined = psnr(inbetween(a, b, 0.5, m_ab=MOVE, flow=True), a)
    assert refined > wrong + 6, (refined, wrong)


def test_flow_works_item_by_item():
    pytest.importorskip("cv2")
    a = torch.cat([texture(10), texture(11)])
    b = warp(a, MOVE)
    both = inbetween(a, b, 0.4, m_ab=MOVE, flow=True)
    one = inbetween(a[1:], b[1:], 0.4, m_ab=MOVE, flow=True)
    assert torch.allclose(both[1:], one, atol=1e-6)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((texture(0), texture(1)[:, :, :8], 0.5), {}, "one shape"),
        ((texture(0), texture(1), 0.0), {}, r"t = 0.0; accepted: a number in \(0, 1\)"),
        ((texture(0), texture(1), 1.5), {}, "t = 1.5"),
        ((texture(0), texture(1), float("nan")), {}, "t = nan"),
        ((texture(0), texture(1), 0.5), {"border": "mirror"}, "motion_border = 'mirror'"),
        (
            (texture(0), texture(1), 0.5),
            {"m_ab": MOVE, "moves": (MOVE, MOVE)},
            "not both",
        ),
    ],
)
def test_bad_input_is_a_value_error(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        inbetween(*args, **kwargs)


def test_check_mode():
    assert check_mode("flow") == "flow"
    with pytest.raises(
        ValueError, match="interpolate_mode: got 'rife'; accepted: crossfade, motion, flow"
    ):
        check_mode("rife")


@pytest.mark.slow
def test_motion_and_flow_beat_crossfade_on_a_moving_render():
    """bench/interpolation_quality.py's `moved` sequence (the embedded model's render, moved by
    the camera): every other frame dropped and remade; the camera and the flow beat the plain
    cross-fade in mean PSNR and SSIM against the dropped frames (docs/quality.md)."""
    pytest.importorskip("cv2")
    pytest.importorskip("skimage")
    table = load_bench("interpolation_quality").measure("moved", 24)
    cross = table["crossfade"]
    assert table["repeat"]["psnr"] < cross["psnr"]
    for way in ("motion", "flow"):
        assert table[way]["psnr"] > cross["psnr"] + 0.5, (way, table)
        assert table[way]["ssim"] > cross["ssim"] + 0.003, (way, table)
