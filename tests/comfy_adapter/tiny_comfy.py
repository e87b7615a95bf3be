"""A tiny random-weight SD1.5-architecture MODEL for tests (needs ComfyUI importable).

Shared by the in-process tests and by the test-only node pack the HTTP tests write.
"""

from __future__ import annotations

import math

import torch

CONTEXT_DIM = 64
POOLED_DIM = 64


def tiny_unet_config(channels: int = 4) -> dict:
    """A shrunken SD1.5 UNet config: 32 base channels, two levels, one block each."""
    return {
        "image_size": 32,
        "in_channels": channels,
        "out_channels": channels,
        "model_channels": 32,
        "num_res_blocks": [1, 1],
        "channel_mult": [1, 2],
        "transformer_depth": [1, 1],
        "transformer_depth_output": [1, 1, 1, 1],
        "transformer_depth_middle": 1,
        "context_dim": CONTEXT_DIM,
        "num_heads": 2,
        "num_head_channels": -1,
        "use_linear_in_transformer": False,
        "use_spatial_transformer": True,
        "legacy": False,
        "adm_in_channels": None,
        "use_temporal_attention": False,
        "use_temporal_resblock": False,
    }


def tiny_model(channels: int = 4, seed: int = 0):
    """A ModelPatcher around a tiny SD1.5-style UNet with seeded random weights (CPU)."""
    import comfy.latent_formats
    import comfy.model_patcher
    import comfy.supported_models

    class TinySD15(comfy.supported_models.SD15):
        """SD1.5 with any latent channel count (not taken for an inpainting model)."""

        latent_format = comfy.latent_formats.SD15 if channels == 4 else comfy.latent_formats.SD3

        def inpaint_model(self) -> bool:
            return False

    model_config = TinySD15(tiny_unet_config(channels))
    model_config.set_inference_dtype(torch.float32, None)
    model = model_config.get_model({}, device=torch.device("cpu"))
    gen = torch.Generator("cpu").manual_seed(seed)
    with torch.no_grad():
        for name, param in model.diffusion_model.named_parameters():
            if param.ndim >= 2:
                fan_in = math.prod(param.shape[1:])
                scale = 0.1 if name.startswith("out.") else 1.0
                param.copy_(torch.randn(param.shape, generator=gen) * scale / math.sqrt(fan_in))
            elif name.endswith("weight"):  # Norm scales.
                param.fill_(1.0)
            else:
                param.zero_()
    model.to(torch.float32)
    return comfy.model_patcher.ModelPatcher(
        model, load_device=torch.device("cpu"), offload_device=torch.device("cpu")
    )


def tiny_conditioning(seed: int, tokens: int = 77) -> list:
    """One CONDITIONING entry list: [[tokens [1, T, 64], {"pooled_output": [1, 64]}]]."""
    gen = torch.Generator("cpu").manual_seed(seed)
    cond = torch.randn(1, tokens, CONTEXT_DIM, generator=gen)
    pooled = torch.randn(1, POOLED_DIM, generator=gen)
    return [[cond, {"pooled_output": pooled}]]


def tiny_latent(seed: int = 0, channels: int = 4, size: int = 8, batch: int = 1) -> dict:
    gen = torch.Generator("cpu").manual_seed(seed)
    return {"samples": torch.randn(batch, channels, size, size, generator=gen)}
