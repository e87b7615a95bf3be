"""The embedded model on its shipped weights: loading, vocabulary, prompt adherence, keyframes.

Prompt adherence is measured with image statistics and rendered templates
(`training/adherence.py`, itself checked on ground-truth scenes in test_shapes.py),
over ADHERENCE_COUNT single-shape prompts sampled in one batch at the model's default sampler,
scheduler, steps and cfg.
"""

from __future__ import annotations

import json

import adherence as adherence_check
import grain
import motion
import numpy as np
import pytest
import torch

from seqsampler.models import embedded
from seqsampler.models.loader import load_model
from seqsampler.models.vocabulary import VOCABULARY

ADHERENCE_COUNT = 64
ADHERENCE_SEED = 0
# Fractions of prompts whose measured attribute must match (the shipped weights, phase 9, measure
# 100% of every attribute on these 64 prompts, and on seed 1's).
THRESHOLDS = {"colour": 0.98, "shape": 0.98, "size": 0.95, "position": 0.95, "background": 0.98}
# Two-shape prompts, per item (position: the item's colour on its named side; the shipped weights
# measure colour 60.9%, shape 78.1%, position 60.9%, background 100%): a guard against
# regressions, far below the single-shape goals (issue 15).
PAIR_THRESHOLDS = {"colour": 0.55, "shape": 0.75, "position": 0.55, "background": 0.98}
# Background grain (high-pass rms on flat areas, 0..255) of those samples, at most: the shipped
# weights (phase 9) measure 3.86 mean, 3.52 median at the default euler_ancestral (the first
# version's 8-head weights 3.45 / 3.30; 5.09 / 4.54 with dpmpp_2m, the default before).
GRAIN_LIMIT = 4.0


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_the_shipped_folder_is_a_small_diffusers_style_fp16_model():
    folder = embedded.EMBEDDED_DIR
    index = json.loads((folder / "model_index.json").read_text())
    assert {"unet", "text_encoder", "tokenizer", "scheduler"} <= set(index)
    assert "vae" not in index
    files = [f for f in folder.rglob("*") if f.is_file()]
    assert sum(f.stat().st_size for f in files) < 10 * 2**20
    from safetensors import safe_open

    weights = [f for f in files if f.suffix == ".safetensors"]
    assert len(weights) == 2
    for path in weights:
        with safe_open(str(path), framework="pt") as f:
            assert {f.get_tensor(k).dtype for k in f.keys()} == {torch.float16}  # noqa: SIM118


def test_unet_config_has_one_level_per_channel_entry_with_attention_below_the_first():
    three, four = embedded.unet_config(), embedded.unet_config((32, 64, 64, 64))
    assert three["down_block_types"] == ("DownBlock2D",) + ("CrossAttnDownBlock2D",) * 2
    assert three["up_block_types"] == ("CrossAttnUpBlock2D",) * 2 + ("UpBlock2D",)
    assert four["block_out_channels"] == (32, 64, 64, 64)
    assert four["down_block_types"] == ("DownBlock2D",) + ("CrossAttnDownBlock2D",) * 3
    assert four["up_block_types"] == ("CrossAttnUpBlock2D",) * 3 + ("UpBlock2D",)
    with pytest.raises(ValueError, match="at least 2 levels"):
        embedded.unet_config((32,))
    assert embedded.unet_config(heads=2)["attention_head_dim"] == 2  # diffusers' name for heads
    with pytest.raises(ValueError, match=r"heads: 3; accepted: a positive divisor .* \(64, 64\)"):
        embedded.unet_config(heads=3)


def test_loads_through_the_user_model_path(model):
    assert model.prediction == "epsilon" and model.vae is None and not model.is_xl
    assert model.default_size == (32, 32) and model.latent_channels == 3 and model.downscale == 1
    assert model.latent_shape(32, 32, 4) == (4, 3, 32, 32)
    assert model.vocabulary == list(VOCABULARY)
    assert torch.allclose(model.sigma_space.sigmas, embedded_sd_sigmas())
    assert model.dtype == torch.float32


def embedded_sd_sigmas():
    from seqsampler.sampling import sd_sigma_space

    return sd_sigma_space().sigmas


def test_encode_prompt_gives_tokens_and_a_pooled_vector(model):
    cond = model.encode_prompt("a big red circle on the left, blue background")
    assert cond.tokens.shape == (1, embedded.MAX_TOKENS, embedded.TEXT_WIDTH)
    assert cond.pooled.shape == (1, embedded.TEXT_WIDTH)
    other = model.encode_prompt("a big green circle on the left, blue background")
    assert not torch.allclose(cond.pooled, other.pooled)


def test_an_unknown_word_is_refused_with_the_vocabulary(model):
    with pytest.raises(ValueError) as info:
        model.encode_prompt("a photo of a cat")
    message = str(info.value)
    assert "does not know (photo, of, cat)" in message
    assert "accepted words: a and background red" in message


