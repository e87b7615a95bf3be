"""The embedded model's text encoder in plain torch: CLIP's text transformer (Radford et al.
2021; pre-norm causal self-attention, quick-GELU MLP, final LayerNorm, pooled at the first
eos token), with transformers' `CLIPTextModel` parameter names, so the shipped
`text_encoder/model.safetensors` loads as is and the outputs equal transformers'
(tests/models/test_embedded_net.py). Loading it imports torch only, not transformers.

Shapes: input_ids [B, T] -> last_hidden_state [B, T, D], pooler_output [B, D].
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SelfAttention(nn.Module):
    """Causal multi-head self-attention with biased q, k, v and output projections."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        b, t, dim = x.shape
        d = dim // self.heads
        q, k, v = (
            p(x).view(b, t, -1, d).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj)
        )
        out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.0, scale=d**-0.5, is_causal=t > 1)
        return self.out_proj(out.transpose(1, 2).contiguous().reshape(b, t, -1).contiguous())


class MLP(nn.Module):
    """fc2(quick_gelu(fc1(x))), quick_gelu(h) = h * sigmoid(1.702 h)."""

    def __init__(self, dim: int, inner: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, inner)
        self.fc2 = nn.Linear(inner, dim)

    def forward(self, x: Tensor) -> Tensor:
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))


class EncoderLayer(nn.Module):
    """x + attn(LN(x)); then x + mlp(LN(x))."""

    def __init__(self, dim: int, inner: int, heads: int, eps: float) -> None:
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(dim, eps=eps)
        self.self_attn = SelfAttention(dim, heads)
        self.layer_norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = MLP(dim, inner)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.self_attn(self.layer_norm1(x))
        return x + self.mlp(self.layer_norm2(x))


class Embeddings(nn.Module):
    """Token embedding plus learned position embedding: [B, T] -> [B, T, D]. The tables start
    empty (`_weight`: no random init, whose meta-device path imports torch._dynamo, ~3 s):
    `embedded_net` assigns the saved weights."""

    def __init__(self, vocab: int, positions: int, dim: int) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim, _weight=torch.empty(vocab, dim))
        self.position_embedding = nn.Embedding(positions, dim, _weight=torch.empty(positions, dim))

    def forward(self, input_ids: Tensor) -> Tensor:
        t, limit = input_ids.shape[-1], self.position_embedding.num_embeddings
        if t > limit:
            raise ValueError(f"input_ids: {t} tokens; accepted: at most {limit}")
        positions = torch.arange(t, device=input_ids.device)[None]
        return self.token_embedding(input_ids) + self.position_embedding(positions)


class Encoder(nn.Module):
    """The stack of encoder layers; every layer's output kept when asked."""

    def __init__(self, layers: list[EncoderLayer]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, h: Tensor) -> list[Tensor]:
        states = [h]
        for layer in self.layers:
            states.append(layer(states[-1]))
        return states


class EmbeddedTextEncoder(nn.Module):
    """`CLIPTextModel`'s forward (quick_gelu, eos id != 2: pooled at the first eos)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        if config.get("hidden_act") != "quick_gelu" or config.get("eos_token_id") == 2:
            raise ValueError(
                "text_encoder config: hidden_act must be 'quick_gelu' and eos_token_id not 2; "
                f"got {config.get('hidden_act')!r}, {config.get('eos_token_id')!r}"
            )
        self.config = SimpleNamespace(**config)
        dim, eps, heads = (
            config["hidden_size"],
            config["layer_norm_eps"],
            config["num_attention_heads"],
        )
        self.embeddings = Embeddings(config["vocab_size"], config["max_position_embeddings"], dim)
        self.encoder = Encoder(
            [
                EncoderLayer(dim, config["intermediate_size"], heads, eps)
                for _ in range(config["num_hidden_layers"])
            ]
        )
        self.final_layer_norm = nn.LayerNorm(dim, eps=eps)

    def forward(self, input_ids: Tensor, output_hidden_states: bool = False) -> Any:
        """last_hidden_state [B, T, D], pooler_output [B, D] and (asked for) hidden_states."""
        states = self.encoder(self.embeddings(input_ids))
        last = self.final_layer_norm(states[-1])
        first_eos = (input_ids.to(torch.int) == self.config.eos_token_id).int().argmax(dim=-1)
        pooled = last[torch.arange(last.shape[0], device=last.device), first_eos]
        return SimpleNamespace(
            last_hidden_state=last,
            pooler_output=pooled,
            hidden_states=tuple(states) if output_hidden_states else None,
        )
