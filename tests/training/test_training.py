"""The training scripts end to end on a tiny budget: train a few steps, export, load, sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import adherence
import pytest
import torch

from seqsampler.models.loader import load_model

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "training" / name), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_train_stop_at_export_and_load(tmp_path):
    run = tmp_path / "run"
    out = _script(
        "train.py", "--steps", "6", "--stop-at", "3", "--batch", "2", "--save-every", "2", "--threads", "1",
        "--offset-noise", "0.15", "--truncated-snr", "--min-snr", "0", "--heads", "2",
        "--channels-last", "--out", str(run),
    )  # fmt: skip
    assert "done: 3 steps" in out
    assert sorted(p.name for p in run.iterdir()) == [
        "args.json", "checkpoint-00002", "final", "loss.csv",
    ]  # fmt: skip
    losses = (run / "loss.csv").read_text().splitlines()
    assert losses[0] == "step,loss,lr,seconds" and len(losses) == 4
    assert all(float(line.split(",")[1]) > 0 for line in losses[1:])

    shipped = tmp_path / "shipped"
    _script("export.py", str(run / "final"), "--out", str(shipped), "--note", "test")
    assert json.loads((shipped / "provenance.json").read_text())["note"] == "test"
    model = load_model(shipped)
    assert model.unet.dtype == torch.float32  # loaded at the default dtype from fp16 files
    assert model.unet.config.attention_head_dim == 2  # saved from channels-last weights
    images = adherence.sample_prompts(model, ["a big red circle, blue background"], 0, steps=2)
    assert images.shape == (1, 32, 32, 3)


@pytest.mark.slow
def test_train_is_deterministic_from_its_seed(tmp_path):
    args = ["--steps", "2", "--batch", "2", "--save-every", "100", "--threads", "1"]
    for run in "ab":
        out = _script("train.py", *args, "--out", str(tmp_path / run))
        assert out.splitlines()[-1].startswith("done: 2 steps")
    loss = [
        [line.split(",")[1] for line in (tmp_path / d / "loss.csv").read_text().splitlines()[1:]]
        for d in "ab"
    ]
    assert loss[0] == loss[1] and len(loss[0]) == 2
    weights = "final/unet/diffusion_pytorch_model.safetensors"
    assert (tmp_path / "a" / weights).read_bytes() == (tmp_path / "b" / weights).read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize(
    "switch",
    [
        ["--x0-weights-from", "2"],
        ["--truncated-snr-from", "2"],
        ["--offset-noise", "0.15", "--offset-noise-from", "2"],
    ],
    ids=["x0-weights", "truncated-snr", "offset-noise"],
)
def test_loss_weights_switch_at_the_given_step(tmp_path, plain_losses, switch):
    """Same seed and data: the logged loss is the same up to the switch step, weighted
    differently after it (x0 weights: Min-SNR off and truncated SNR on; truncated SNR on; offset
    noise on)."""
    _script("train.py", *SWITCH_ARGS, *switch, "--out", str(tmp_path / "switch"))
    switched = _losses(tmp_path / "switch")
    assert plain_losses[:2] == switched[:2]
    assert plain_losses[2] != switched[2]


SWITCH_ARGS = ("--steps", "3", "--batch", "2", "--save-every", "100", "--threads", "1")


def _losses(run: Path) -> list[float]:
    return [float(line.split(",")[1]) for line in (run / "loss.csv").read_text().splitlines()[1:]]


@pytest.fixture(scope="module")
def plain_losses(tmp_path_factory) -> list[float]:
    """The losses of the run without a switch, trained once for the three switches."""
    run = tmp_path_factory.mktemp("plain")
    _script("train.py", *SWITCH_ARGS, "--out", str(run))
    return _losses(run)


def test_pyramid_noise_is_seeded_unit_scale_and_mostly_low_frequency():
    from train import pyramid_noise

    def draw(seed: int) -> torch.Tensor:
        gen = torch.Generator().manual_seed(seed)
        return pyramid_noise(torch.randn(64, 3, 32, 32, generator=gen), 0.8, gen)

    noise = draw(0)
    assert noise.shape == (64, 3, 32, 32)
    assert torch.equal(noise, draw(0)) and not torch.equal(noise, draw(1))
    assert 0.8 < noise.std().item() <= 1.0  # rescaled; bilinear upsampling loses a little
    # The mean over 8x8 blocks: white noise's has std 1/8; the pyramid's is dominated by its
    # coarse levels (weights 0.8^2..0.8^4 before the rescale).
    blocks = torch.nn.functional.avg_pool2d(noise, 8)
    white = torch.nn.functional.avg_pool2d(
        torch.randn(64, 3, 32, 32, generator=torch.Generator().manual_seed(2)), 8
    )
    assert blocks.std().item() > 3 * white.std().item()


def test_architecture_comes_from_the_init_folder_and_refuses_a_different_one(tmp_path):
    from train import architecture

    assert architecture(None, None, None) == ((32, 64, 64), 8)
    assert architecture(None, "32,64", 2) == ((32, 64), 2)
    (tmp_path / "unet").mkdir()
    config = {"block_out_channels": [32, 64, 64], "attention_head_dim": 2}
    (tmp_path / "unet" / "config.json").write_text(json.dumps(config))
    assert architecture(tmp_path, None, None) == ((32, 64, 64), 2)
    assert architecture(tmp_path, "32,64,64", 2) == ((32, 64, 64), 2)
    with pytest.raises(ValueError, match=r"--heads: \(\(32, 64, 64\), 8\); accepted with --init"):
        architecture(tmp_path, None, 8)


def test_a_transition_target_is_the_denoised_estimate_of_the_noised_source():
    from train import transition

    gen = torch.Generator().manual_seed(0)
    source, x0, eps = (torch.randn(3, 3, 8, 8, generator=gen) for _ in range(3))
    alpha_bar = torch.tensor([0.9, 0.3, 0.01]).view(-1, 1, 1, 1)
    x_t, target = transition(source, x0, eps, alpha_bar)
    assert torch.allclose(x_t, alpha_bar.sqrt() * source + (1 - alpha_bar).sqrt() * eps)
    denoised = (x_t - (1 - alpha_bar).sqrt() * target) / alpha_bar.sqrt()
    assert torch.allclose(denoised, x0, atol=1e-4)
    _, same = transition(x0, x0, eps, alpha_bar)
    assert torch.allclose(same, eps, atol=1e-5)


@pytest.mark.slow
def test_transitions_change_the_loss_from_the_first_step(tmp_path):
    args = ["--steps", "1", "--batch", "4", "--save-every", "100", "--threads", "1"]
    _script("train.py", *args, "--out", str(tmp_path / "plain"))
    _script("train.py", *args, "--transition-rate", "1", "--out", str(tmp_path / "moved"))
    loss = [
        float((tmp_path / run / "loss.csv").read_text().splitlines()[1].split(",")[1])
        for run in ("plain", "moved")
    ]
    assert loss[0] != loss[1] and all(v > 0 for v in loss)


@pytest.mark.slow
def test_free_layout_and_camera_pairs_change_the_loss_and_stay_seeded(tmp_path):
    args = ["--steps", "1", "--batch", "8", "--save-every", "100", "--threads", "1"]
    free = ["--free-layout-rate", "1"]
    camera = [*free, "--camera-rate", "1"]
    runs = {"plain": [], "free": free, "camera": camera, "camera-again": camera}
    for name, extra in runs.items():
        _script("train.py", *args, *extra, "--out", str(tmp_path / name))
    loss = {name: _losses(tmp_path / name)[0] for name in runs}
    assert len({loss["plain"], loss["free"], loss["camera"]}) == 3
    assert loss["camera"] == loss["camera-again"] and all(v > 0 for v in loss.values())
