"""The bilinear warp against cv2.warpPerspective (INTER_LINEAR) for each border, and its contract:
identity is bit-identical, bad borders are named, dtypes and batches, the latent-grid scaling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqsampler.motion.knobs import Knobs
from seqsampler.motion.transform import frame_matrix, scale_to_grid, translation_matrix
from seqsampler.motion.warp import warp


def opencv_tolerance(cv2) -> float:
    """OpenCV 4 rounds the source coordinate to 1/32 pixel (INTER_BITS = 5): off by at most 1/64
    pixel along each axis, so on an image whose neighbours differ by at most 1 (uniform noise in
    [0, 1]) its bilinear value is off by at most 2/64. OpenCV 5 samples float images at the exact
    coordinate (measured: 1e-5, float32 rounding)."""
    major = int(cv2.__version__.split(".")[0])
    return 1e-4 if major >= 5 else 2 / 64 + 1e-5


KNOBS = [
    Knobs(zoom=1.1, angle=12.0, translation_x=5.5, translation_y=-3.25),
    Knobs(zoom=0.8, angle=-35.0, translation_x=-20.0, transform_center_x=0.3),
    Knobs(zoom=1.02, angle=1.0),
    Knobs(
        zoom=0.9,
        angle=5.0,
        translation_x=4.0,
        perspective_flip=True,
        perspective_flip_theta=10.0,
        perspective_flip_phi=15.0,
        perspective_flip_gamma=-12.0,
    ),
]


def random_image(height: int = 61, width: int = 77, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand((1, 3, height, width), generator=g)


def opencv_warp(image: torch.Tensor, m: torch.Tensor, border: str) -> torch.Tensor:
    cv2 = pytest.importorskip("cv2")
    modes = {
        "replicate": cv2.BORDER_REPLICATE,
        "reflect": cv2.BORDER_REFLECT_101,
        "wrap": cv2.BORDER_WRAP,
        "zeros": cv2.BORDER_CONSTANT,
    }
    hwc = image[0].permute(1, 2, 0).numpy()
    out = cv2.warpPerspective(
        hwc,
        np.array(m),
        (hwc.shape[1], hwc.shape[0]),
        flags=cv2.INTER_LINEAR,
        borderMode=modes[border],
        borderValue=(0, 0, 0, 0),
    )
    return torch.from_numpy(out).permute(2, 0, 1)[None]


@pytest.mark.parametrize("border", ["replicate", "reflect", "wrap", "zeros"])
def test_matches_opencv_warp_perspective(border):
    tolerance = opencv_tolerance(pytest.importorskip("cv2"))
    image = random_image()
    for knobs in KNOBS:
        m = frame_matrix(knobs, 77, 61)
        diff = (warp(image, m, border) - opencv_warp(image, m, border)).abs()
        assert diff.max() < tolerance, (knobs, float(diff.max()))
        assert diff.mean() < tolerance / 4, (knobs, float(diff.mean()))


def test_identity_is_bit_identical_and_a_copy():
    image = random_image()
    out = warp(image, frame_matrix(Knobs(), 77, 61), "wrap")
    assert torch.equal(out, image) and out.data_ptr() != image.data_ptr()


def test_bad_border_lists_the_options():
    with pytest.raises(ValueError, match="replicate, reflect, wrap, zeros"):
        warp(random_image(), torch.eye(3, dtype=torch.float64), "mirror")


def test_integer_translation_shifts_the_image():
    image = random_image()
    out = warp(image, translation_matrix(3.0, -2.0), "zeros")
    assert torch.allclose(out[..., :-2, 3:], image[..., 2:, :-3], atol=1e-5)
    assert out[..., -2:, :].abs().max() == 0 and out[..., :, :3].abs().max() == 0


@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_other_dtypes_follow_float32(dtype):
    image = random_image()
    m = frame_matrix(KNOBS[0], 77, 61)
    out = warp(image.to(dtype), m, "reflect")
    assert out.dtype == dtype
    tolerance = {torch.float64: 2e-5, torch.float16: 2e-3, torch.bfloat16: 2e-2}[dtype]
    assert (out.float() - warp(image, m, "reflect")).abs().max() < tolerance


def test_one_matrix_per_item():
    images = torch.cat([random_image(seed=1), random_image(seed=2)])
    ms = torch.tensor([frame_matrix(KNOBS[0], 77, 61), frame_matrix(KNOBS[1], 77, 61)])
    out = warp(images, ms, "zeros")
    assert torch.equal(out[1:], warp(images[1:], ms[1], "zeros"))
    assert torch.equal(out[:1], warp(images[:1], ms[0], "zeros"))


def test_scaled_matrix_commutes_with_downsampling():
    """Warping a 2x (and 4x) area-downsampled image by scale_to_grid(M) = downsampling the
    warped image, in the interior, on a linear ramp (where bilinear sampling and area averaging
    are exact, so only the grid's geometry can differ); the naive scaling (translation divided
    by the factor, no half-pixel shift) is off by the ramp's change over a fraction of a pixel."""
    ys, xs = torch.meshgrid(torch.arange(128.0), torch.arange(192.0), indexing="ij")
    ramp = torch.stack([0.01 * xs, 0.013 * ys, 0.004 * xs - 0.006 * ys])[None]
    m = frame_matrix(Knobs(zoom=1.15, angle=8.0, translation_x=6.0, translation_y=-4.0), 192, 128)
    for factor in (2, 4):
        crop = (..., slice(16 // factor, -16 // factor), slice(16 // factor, -16 // factor))
        small = scale_to_grid(m, (192, 128), (192 // factor, 128 // factor))
        a = warp(F.avg_pool2d(ramp, factor), small, "replicate")[crop]
        b = F.avg_pool2d(warp(ramp, m, "replicate"), factor)[crop]
        assert (a - b).abs().max() < 1e-5
        naive = torch.tensor(m)
        naive[:2, 2] /= factor
        c = warp(F.avg_pool2d(ramp, factor), naive, "replicate")[crop]
        assert (c - b).abs().max() > 4e-4


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_matches_cpu():
    image = random_image()
    for border in ("replicate", "reflect", "wrap", "zeros"):
        m = frame_matrix(KNOBS[3], 77, 61)
        out = warp(image.cuda(), torch.tensor(m).cuda(), border)
        assert out.is_cuda and (out.cpu() - warp(image, m, border)).abs().max() < 1e-5
