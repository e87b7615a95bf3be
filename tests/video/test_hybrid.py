"""seqsampler.video.hybrid: the per-frame input of the `hybrid` and `independent` modes."""

from __future__ import annotations

import pytest
import torch

from seqsampler.video.hybrid import hybrid_input, hybrid_parts, independent_input
from seqsampler.video.source import to_tensor

from .synthetic import pan_frames, square_frames

M = 8


def style(image: torch.Tensor) -> torch.Tensor:
    """A stand-in for a sampled output: the input's colours inverted and channels rotated."""
    return 1 - image.roll(1, dims=1)


@pytest.fixture(scope="module")
def pan():
    frames = [to_tensor(f) for f in pan_frames(3, 64, (2, 1), seed=11)]
    return frames[1], frames[2]


def test_strength_1_is_the_current_input_frame(pan):
    prev_input, cur_input = pan
    prev_output = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    out = hybrid_input(prev_output, prev_input, cur_input, 1.0)
    assert out.shape == (2, 3, 64, 64) and torch.equal(out, cur_input.expand(2, -1, -1, -1))


def test_strength_0_carries_the_previous_output_along_the_motion(pan):
    """The previous output (a stylised previous input) moved by the input's motion ~= the
    same style on the current input: 10x closer than the previous output left in place."""
    prev_input, cur_input = pan
    out = hybrid_input(style(prev_input), prev_input, cur_input, 0.0)
    carried = float((out - style(cur_input))[..., M:-M, M:-M].abs().mean())
    in_place = float((style(prev_input) - style(cur_input))[..., M:-M, M:-M].abs().mean())
    assert carried < 0.1 * in_place, (carried, in_place)


def test_strength_blends_linearly(pan):
    prev_input, cur_input = pan
    prev_output = style(prev_input)
    zero = hybrid_input(prev_output, prev_input, cur_input, 0.0)
    for strength in (0.25, 0.5, 0.9):
        out = hybrid_input(prev_output, prev_input, cur_input, strength)
        assert torch.allclose(out, (1 - strength) * zero + strength * cur_input, atol=1e-6)


def test_the_input_frame_is_pasted_where_the_square_uncovers_the_background():
    frames, lefts = square_frames(5, 64, 24, 4, seed=1)
    prev_input, cur_input = to_tensor(frames[2]), to_tensor(frames[3])
    parts = hybrid_parts(style(prev_input), prev_input, cur_input)
    strip = (slice(20, 44), slice(lefts[3] - 4, lefts[3]))
    pasted = (parts.composite == cur_input).all(1)[0]
    assert float(pasted[strip].float().mean()) > 0.95
    assert torch.equal(parts.composite[0][:, parts.reliable], parts.warped[0][:, parts.reliable])
    assert float(parts.reliable.float().mean()) > 0.8  # the rest moves with the video


def test_deterministic(pan):
    prev_input, cur_input = pan
    a = hybrid_input(style(prev_input), prev_input, cur_input, 0.3)
    assert torch.equal(a, hybrid_input(style(prev_input), prev_input, cur_input, 0.3))


def test_independent_input_is_the_frame(pan):
    assert independent_input(pan[1]) is pan[1]
    with pytest.raises(ValueError, match=r"cur_input: shape \(3, 64, 64\)"):
        independent_input(pan[1][0])


@pytest.mark.parametrize("strength", [-0.1, 1.5, float("nan"), True, "0.5", None])
def test_bad_strength(pan, strength):
    with pytest.raises(ValueError, match=r"video_strength: got .*accepted: a number in \[0, 1\]"):
        hybrid_input(style(pan[0]), pan[0], pan[1], strength)


def test_sizes_must_match(pan):
    with pytest.raises(ValueError, match=r"cur_input: shape \(1, 3, 32, 32\); accepted: \[1, 3, 64, 64\]"):  # fmt: skip
        hybrid_input(style(pan[0]), pan[0], pan[1][..., :32, :32], 0.5)
    with pytest.raises(ValueError, match=r"prev_output: shape"):
        hybrid_input(pan[0][0], pan[0], pan[1], 0.5)
