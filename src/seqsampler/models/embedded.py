"""The embedded model's architecture: configs for its text encoder, UNet, tokenizer and schedule.

A pixel-space `UNet2DConditionModel` (3 channels, 32x32, eps-prediction) on Stable Diffusion's
discrete schedule (scaled-linear betas 0.00085..0.012, 1000 steps), conditioned through
cross-attention on a 2-layer `CLIPTextModel` of width 64 over a word-level vocabulary.
`training/train.py` builds the model from these; `loader.load_model()` reads the saved folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .tokenizer import WordTokenizer
from .vocabulary import IMAGE_SIZE, VOCABULARY

EMBEDDED_DIR = Path(__file__).resolve().parent.parent / "assets" / "embedded"
MAX_TOKENS = 24
TEXT_WIDTH = 64


def tokenizer() -> WordTokenizer:
    """The word-level tokenizer over the shapes grammar's vocabulary."""
    return WordTokenizer.from_words(VOCABULARY, MAX_TOKENS)


def text_encoder_config() -> dict[str, Any]:
    """`CLIPTextConfig` kwargs: 2 layers, width 64 (eos id 1, so pooling takes the first eos)."""
    tok = tokenizer()
    return {
        "vocab_size": len(tok.vocab),
        "hidden_size": TEXT_WIDTH,
        "intermediate_size": 4 * TEXT_WIDTH,
        "projection_dim": TEXT_WIDTH,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": MAX_TOKENS,
        "bos_token_id": tok.bos_id,
        "eos_token_id": tok.eos_id,
        "pad_token_id": tok.eos_id,
    }


def unet_config(channels: tuple[int, ...] = (32, 64, 64), heads: int = 8) -> dict[str, Any]:
    """`UNet2DConditionModel` kwargs: pixel space, one level per entry of `channels`, cross-attn dim 64.

    The first (full-resolution) level has no attention; every lower level has cross-attention
    with `heads` heads (diffusers spells the head count `attention_head_dim` for this class).
    """
    if len(channels) < 2:
        raise ValueError(f"channels: {channels!r}; give at least 2 levels, e.g. (32, 64, 64)")
    if heads < 1 or any(c % heads for c in channels[1:]):
        raise ValueError(
            f"heads: {heads!r}; accepted: a positive divisor of every attention level's width "
            f"{channels[1:]}"
        )
    attention_levels = len(channels) - 1
    return {
        "sample_size": IMAGE_SIZE,
        "in_channels": 3,
        "out_channels": 3,
        "block_out_channels": tuple(channels),
        "layers_per_block": 1,
        "down_block_types": ("DownBlock2D",) + ("CrossAttnDownBlock2D",) * attention_levels,
        "up_block_types": ("CrossAttnUpBlock2D",) * attention_levels + ("UpBlock2D",),
        "cross_attention_dim": TEXT_WIDTH,
        "attention_head_dim": heads,
        "norm_num_groups": 32,
    }


def scheduler_config() -> dict[str, Any]:
    """Stable Diffusion's discrete schedule, eps-prediction (for `scheduler/scheduler_config.json`)."""
    return {
        "_class_name": "EulerDiscreteScheduler",
        "num_train_timesteps": 1000,
        "beta_start": 0.00085,
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "prediction_type": "epsilon",
        "timestep_spacing": "leading",
        "steps_offset": 1,
    }


def model_index() -> dict[str, Any]:
    """`model_index.json` of the embedded folder (no `vae`: the model works in pixel space)."""
    return {
        "_class_name": "SeqSamplerEmbeddedPipeline",
        "_diffusers_version": "0.42.1",
        "scheduler": ["diffusers", "EulerDiscreteScheduler"],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["seqsampler", "SeqSamplerWordTokenizer"],
        "unet": ["diffusers", "UNet2DConditionModel"],
    }


# Sampling defaults for the embedded model (the tests and the adherence check use them; the demo
# spec, examples/demo.toml, sets its own steps and cfg with the same sampler).
DEFAULT_STEPS = 20
DEFAULT_CFG = 5.0
DEFAULT_SAMPLER = "euler_ancestral"
DEFAULT_SCHEDULER = "karras"
