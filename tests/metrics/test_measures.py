"""seqsampler.metrics.measures on synthetic sequences with known answers (docs/quality.md)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("skimage")
cv2 = pytest.importorskip("cv2")

from skimage.color import deltaE_ciede2000, rgb2lab  # noqa: E402
from skimage.metrics import structural_similarity  # noqa: E402

from seqsampler.metrics import SERIES, segment_starts_of, sequence_metrics  # noqa: E402
from seqsampler.metrics.measures import ssim  # noqa: E402


def texture(size=(96, 128), sigma=2.0, seed=0) -> np.ndarray:
    """A smooth random RGB texture (uint8), so optical flow has something to follow."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (size[0], size[1], 3), dtype=np.uint8)
    smooth = cv2.GaussianBlur(noise.astype(np.float32), (0, 0), sigma)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min()) * 255
    return smooth.round().astype(np.uint8)


def flat(rgb, size=(32, 32)) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, dtype=np.uint8), (*size, 3)).copy()


def expected_delta_e(a, b) -> float:
    """CIEDE2000 of two colours, each as one pixel."""
    lab_a = rgb2lab(np.array([[a]], dtype=np.uint8))
    lab_b = rgb2lab(np.array([[b]], dtype=np.uint8))
    return float(deltaE_ciede2000(lab_a, lab_b, channel_axis=-1)[0, 0])


def test_constant_sequence_is_perfectly_still():
    image = texture()
    m = sequence_metrics([image.copy() for _ in range(5)])
    series = m["frames"]
    for name in SERIES:
        assert len(series[name]) == 5
    assert series["flicker"][0] is None and series["ssim"][0] is None
    assert series["flicker"][1:] == [1.0] * 4
    assert series["flicker_hf"][1:] == [1.0] * 4
    assert series["change"][1:] == [0.0] * 4
    assert series["flow_residual"][1:] == [0.0] * 4
    assert series["ssim"][1:] == pytest.approx([1.0] * 4, abs=1e-12)
    assert series["delta_e_first"] == [0.0] * 5
    assert series["delta_e_segment"] == [0.0] * 5
    seam = m["summary"]["seam"]
    assert seam == {"change": 0.0, "median_change": 0.0, "ratio": 1.0}
    assert m["summary"]["flicker"] == {"mean": 1.0, "min": 1.0, "max": 1.0, "worst_frame": 1}


def test_colour_shift_gives_the_known_delta_e_and_flicker():
    red, orange, teal = (200, 40, 30), (210, 90, 30), (20, 150, 160)
    frames = [flat(red), flat(orange), flat(orange), flat(teal)]
    m = sequence_metrics(frames, segment_starts=[0, 3])
    s = m["frames"]
    red_orange, red_teal = expected_delta_e(red, orange), expected_delta_e(red, teal)
    assert red_orange > 5 and red_teal > 30  # the colours do differ
    assert s["delta_e_first"] == pytest.approx([0.0, red_orange, red_orange, red_teal], rel=1e-9)
    # frame 3 starts a segment: against its own segment start it has not drifted
    assert s["delta_e_segment"] == pytest.approx([0.0, red_orange, red_orange, 0.0], rel=1e-9)
    change = (10 + 50 + 0) / 3 / 255
    assert s["flicker"][1] == pytest.approx(1 - change, rel=1e-12)
    assert s["change"][2] == 0.0
    # a flat change has no high-frequency part
    assert s["flicker_hf"][1] == pytest.approx(1.0, abs=1e-5)


def test_segment_drift_is_measured_from_the_segment_start():
    a, b, c = (30, 60, 200), (40, 70, 190), (60, 90, 170)
    m = sequence_metrics([flat(a), flat(b), flat(c)], segment_starts=[0, 1])
    assert m["frames"]["delta_e_segment"][2] == pytest.approx(expected_delta_e(b, c), rel=1e-9)
    assert m["frames"]["delta_e_first"][2] == pytest.approx(expected_delta_e(a, c), rel=1e-9)


def test_translation_is_explained_by_the_flow():
    big = texture((140, 200), sigma=3.0, seed=1)
    frames = [np.ascontiguousarray(big[20:116, 10 + 3 * k : 138 + 3 * k]) for k in range(6)]
    m = sequence_metrics(frames)
    raw, residual = m["frames"]["change"][1:], m["frames"]["flow_residual"][1:]
    assert min(raw) > 0.01  # a shift of 3 px changes the pixels a lot
    for r, e in zip(raw, residual, strict=True):
        assert e < 0.2 * r, (r, e)


def test_high_pass_flicker_separates_grain_from_motion():
    rng = np.random.default_rng(3)
    base = texture((96, 128), sigma=6.0, seed=2)
    grain = [
        np.clip(base.astype(np.int16) + rng.integers(-12, 13, base.shape), 0, 255).astype(np.uint8)
        for _ in range(4)
    ]
    big = texture((96, 200), sigma=6.0, seed=2)
    motion = [np.ascontiguousarray(big[:, 4 * k : 128 + 4 * k]) for k in range(4)]

    def hf_share(m):
        s = m["summary"]
        return (1 - s["flicker_hf"]["mean"]) / (1 - s["flicker"]["mean"])

    assert hf_share(sequence_metrics(grain)) > 0.7
    assert hf_share(sequence_metrics(motion)) < 0.3


def test_loop_seam_ratio():
    image = texture((64, 96), sigma=6.0, seed=4)
    step, count = 2, 48  # 48 shifts of 2 px wrap the 96 px width exactly
    cyclic = [np.roll(image, step * k, axis=1) for k in range(count)]
    m = sequence_metrics(cyclic)
    assert m["summary"]["seam"]["ratio"] == pytest.approx(1.0, abs=0.05)
    broken = cyclic[:-1] + [255 - cyclic[-1]]
    # the last frame jumps in too; the median of the consecutive changes hardly moves
    ratio = sequence_metrics(broken)["summary"]["seam"]["ratio"]
    assert ratio > 5


def test_ssim_matches_scikit_image():
    rng = np.random.default_rng(5)
    for shape in ((7, 7), (40, 57), (128, 96)):
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        b = cv2.GaussianBlur(a, (0, 0), 1.5)
        expected = structural_similarity(a, b, data_range=255)
        assert expected < 0.9
        assert ssim(a, b) == pytest.approx(expected, abs=1e-9)


def test_segment_starts_of_prompt_indices():
    assert segment_starts_of([0, 0, 1, 1, 1, 0, 2]) == [0, 2, 5, 6]
    assert segment_starts_of([3]) == [0]


@pytest.mark.parametrize(
    ("frames", "starts", "message"),
    [
        ([], (0,), "frames: got 0 frame(s); accepted: at least 2 frames"),
        ([flat((1, 2, 3))], (0,), "frames: got 1 frame(s)"),
        ([flat((1, 2, 3)), flat((1, 2, 3), (32, 33))], (0,), "frames[1]: shape (32, 33, 3)"),
        ([flat((1, 2, 3)), flat((1, 2, 3)).astype(np.float32)], (0,), "frames[1]: got ndarray"),
        ([flat((1, 2, 3), (4, 4))] * 2, (0,), "frames: size 4x4 is too small"),
        ([flat((1, 2, 3))] * 2, (0, 2), "segment_starts: frame 2 is outside the 2 frames"),
    ],
)
def test_bad_input_names_the_input_value_and_accepted(frames, starts, message):
    with pytest.raises(ValueError) as info:
        sequence_metrics(frames, starts)
    assert message in str(info.value) and "accepted" in str(info.value)
