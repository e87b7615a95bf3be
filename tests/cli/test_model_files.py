"""A damaged model file stops `render` in one line naming the file, before the run folder is
created and before any model is loaded (models/integrity.py, called by the spec's `model` check)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import seqsampler.models.loader as loader
from seqsampler.cli import main
from seqsampler.models.embedded import EMBEDDED_DIR


def _render(spec: Path, out: Path, capsys, monkeypatch) -> tuple[int, str]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a damaged model must be refused before it is loaded")

    monkeypatch.setattr(loader, "load_model", refuse)
    capsys.readouterr()
    status = main(["render", str(spec), "--out", str(out)])
    return status, capsys.readouterr().err


def _spec(tmp_path: Path, model: Path) -> Path:
    spec = tmp_path / "spec.toml"
    spec.write_text(f'model = {str(model)!r}\nframe_count = 2\nprompts = "a red circle"\n')
    return spec


def _damaged_folder(tmp_path: Path) -> tuple[Path, Path]:
    folder = Path(shutil.copytree(EMBEDDED_DIR, tmp_path / "model"))
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1000])
    return folder, weights


def _header_too_large(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "sd.safetensors"
    path.write_bytes((10**12).to_bytes(8, "little") + b"{}")
    return path, path


def _not_a_checkpoint(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "sd.ckpt"
    path.write_text("<html>404 Not Found</html>")
    return path, path


@pytest.mark.parametrize("damaged", [_damaged_folder, _header_too_large, _not_a_checkpoint])
def test_render_refuses_a_damaged_model_before_writing_anything(
    damaged, tmp_path, capsys, monkeypatch
):
    model, bad_file = damaged(tmp_path)
    out = tmp_path / "runs" / "x"
    status, err = _render(_spec(tmp_path, model), out, capsys, monkeypatch)
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("seqsampler: error: model: model file "), err
    assert repr(str(bad_file)) in lines[0] and "truncated or damaged" in lines[0]
    assert not out.exists() and not (tmp_path / "runs").exists()
