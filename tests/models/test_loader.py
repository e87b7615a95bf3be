"""`load_model` on users' diffusers-format folders: the tiny random SD-style (v-prediction) and
SDXL-style pipelines that tests/tiny_pipelines.py saves, loaded through the embedded model's code path.
"""

from __future__ import annotations

import pytest
import torch
from tiny_pipelines import LATENT, TOKENS, WIDTH

from seqsampler.conditioning import Conditioning
from seqsampler.models.loader import load_model

pytest.importorskip("diffusers")
pytest.importorskip("transformers")


def test_sd_folder_loads_with_its_prediction_vae_and_tokenizer(tiny_sd_v):
    model = load_model(tiny_sd_v)
    assert model.prediction == "v_prediction" and not model.is_xl
    assert model.latent_channels == LATENT and model.downscale == 2
    assert model.default_size == (16, 16)
    assert model.latent_shape(32, 16, 3) == (3, LATENT, 8, 16)
    assert model.vocabulary is None
    cond = model.encode_prompt("a red cat, big")
    assert isinstance(cond, Conditioning)
    assert cond.tokens.shape == (1, TOKENS, WIDTH) and cond.pooled.shape == (1, WIDTH)
    assert not torch.equal(cond.tokens, model.encode_prompt("a blue cat").tokens)

    x = torch.randn(2, LATENT, 8, 8, generator=torch.Generator().manual_seed(0))
    eps = model.network(x, torch.tensor([999.0, 10.0]), cond)
    assert eps.shape == x.shape and torch.isfinite(eps).all()
    denoised = model.denoiser(x, torch.tensor([3.0, 0.5]), cond)
    assert denoised.shape == x.shape

    images = model.decode(x)
    assert images.shape == (2, 3, 16, 16) and 0 <= images.min() and images.max() <= 1
    assert model.encode(images).shape == (2, LATENT, 8, 8)


def test_sd_folder_with_a_long_prompt_is_truncated_with_a_warning(tiny_sd_v, caplog):
    model = load_model(tiny_sd_v)
    with caplog.at_level("WARNING"):
        cond = model.encode_prompt("a red cat " * 10)
    assert cond.tokens.shape == (1, TOKENS, WIDTH)
    assert "the encoder reads the first 16" in caplog.text


def test_xl_folder_concatenates_encoders_and_passes_pooled_and_time_ids(tiny_sdxl):
    model = load_model(tiny_sdxl)
    assert model.is_xl and model.prediction == "epsilon"
    cond = model.encode_prompt("a red cat")
    assert cond.tokens.shape == (1, TOKENS, 2 * WIDTH) and cond.pooled.shape == (1, WIDTH)
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


def test_latent_shape_checks_its_inputs(tiny_sd_v):
    model = load_model(tiny_sd_v)
    with pytest.raises(ValueError, match="width must be a positive multiple of 2"):
        model.latent_shape(15, 16)
    with pytest.raises(ValueError, match="batch"):
        model.latent_shape(16, 16, 0)


@pytest.mark.slow
def test_a_single_file_diffusers_cannot_build_offline_is_refused_naming_it(tmp_path):
    # A subprocess, so that HF_HUB_OFFLINE is read when huggingface_hub is first imported.
    import os
    import subprocess
    import sys

    from safetensors.torch import save_file

    path = tmp_path / "not-a-model.safetensors"
    save_file({"weight": torch.zeros(2)}, str(path))
    code = (
        "from seqsampler.models.loader import load_model\n"
        f"try:\n    load_model({str(path)!r})\n"
        "except ValueError as err:\n    print('REFUSED', err)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "REFUSED" in done.stdout and "not-a-model.safetensors" in done.stdout
    assert "pass a diffusers-format folder instead" in done.stdout
