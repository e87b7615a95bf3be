"""Unsharp mask and contrast: Deforum's formulas (OpenCV's GaussianBlur as the reference blur),
more sharpness with more amount, and bit-identical pass-through when off."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqsampler.motion.sharpen import contrast, gaussian_blur, unsharp_mask


def textured(seed: int = 0) -> torch.Tensor:
    """[1, 3, 48, 64] in [0, 1]: a blurred random texture (room to sharpen without clipping)."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand((1, 3, 12, 16), generator=g)
    return F.interpolate(coarse, size=(48, 64), mode="bilinear", align_corners=False)


def laplacian_variance(x: torch.Tensor) -> float:
    k = torch.tensor([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=x.dtype).reshape(1, 1, 3, 3)
    lap = F.conv2d(x.reshape(-1, 1, *x.shape[-2:]), k)
    return float(lap.var())


@pytest.mark.parametrize(("size", "sigma"), [(5, 1.0), (3, 0.5), (9, 1.7), (7, 2.5)])
def test_blur_matches_opencv(size, sigma):
    cv2 = pytest.importorskip("cv2")
    x = textured()
    theirs = cv2.GaussianBlur(x[0].permute(1, 2, 0).numpy(), (size, size), sigma)
    ours = gaussian_blur(x, size, sigma)[0].permute(1, 2, 0).numpy()
    assert np.abs(ours - theirs).max() < 1e-5


def test_unsharp_matches_deforum_formula():
    cv2 = pytest.importorskip("cv2")
    x = textured(1)
    img = x[0].permute(1, 2, 0).numpy().astype(np.float64)
    for amount, threshold in [(0.5, 0.0), (2.0, 0.0), (1.0, 0.02)]:
        blurred = cv2.GaussianBlur(img, (5, 5), 1.0)
        expected = np.clip((amount + 1) * img - amount * blurred, 0, 1)
        expected = np.where(np.abs(img - blurred) < threshold, img, expected)
        ours = unsharp_mask(x.double(), amount, 5, 1.0, threshold)[0].permute(1, 2, 0).numpy()
        assert np.abs(ours - expected).max() < 1e-9


def test_laplacian_variance_increases_with_amount():
    x = textured(2)
    values = [laplacian_variance(unsharp_mask(x, a, 5, 1.0)) for a in (0.0, 0.25, 0.5, 1.0, 2.0)]
    assert all(b > a * 1.05 for a, b in zip(values, values[1:], strict=False)), values


def test_off_is_bit_identical():
    x = textured(3) * 2 - 1
    for out in (unsharp_mask(x, 0.0, value_range=(-1, 1)), contrast(x, 1.0, value_range=(-1, 1))):
        assert torch.equal(out, x) and out.data_ptr() != x.data_ptr()


def test_contrast_is_deforums_on_either_range():
    """Deforum: uint8 image · contrast. On (0, 1) pixels and on the (-1, 1) latent, the same image."""
    x01 = textured(4)
    expected = (x01 * 255 * 0.9) / 255  # Deforum's before rounding to uint8
    assert torch.allclose(contrast(x01, 0.9), expected, atol=1e-6)
    latent = contrast(x01 * 2 - 1, 0.9, value_range=(-1.0, 1.0))
    assert torch.allclose((latent + 1) / 2, expected, atol=1e-6)
    assert contrast(x01, 1.5).max() <= 1.0  # clipped to the range
    assert torch.allclose(contrast(x01 - 0.5, 1.5, value_range=None), (x01 - 0.5) * 1.5)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x: unsharp_mask(x, -0.1), "amount"),
        (lambda x: unsharp_mask(x, 0.5, kernel_size=4), "kernel size"),
        (lambda x: unsharp_mask(x, 0.5, kernel_size=201), "kernel size"),
        (lambda x: unsharp_mask(x, 0.5, threshold=float("nan")), "threshold"),
        (lambda x: unsharp_mask(x, 0.5, sigma=0.0), "sigma"),
        (lambda x: contrast(x, -1.0), "contrast"),
    ],
)
def test_bad_values_are_named(call, name):
    with pytest.raises(ValueError, match=name):
        call(textured())
