"""`cfg_mode` in the CLI: checked with the spec, passed to the frame sampler, and part of what a
resume compares (a run folder of one mode is not continued in the other)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from seqsampler.cli import main
from seqsampler.cli.spec.resolve import SpecError, resolve_spec

from .test_render import HAS_EMBEDDED, write_spec


def test_an_unknown_cfg_mode_names_the_choices():
    with pytest.raises(SpecError, match=r"^cfg_mode: got 'half'; accepted: full, once$"):
        resolve_spec({"prompts": "a red circle", "cfg_mode": "half"}, check_model=False)


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in the checkout")
def test_once_renders_otherwise_and_a_resume_keeps_the_mode(tmp_path, capsys):
    spec = write_spec(tmp_path / "spec.toml", "embedded", frames=2, steps=4)
    runs = {mode: tmp_path / mode for mode in ("full", "once")}
    for mode, out in runs.items():
        args = ["render", str(spec), "--out", str(out), "--cfg-mode", mode, "--quiet"]
        assert main(args) == 0
        assert json.loads((out / "spec.json").read_text())["cfg_mode"] == mode
    frames = {m: np.asarray(Image.open(o / "frames" / "00000.png"), float) for m, o in runs.items()}
    assert np.abs(frames["full"] - frames["once"]).mean() > 0.5  # a different guidance path
    capsys.readouterr()
    args = ["render", str(spec), "--out", str(runs["full"]), "--cfg-mode", "once", "--quiet"]
    assert main(args) == 2
    assert "cfg_mode" in capsys.readouterr().err
