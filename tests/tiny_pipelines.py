"""Tiny random SD-style and SDXL-style diffusers folders, for the fixtures in tests/conftest.py.

Nothing can be downloaded, so each folder holds a random `UNet2DConditionModel`, 2-layer
`CLIPTextModel`s, a `CLIPTokenizer` over a vocabulary and merges written here, a tiny
`AutoencoderKL` (2x downscale, 4 latent channels) and a scheduler config: 16x16 images.
They are loaded through the same code path as the embedded model and a user's folder.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

TOKENS = 16  # the tokenizers' model_max_length
WIDTH = 32  # each text encoder's width
LATENT = 4  # the VAE's latent channels


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


def _text_config(vocab_size: int):
    from transformers import CLIPTextConfig

    return CLIPTextConfig(
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


def save_tiny_pipeline(root: Path, *, xl: bool = False, prediction: str = "epsilon") -> Path:
    """Save a tiny random SD 1.x-style (or SDXL-style, two encoders) pipeline folder at `root`.

    Modules are initialised under a forked global RNG seeded with 0, so the folder is the same
    every time and other tests' random state is untouched.
    """
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTextModelWithProjection

    index = {
        "_class_name": "StableDiffusionXLPipeline" if xl else "StableDiffusionPipeline",
        "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"],
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
    }
    with torch.random.fork_rng(devices=[]):
        torch.random.manual_seed(0)
        vocab_size = _tokenizer(root / "tokenizer")
        CLIPTextModel(_text_config(vocab_size)).save_pretrained(root / "text_encoder")
        unet_kwargs = {}
        if xl:
            _tokenizer(root / "tokenizer_2")
            CLIPTextModelWithProjection(_text_config(vocab_size)).save_pretrained(
                root / "text_encoder_2"
            )
            index["text_encoder_2"] = ["transformers", "CLIPTextModelWithProjection"]
            index["tokenizer_2"] = ["transformers", "CLIPTokenizer"]
            unet_kwargs = {
                "addition_embed_type": "text_time",
                "addition_time_embed_dim": 8,
                "projection_class_embeddings_input_dim": WIDTH + 6 * 8,
            }
        UNet2DConditionModel(
            sample_size=8,
            in_channels=LATENT,
            out_channels=LATENT,
            block_out_channels=(32, 64),
            layers_per_block=1,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=2 * WIDTH if xl else WIDTH,
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
