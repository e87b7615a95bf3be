"""Fixtures for the CLI tests: a tiny random SD-style diffusers folder built and saved here.

Nothing can be downloaded, so the folder holds a random `UNet2DConditionModel`, a 2-layer
`CLIPTextModel`, a `CLIPTokenizer` over a vocabulary and merges written here, a tiny
`AutoencoderKL` (2x downscale, 4 latent channels) and a scheduler config: 16x16 images.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest

TOKENS = 16
WIDTH = 32


def _tokenizer(folder: Path) -> int:
    from transformers import CLIPTokenizer

    folder.mkdir(parents=True)
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in string.ascii_lowercase + ",":
        vocab[c] = len(vocab)
        vocab[c + "</w>"] = len(vocab)
    vocab["re"] = len(vocab)
    vocab["red</w>"] = len(vocab)
    (folder / "src_vocab.json").write_text(json.dumps(vocab))
    (folder / "src_merges.txt").write_text("#version: 0.2\nr e\nre d</w>\n")
    tok = CLIPTokenizer(
        str(folder / "src_vocab.json"),
        str(folder / "src_merges.txt"),
        pad_token="<|endoftext|>",
        model_max_length=TOKENS,
    )
    tok.save_pretrained(folder)
    return len(vocab)


def save_tiny_sd(root: Path) -> Path:
    """Save a tiny random SD 1.x-style pipeline folder at `root` (module initialisation seeded
    under a forked global RNG, so other tests' random state is untouched)."""
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    with torch.random.fork_rng(devices=[]):
        torch.random.manual_seed(0)
        vocab_size = _tokenizer(root / "tokenizer")
        text_config = CLIPTextConfig(
            vocab_size=vocab_size,
            hidden_size=WIDTH,
            intermediate_size=2 * WIDTH,
            projection_dim=WIDTH,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=TOKENS,
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
        )
        CLIPTextModel(text_config).save_pretrained(root / "text_encoder")
        UNet2DConditionModel(
            sample_size=8,
            in_channels=4,
            out_channels=4,
            block_out_channels=(32, 64),
            layers_per_block=1,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=WIDTH,
            attention_head_dim=8,
        ).save_pretrained(root / "unet")
        AutoencoderKL(
            in_channels=3,
            out_channels=3,
            latent_channels=4,
            block_out_channels=(32, 32),
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
            layers_per_block=1,
            scaling_factor=0.5,
        ).save_pretrained(root / "vae")
    (root / "scheduler").mkdir()
    (root / "scheduler" / "scheduler_config.json").write_text(
        json.dumps(
            {
                "_class_name": "EulerDiscreteScheduler",
                "beta_start": 0.00085,
                "beta_end": 0.012,
                "beta_schedule": "scaled_linear",
                "num_train_timesteps": 1000,
                "prediction_type": "epsilon",
            }
        )
    )
    index = {
        "_class_name": "StableDiffusionPipeline",
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
    }
    (root / "model_index.json").write_text(json.dumps(index))
    return root


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory) -> Path:
    pytest.importorskip("diffusers")
    pytest.importorskip("transformers")
    return save_tiny_sd(tmp_path_factory.mktemp("tiny_sd"))