def test_pixel_space_codec_is_the_identity_on_images(model):
    images = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    latent = model.encode(images)
    assert latent.min() >= -1 and latent.max() <= 1
    assert torch.allclose(model.decode(latent), images, atol=1e-6)


@pytest.fixture(scope="module")
def samples(model):
    """ADHERENCE_COUNT single-shape prompts sampled in one batch at the defaults: (scenes, images)."""
    scenes = adherence_check.prompt_scenes(ADHERENCE_SEED, ADHERENCE_COUNT)
    images = adherence_check.sample_prompts(model, adherence_check.captions(scenes), ADHERENCE_SEED)
    assert images.shape == (ADHERENCE_COUNT, 32, 32, 3)
    return scenes, images


@pytest.mark.slow
@pytest.mark.parametrize("attribute", list(THRESHOLDS))
def test_prompt_adherence_at_the_default_settings(samples, attribute):
    scores = adherence_check.score(*samples)
    assert scores[attribute] >= THRESHOLDS[attribute], scores


@pytest.mark.slow
def test_flat_backgrounds_are_clean(samples):
    scenes, images = samples
    measured = grain.background_grain(images, scenes)
    assert np.nanmedian(measured) <= GRAIN_LIMIT and np.nanmean(measured) <= GRAIN_LIMIT, measured


@pytest.mark.slow
def test_two_shape_prompts_put_each_shape_where_it_is_named(model):
    scenes = adherence_check.pair_scenes(ADHERENCE_SEED, ADHERENCE_COUNT)
    images = adherence_check.sample_prompts(model, adherence_check.captions(scenes), ADHERENCE_SEED)
    scores = adherence_check.score_pairs(scenes, images)
    assert all(scores[k] >= v for k, v in PAIR_THRESHOLDS.items()), scores


@pytest.mark.slow
@pytest.mark.parametrize("seed", [7, 10])
@pytest.mark.parametrize(("before", "old", "new", "want"), motion.CHANGES)
def test_a_position_or_size_change_shows_within_three_frames(before, old, new, want, seed):
    """At the demo's settings and denoise (0.55), the shape moves or resizes to what the new
    prompt says within 3 frames of the keyframe and stays so (phase 9's keyframe transitions:
    the shipped weights take 0 or 1 frames for all four changes on seeds 7-12)."""
    change = motion.attribute_change(before, before.replace(old, new), seed=seed)
    attribute = motion.ATTRIBUTE[want]
    settled = change.settled_after(attribute, want)
    read = [getattr(m, attribute) for m in change.measured]
    assert settled is not None and settled <= 3, (read, change.centroids)
    if (
        attribute == "position"
    ):  # the centroid moved toward the named side, not only toward the centre
        axis = 0 if want == "right" else 1
        before_c, after_c = change.centroids[motion.KEYFRAME - 1], change.centroids[-1]
        assert after_c[axis] - before_c[axis] > 8, change.centroids


@pytest.mark.slow
def test_a_keyframed_colour_change_shows_before_and_after(model):
    from seqsampler.frame_sampler import StandaloneFrameSampler
    from seqsampler.planning import SequenceConfig, plan
    from seqsampler.sequence import run_sequence

    prompts = [
        "a big red circle in the center, blue background",
        "a big yellow circle in the center, blue background",
    ]
    config = SequenceConfig(
        frame_count=12,
        cond_keyframes=[6],
        positive_count=2,
        negative_count=1,
        seed=5,
        steps=embedded.DEFAULT_STEPS,
        cfg=embedded.DEFAULT_CFG,
        sampler_name=embedded.DEFAULT_SAMPLER,
        scheduler=embedded.DEFAULT_SCHEDULER,
        **KEYFRAME_SETTINGS,
    )
    frame_plan = plan(config)
    assert [f.positive for f in frame_plan.frames] == [0] * 6 + [1] * 6
    frame_sampler = StandaloneFrameSampler(
        model.denoiser, embedded.DEFAULT_SAMPLER, embedded.DEFAULT_SCHEDULER
    )
    frames = run_sequence(
        frame_plan,
        frame_sampler,
        [model.encode_prompt(p) for p in prompts],
        [model.encode_prompt("")],
        torch.zeros(model.latent_shape(32, 32, 1)),
    )
    assert frames.shape == (12, 3, 32, 32)
    images = (model.decode(frames).permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
    colours = [adherence_check.measure(image).colour for image in images]
    assert colours[:6] == ["red"] * 6, colours
    assert colours[6:] == ["yellow"] * 6, colours


# The chain's own settings for the keyframe test: every frame img2img from the previous one.
KEYFRAME_SETTINGS = {"denoise_start": 1.0, "denoise_seq": 0.7, "denoise_sine": False}
