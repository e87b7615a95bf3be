"""`load_model` on users' diffusers-format folders: tiny random SD-style and SDXL-style pipelines.

No weights or tokenizer files can be downloaded, so each test saves a tiny random pipeline
(UNet2DConditionModel, CLIPTextModel, a CLIPTokenizer over a vocabulary written here,
AutoencoderKL, scheduler config) and loads it through the same code path as the embedded model.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
import torch

from seqsampler.conditioning import Conditioning
from seqsampler.models.loader import load_model

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

MAX_TOKENS = 16
LATENT = 4


def _seeded(seed: int):
    """Build modules under a forked global RNG (diffusers/transformers initialise from it)."""
    fork = torch.random.fork_rng(devices=[])
    fork.__enter__()
    torch.random.manual_seed(seed)
    return fork


def _tokenizer(folder: Path):
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in string.ascii_lowercase + ",":
        vocab[c] = len(vocab)
        vocab[c + "</w>"] = len(vocab)
    vocab["re"] = len(vocab)
    (folder / "src_vocab.json").write_text(json.dumps(vocab))
    (folder / "src_merges.txt").write_text("#version: 0.2\nr e\n")
    tok = CLIPTokenizer(
        str(folder / "src_vocab.json"),
        str(folder / "src_merges.txt"),
        pad_token="<|endoftext|>",
        model_max_length=MAX_TOKENS,
    )
    tok.save_pretrained(folder)
    return len(vocab)


def _text_config(vocab_size: int, width: int):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
        vocab_size=vocab_size,
        hidden_size=width,
        intermediate_size=2 * width,
        projection_dim=width,
        num_hidden_layers=2,
        num_attention_heads=2,
        max_position_embeddings=MAX_TOKENS,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )


def _save_pipeline(root: Path, *, xl: bool, prediction: str) -> Path:
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    fork = _seeded(0)
    try:
        vocab_size = _tokenizer(root / "tokenizer")
        CLIPTextModel(_text_config(vocab_size, 32)).save_pretrained(root / "text_encoder")
        index = {
            "_class_name": "StableDiffusionXLPipeline" if xl else "StableDiffusionPipeline",
            "unet": ["diffusers", "UNet2DConditionModel"],
            "vae": ["diffusers", "AutoencoderKL"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        }
        unet_kwargs = {}
        if xl:
            _tokenizer(root / "tokenizer_2")
            CLIPTextModelWithProjection(_text_config(vocab_size, 32)).save_pretrained(
                root / "text_encoder_2"
            )
            index["text_encoder_2"] = ["transformers", "CLIPTextModelWithProjection"]
            index["tokenizer_2"] = ["transformers", "CLIPTokenizer"]
            unet_kwargs = {
                "addition_embed_type": "text_time",
                "addition_time_embed_dim": 8,
                "projection_class_embeddings_input_dim": 32 + 6 * 8,
            }
        UNet2DConditionModel(
            sample_size=8,
            in_channels=LATENT,
            out_channels=LATENT,
            block_out_channels=(32, 64),
            layers_per_block=1,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=64 if xl else 32,
            attention_head_dim=8,
            **unet_kwargs,
        ).save_pretrained(root / "unet")
        AutoencoderKL(
            in_channels=3,
            out_channels=3,
            latent_channels=LATENT,
            block_out_channels=(32, 32),
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
            layers_per_block=1,
            scaling_factor=0.5,
        ).save_pretrained(root / "vae")
    finally:
        fork.__exit__(None, None, None)
    (root / "scheduler").mkdir()
    (root / "scheduler" / "scheduler_config.json").write_text(
        json.dumps(
            {
                "_class_name": "EulerDiscreteScheduler",
                "beta_start": 0.00085,
                "beta_end": 0.012,
                "beta_schedule": "scaled_linear",
                "num_train_timesteps": 1000,
                "prediction_type": prediction,
            }
        )
    )
    (root / "model_index.json").write_text(json.dumps(index))
    return root


@pytest.fixture(scope="module")
def sd_folder(tmp_path_factory):
    return _save_pipeline(tmp_path_factory.mktemp("sd"), xl=False, prediction="v_prediction")


@pytest.fixture(scope="module")
def xl_folder(tmp_path_factory):
    return _save_pipeline(tmp_path_factory.mktemp("xl"), xl=True, prediction="epsilon")


def test_sd_folder_loads_with_its_prediction_vae_and_tokenizer(sd_folder):
    model = load_model(sd_folder)
    assert model.prediction == "v_prediction" and not model.is_xl
    assert model.latent_channels == LATENT and model.downscale == 2
    assert model.default_size == (16, 16)
    assert model.latent_shape(32, 16, 3) == (3, LATENT, 8, 16)
    assert model.vocabulary is None
    cond = model.encode_prompt("a red cat, big")
    assert isinstance(cond, Conditioning)
    assert cond.tokens.shape == (1, MAX_TOKENS, 32) and cond.pooled.shape == (1, 32)
    assert not torch.equal(cond.tokens, model.encode_prompt("a blue cat").tokens)

    x = torch.randn(2, LATENT, 8, 8, generator=torch.Generator().manual_seed(0))
    eps = model.network(x, torch.tensor([999.0, 10.0]), cond)
    assert eps.shape == x.shape and torch.isfinite(eps).all()
    denoised = model.denoiser(x, torch.tensor([3.0, 0.5]), cond)
    assert denoised.shape == x.shape

    images = model.decode(x)
    assert images.shape == (2, 3, 16, 16) and 0 <= images.min() and images.max() <= 1
    assert model.encode(images).shape == (2, LATENT, 8, 8)


def test_sd_folder_with_a_long_prompt_is_truncated_with_a_warning(sd_folder, caplog):
    model = load_model(sd_folder)
    with caplog.at_level("WARNING"):
        cond = model.encode_prompt("a red cat " * 10)
    assert cond.tokens.shape == (1, MAX_TOKENS, 32)
    assert "the encoder reads the first 16" in caplog.text


def test_xl_folder_concatenates_encoders_and_passes_pooled_and_time_ids(xl_folder):
    model = load_model(xl_folder)
    assert model.is_xl and model.prediction == "epsilon"
    cond = model.encode_prompt("a red cat")
    assert cond.tokens.shape == (1, MAX_TOKENS, 64) and cond.pooled.shape == (1, 32)
    x = torch.randn(2, LATENT, 8, 8, generator=torch.Generator().manual_seed(0))
    out = model.network(x, torch.tensor([500.0, 500.0]), cond)
    assert out.shape == x.shape and torch.isfinite(out).all()
    # The size conditioning reaches the UNet: other target sizes give another output.
    other = model.network(x, torch.tensor([500.0, 500.0]), cond.replace(width=64, height=48))
    assert not torch.allclose(out, other)
    with pytest.raises(ValueError, match="pooled_output"):
        model.network(x, torch.tensor([500.0, 500.0]), Conditioning(cond.tokens, {}))


def test_bad_sources_are_refused(tmp_path):
    with pytest.raises(ValueError, match="neither a diffusers-format folder"):
        load_model(tmp_path / "missing.bin")
    with pytest.raises(ValueError, match="no model_index.json"):
        load_model(tmp_path)
    (tmp_path / "model_index.json").write_text("{}")
    with pytest.raises(ValueError, match="no unet/ subfolder"):
        load_model(tmp_path)


def test_latent_shape_checks_its_inputs(sd_folder):
    model = load_model(sd_folder)
    with pytest.raises(ValueError, match="width must be a positive multiple of 2"):
        model.latent_shape(15, 16)
    with pytest.raises(ValueError, match="batch"):
        model.latent_shape(16, 16, 0)
