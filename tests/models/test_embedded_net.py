"""The embedded model's torch-only UNet and text encoder (models/embedded_unet.py,
embedded_text.py) against diffusers' `UNet2DConditionModel` and transformers' `CLIPTextModel`
on the shipped weights: the same parameters and bit-identical outputs; and loading the
embedded model imports neither library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from seqsampler.models.embedded import EMBEDDED_DIR
from seqsampler.models.embedded_unet import EmbeddedUNet
from seqsampler.models.loader import load_model


@pytest.fixture(scope="module")
def ours():
    return load_model()


@pytest.fixture(scope="module")
def reference():
    pytest.importorskip("diffusers")
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextModel

    unet = UNet2DConditionModel.from_pretrained(
        EMBEDDED_DIR / "unet", torch_dtype=torch.float32, low_cpu_mem_usage=False
    )
    text = CLIPTextModel.from_pretrained(EMBEDDED_DIR / "text_encoder", dtype=torch.float32)
    return unet.eval(), text.eval()


@pytest.mark.slow
def test_the_parameters_are_diffusers_by_name_and_value(ours, reference):
    mine, theirs = ours.unet.state_dict(), reference[0].state_dict()
    assert sorted(mine) == sorted(theirs) and len(mine) == 324
    assert all(torch.equal(mine[name], theirs[name]) for name in mine)
    mine, theirs = ours.encoders[0].model.state_dict(), reference[1].state_dict()
    assert set(mine) <= set(theirs) and len(mine) == 36
    assert all(torch.equal(mine[name], theirs[name]) for name in mine)


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(2, 3, 32, 32), (1, 3, 40, 24), (3, 3, 30, 18)])
def test_the_unet_equals_diffusers_bit_for_bit(ours, reference, shape):
    """Sizes not divisible by 4 take the explicit upsampling sizes (30x18)."""
    g = torch.Generator().manual_seed(sum(shape))
    x = torch.randn(*shape, generator=g)
    t = torch.tensor([999.0, 10.5, 3.0][: shape[0]])
    context = torch.randn(shape[0], 24, 64, generator=g)
    with torch.no_grad():
        mine = ours.unet(x, t, encoder_hidden_states=context).sample
        theirs = reference[0](x, t, encoder_hidden_states=context).sample
    assert mine.shape == shape and torch.equal(mine, theirs)


@pytest.mark.slow
def test_the_text_encoder_equals_transformers_bit_for_bit(ours, reference):
    tokenizer = ours.encoders[0].tokenizer
    ids = torch.cat([tokenizer("a big red circle in the center, blue background"), tokenizer("")])
    with torch.no_grad():
        mine, theirs = ours.encoders[0].model(ids), reference[1](ids)
    assert torch.equal(mine.last_hidden_state, theirs.last_hidden_state)
    assert torch.equal(mine.pooler_output, theirs.pooler_output)


@pytest.mark.slow
def test_loading_the_embedded_model_imports_neither_diffusers_nor_transformers():
    """Nor torch._dynamo (a random init on the meta device would import it: 3 s)."""
    code = (
        "import sys; from seqsampler.models.loader import load_model; m = load_model(); "
        "m.encode_prompt('a red circle'); "
        "print(sorted(n for n in ('diffusers', 'transformers', 'torch._dynamo') "
        "if n in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_unet_config_outside_the_subset_is_refused():
    config = json.loads((EMBEDDED_DIR / "unet" / "config.json").read_text())
    with pytest.raises(ValueError, match="use_linear_projection: got True"):
        EmbeddedUNet({**config, "use_linear_projection": True})
    with pytest.raises(ValueError, match="down_block_types: got 'AttnDownBlock2D'"):
        EmbeddedUNet({**config, "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "X"]})
