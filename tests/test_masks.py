"""masks.latent_mask: one resizer for the chain's injected noise and the samplers' masks."""

import torch
import torch.nn.functional as F

from seqsampler.masks import latent_mask


def test_shapes_follow_the_latent():
    assert latent_mask(torch.ones(64, 64), (2, 4, 8, 8)).shape == (2, 4, 8, 8)
    assert latent_mask(torch.ones(2, 64, 64), (2, 4, 8, 8)).shape == (2, 4, 8, 8)
    assert latent_mask(torch.ones(1, 1, 8, 8), (1, 16, 3, 8, 8)).shape == (1, 16, 3, 8, 8)


def test_values_are_a_bilinear_resize_repeated_over_channels_and_batch():
    mask = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    out = latent_mask(mask, (3, 4, 8, 8))
    expected = F.interpolate(mask, size=(8, 8), mode="bilinear")
    for b in range(3):
        for c in range(4):
            assert torch.equal(out[b, c], expected[0, 0])


def test_same_size_mask_is_kept_exactly():
    mask = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    assert torch.equal(latent_mask(mask, (2, 4, 8, 8))[:, :1], mask)
