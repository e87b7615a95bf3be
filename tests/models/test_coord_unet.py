"""The coordinate-channel UNet: its grid, its forward, and a save / load through the loader."""

from __future__ import annotations

import json

import pytest
import torch

from seqsampler.models import embedded
from seqsampler.models.coord_unet import CoordUNet2DConditionModel, coordinates
from seqsampler.models.loader import load_model

pytest.importorskip("diffusers")


def test_coordinates_run_from_minus_one_to_one_along_x_then_y():
    grid = coordinates(torch.zeros(2, 3, 4, 8))
    assert grid.shape == (2, 2, 4, 8)
    assert torch.equal(grid[0, 0, 0], torch.linspace(-1, 1, 8))  # x along the width
    assert torch.equal(grid[1, 1, :, 5], torch.linspace(-1, 1, 4))  # y along the height
    assert torch.equal(grid[0, 0, 3], grid[0, 0, 0]) and torch.equal(
        grid[1, 1, :, 0], grid[1, 1, :, 7]
    )


def _tiny(seed: int = 0) -> CoordUNet2DConditionModel:
    with torch.random.fork_rng(devices=[]):
        torch.random.manual_seed(seed)
        return CoordUNet2DConditionModel(
            **{**embedded.unet_config((32, 32)), "in_channels": 5}
        ).eval()


def test_forward_appends_the_grid_to_the_image():
    from diffusers import UNet2DConditionModel

    unet = _tiny()
    x, t, states = torch.randn(2, 3, 32, 32), torch.tensor([10, 900]), torch.randn(2, 24, 64)
    base = UNet2DConditionModel.forward
    with torch.no_grad():
        out = unet(x, t, encoder_hidden_states=states).sample
        by_hand = base(unet, torch.cat((x, coordinates(x)), 1), t, encoder_hidden_states=states)
        no_grid = base(
            unet, torch.cat((x, torch.zeros(2, 2, 32, 32)), 1), t, encoder_hidden_states=states
        )
    assert out.shape == (2, 3, 32, 32)
    assert torch.equal(out, by_hand.sample)
    assert not torch.allclose(out, no_grid.sample, atol=1e-4)  # the grid changes the output


def test_a_folder_with_the_coord_unet_loads_as_a_pixel_space_model(tmp_path):
    shipped = embedded.EMBEDDED_DIR
    folder = tmp_path / "model"
    folder.mkdir()
    for part in ("text_encoder", "tokenizer", "scheduler"):
        (folder / part).symlink_to(shipped / part)
    (folder / "model_index.json").write_text((shipped / "model_index.json").read_text())
    _tiny().save_pretrained(folder / "unet", safe_serialization=True)
    assert json.loads((folder / "unet" / "config.json").read_text())["_class_name"] == (
        "CoordUNet2DConditionModel"
    )
    model = load_model(folder)
    assert isinstance(model.unet, CoordUNet2DConditionModel)
    assert model.latent_channels == 3 and model.vae is None
    assert model.latent_shape(32, 32, 2) == (2, 3, 32, 32)


def test_an_unknown_unet_class_is_refused(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    for part in ("text_encoder", "tokenizer", "scheduler"):
        (folder / part).symlink_to(embedded.EMBEDDED_DIR / part)
    (folder / "model_index.json").write_text(
        (embedded.EMBEDDED_DIR / "model_index.json").read_text()
    )
    (folder / "unet").mkdir()
    config = json.loads((embedded.EMBEDDED_DIR / "unet" / "config.json").read_text())
    (folder / "unet" / "config.json").write_text(json.dumps({**config, "_class_name": "UNet3D"}))
    with pytest.raises(ValueError, match="UNet class 'UNet3D'; accepted: UNet2DConditionModel"):
        load_model(folder)
