"""`check_model_files`: a damaged model file is refused in one ValueError naming it, before
anything loads (safetensors headers, torch.save archives and pickles, diffusers folders)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from seqsampler.models.embedded import EMBEDDED_DIR
from seqsampler.models.integrity import check_model_files
from seqsampler.models.loader import load_model

UNET_WEIGHTS = Path("unet") / "diffusion_pytorch_model.safetensors"


def _safetensors(path: Path) -> Path:
    save_file({"weight": torch.arange(64, dtype=torch.float32)}, str(path))
    return path


def _refused(path: Path, named: Path, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_model_files(path)
    message = str(caught.value)
    assert repr(str(named)) in message and reason in message, message
    assert "\n" not in message


def test_a_whole_safetensors_file_passes(tmp_path):
    check_model_files(_safetensors(tmp_path / "m.safetensors"))


def test_a_truncated_safetensors_file_is_refused_naming_it(tmp_path):
    path = _safetensors(tmp_path / "m.safetensors")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10])
    _refused(path, path, "not fully covered")


def test_a_safetensors_header_too_large_or_too_small_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes((10**12).to_bytes(8, "little") + b"{}")
    _refused(path, path, "header too large")
    path.write_bytes(b"abc")
    _refused(path, path, "header too small")
    path.write_bytes((5).to_bytes(8, "little") + b'{"a":')
    _refused(path, path, "invalid JSON in header")


def test_torch_checkpoints_pass_in_both_formats(tmp_path):
    state = {"weight": torch.ones(3)}
    torch.save(state, tmp_path / "zip.ckpt")
    torch.save(state, tmp_path / "legacy.ckpt", _use_new_zipfile_serialization=False)
    check_model_files(tmp_path / "zip.ckpt")
    check_model_files(tmp_path / "legacy.ckpt")


def test_a_ckpt_that_is_neither_zip_nor_pickle_is_refused(tmp_path):
    path = tmp_path / "m.ckpt"
    path.write_text("<html>404 Not Found</html>")
    _refused(path, path, "neither a zip archive nor a pickle")
    path.write_bytes(b"")
    _refused(path, path, "neither a zip archive nor a pickle")


def test_a_truncated_torch_zip_is_refused(tmp_path):
    path = tmp_path / "m.ckpt"
    torch.save({"weight": torch.ones(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _refused(path, path, "neither a zip archive nor a pickle")


def test_a_zip_without_data_pkl_is_not_a_checkpoint(tmp_path):
    import zipfile

    path = tmp_path / "m.ckpt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    _refused(path, path, "without data.pkl")


@pytest.fixture
def folder(tmp_path) -> Path:
    """A copy of the embedded model's diffusers folder (3.5 MB)."""
    return Path(shutil.copytree(EMBEDDED_DIR, tmp_path / "model"))


def test_the_embedded_folder_passes(folder):
    check_model_files(EMBEDDED_DIR)
    check_model_files(folder)


def test_a_folder_with_a_truncated_unet_is_refused_naming_the_file(folder):
    weights = folder / UNET_WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-1000])
    _refused(folder, weights, "not fully covered")


def test_a_folder_with_a_broken_config_is_refused_naming_it(folder):
    config = folder / "text_encoder" / "config.json"
    config.write_text('{"hidden_size": 64,')
    _refused(folder, config, "not valid JSON")
    config.write_text("[1, 2]")
    _refused(folder, config, "holds a JSON list")


def test_a_folder_missing_a_component_or_its_weights_is_refused(folder):
    (folder / UNET_WEIGHTS).unlink()
    with pytest.raises(ValueError, match=r"unet/ has no weights file"):
        check_model_files(folder)
    shutil.rmtree(folder / "scheduler")
    with pytest.raises(ValueError, match=r"has no scheduler/ subfolder"):
        check_model_files(folder)
    (folder / "model_index.json").unlink()
    with pytest.raises(ValueError, match="has no model_index.json"):
        check_model_files(folder)


def test_load_model_refuses_a_damaged_file_with_a_value_error(folder, tmp_path):
    weights = folder / UNET_WEIGHTS
    weights.write_bytes(weights.read_bytes()[:-1000])
    with pytest.raises(ValueError, match="diffusion_pytorch_model.safetensors"):
        load_model(folder)
    path = tmp_path / "m.safetensors"
    path.write_bytes((10**12).to_bytes(8, "little"))
    with pytest.raises(ValueError, match="header too large"):
        load_model(path)
