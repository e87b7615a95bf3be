"""The embedded model's UNet in plain torch: a conditional DDPM UNet with cross-attention
(Ho et al. 2020; Rombach et al. 2022, latent diffusion), the subset of diffusers'
`UNet2DConditionModel` that `embedded.unet_config` builds, with the same parameter names, so the
shipped `unet/diffusion_pytorch_model.safetensors` loads as is and the outputs equal diffusers'
(tests/models/test_embedded_net.py). Loading it imports torch only, not diffusers (~5 s).

Shapes: sample [B, C, H, W], timestep [B] (or a scalar), encoder_hidden_states [B, T, D].
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .embedded_layers import Resample, ResnetBlock, SpatialTransformer, timestep_embedding

# The config values this module implements; any other value is refused when it is built.
REQUIRED = {
    "act_fn": "silu",
    "center_input_sample": False,
    "class_embed_type": None,
    "addition_embed_type": None,
    "encoder_hid_dim": None,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "resnet_time_scale_shift": "default",
    "time_embedding_type": "positional",
    "transformer_layers_per_block": 1,
    "use_linear_projection": False,
    "only_cross_attention": False,
    "upcast_attention": False,
    "dual_cross_attention": False,
}
DOWN_TYPES = ("DownBlock2D", "CrossAttnDownBlock2D")
UP_TYPES = ("UpBlock2D", "CrossAttnUpBlock2D")


class TimeEmbedding(nn.Module):
    """linear, SiLU, linear: the sinusoidal embedding [B, C0] -> [B, 4 C0]."""

    def __init__(self, c0: int, t_dim: int) -> None:
        super().__init__()
        self.linear_1 = nn.Linear(c0, t_dim)
        self.linear_2 = nn.Linear(t_dim, t_dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear_2(F.silu(self.linear_1(x)))


class Level(nn.Module):
    """One level of the UNet: resnets, each followed by its attention (if the level has any),
    then a down- or upsampler (if any). Empty lists hold no weights."""

    def __init__(
        self,
        resnets: list[ResnetBlock],
        attentions: list[SpatialTransformer] | None,
        resample: Resample | None,
    ) -> None:
        super().__init__()
        self.resnets = nn.ModuleList(resnets)
        self.attentions = nn.ModuleList(attentions or [])
        samplers: list[nn.Module] = [] if resample is None else [resample]
        up = resample is not None and resample.up
        self.downsamplers = nn.ModuleList([] if up else samplers)
        self.upsamplers = nn.ModuleList(samplers if up else [])

    def pairs(self) -> list[tuple[nn.Module, nn.Module | None]]:
        """(resnet, its attention or None) in order."""
        attentions: list[nn.Module | None] = list(self.attentions) or [None] * len(self.resnets)
        return list(zip(self.resnets, attentions, strict=True))

    def down(self, h: Tensor, emb: Tensor, context: Tensor, skips: list[Tensor]) -> Tensor:
        """Down path: every resnet (+ attention) output and the downsampled map go to `skips`."""
        for resnet, attention in self.pairs():
            h = resnet(h, emb)
            h = h if attention is None else attention(h, context)
            skips.append(h)
        for sampler in self.downsamplers:
            h = sampler(h)
            skips.append(h)
        return h

    def up(self, h: Tensor, emb: Tensor, context: Tensor, skips: list[Tensor], odd: bool) -> Tensor:
        """Up path: each resnet takes the last skip concatenated on channels; the upsampler
        takes the next skip's size when the input's sides are not multiples of the total factor."""
        for resnet, attention in self.pairs():
            h = resnet(torch.cat([h, skips.pop()], dim=1), emb)
            h = h if attention is None else attention(h, context)
        for sampler in self.upsamplers:
            h = sampler(h, tuple(skips[-1].shape[2:]) if odd else None)
        return h

    def middle(self, h: Tensor, emb: Tensor, context: Tensor) -> Tensor:
        """Middle: resnet, then (attention, resnet) pairs."""
        h = self.resnets[0](h, emb)
        for attention, resnet in zip(self.attentions, self.resnets[1:], strict=True):
            h = resnet(attention(h, context), emb)
        return h


class EmbeddedUNet(nn.Module):
    """`UNet2DConditionModel`'s forward for the config subset in REQUIRED, DOWN_TYPES, UP_TYPES."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        for key, value in REQUIRED.items():
            if config.get(key, value) != value:
                raise ValueError(f"unet config {key}: got {config[key]!r}; accepted: {value!r}")
        for key, kinds in (("down_block_types", DOWN_TYPES), ("up_block_types", UP_TYPES)):
            for kind in config[key]:
                if kind not in kinds:
                    raise ValueError(f"unet config {key}: got {kind!r}; accepted: {kinds}")
        self.config = SimpleNamespace(**config)
        widths = list(config["block_out_channels"])
        heads = config.get("num_attention_heads") or config["attention_head_dim"]
        heads = [heads] * len(widths) if isinstance(heads, int) else list(heads)
        n, groups, eps = config["layers_per_block"], config["norm_num_groups"], config["norm_eps"]
        ctx, t_dim = config["cross_attention_dim"], 4 * widths[0]

        def resnet(c_in: int, c_out: int) -> ResnetBlock:
            return ResnetBlock(c_in, c_out, t_dim, groups, eps)

        def attentions(c: int, h: int, kind: str, count: int) -> list[SpatialTransformer] | None:
            plain = kind in ("DownBlock2D", "UpBlock2D")
            return None if plain else [SpatialTransformer(c, ctx, h, groups) for _ in range(count)]

        self.conv_in = nn.Conv2d(config["in_channels"], widths[0], 3, padding=1)
        self.time_embedding = TimeEmbedding(widths[0], t_dim)
        self.down_blocks = nn.ModuleList()
        last = len(widths) - 1
        for i, kind in enumerate(config["down_block_types"]):
            c, c_in = widths[i], widths[max(i - 1, 0)]
            self.down_blocks.append(
                Level(
                    [resnet(c_in if j == 0 else c, c) for j in range(n)],
                    attentions(c, heads[i], kind, n),
                    None if i == last else Resample(c, up=False),
                )
            )
        self.mid_block = Level(
            [resnet(widths[-1], widths[-1]) for _ in range(2)],
            [SpatialTransformer(widths[-1], ctx, heads[-1], groups)],
            None,
        )
        self.up_blocks = nn.ModuleList()
        rev, prev = widths[::-1], widths[-1]
        for i, kind in enumerate(config["up_block_types"]):
            c, skip_last = rev[i], rev[min(i + 1, last)]
            self.up_blocks.append(
                Level(
                    [
                        resnet((prev if j == 0 else c) + (skip_last if j == n else c), c)
                        for j in range(n + 1)
                    ],
                    attentions(c, heads[::-1][i], kind, n + 1),
                    None if i == last else Resample(c, up=True),
                )
            )
            prev = c
        self.conv_norm_out = nn.GroupNorm(groups, widths[0], eps=eps)
        self.conv_out = nn.Conv2d(widths[0], config["out_channels"], 3, padding=1)

    @property
    def dtype(self) -> torch.dtype:
        return self.conv_in.weight.dtype

    @property
    def device(self) -> torch.device:
        return self.conv_in.weight.device

    def levels(self, blocks: nn.ModuleList) -> list[Level]:
        return [block for block in blocks if isinstance(block, Level)]

    def forward(self, sample: Tensor, timestep: Tensor, encoder_hidden_states: Tensor) -> Any:
        """eps [B, C, H, W] (as `.sample`) for `sample` at `timestep` under the text tokens."""
        t = torch.as_tensor(timestep, device=sample.device)
        t = (t[None] if t.ndim == 0 else t).expand(sample.shape[0])
        t_emb = timestep_embedding(t, self.conv_in.out_channels).to(sample.dtype)
        emb = self.time_embedding(t_emb)
        ups = self.levels(self.up_blocks)
        factor = 2 ** sum(len(level.upsamplers) for level in ups)
        odd = any(side % factor for side in sample.shape[-2:])
        h = self.conv_in(sample)
        skips = [h]
        for level in self.levels(self.down_blocks):
            h = level.down(h, emb, encoder_hidden_states, skips)
        h = self.mid_block.middle(h, emb, encoder_hidden_states)
        for level in ups:
            h = level.up(h, emb, encoder_hidden_states, skips, odd)
        out = self.conv_out(F.silu(self.conv_norm_out(h)))
        return SimpleNamespace(sample=out)
