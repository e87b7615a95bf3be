"""`seqsampler render` end to end: a user's diffusers folder, the embedded model, outputs,
metadata, videos, and the run-folder checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqsampler.cli import main
from seqsampler.cli.run.videos import count_video_frames
from seqsampler.cli.run.writers import load_latent, read_png_metadata
from seqsampler.models.embedded import EMBEDDED_DIR

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()


def write_spec(path: Path, model: str, frames: int = 2, steps: int = 2, **extra: object) -> Path:
    lines = [
        f'model = "{model}"',
        f"frame_count = {frames}",
        f"steps = {steps}",
        "cfg = 3.0",
        "seed = 11",
        'formats = ["mp4", "gif", "webp"]',
        "fps = 4",
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    lines += ["[prompts]", '"0" = "a red circle"', f'"{max(1, frames // 2)}" = "a blue square"']
    path.write_text("\n".join(lines) + "\n")
    return path


def check_run(out: Path, frames: int, size: tuple[int, int]) -> None:
    plan = json.loads((out / "plan.json").read_text())
    spec = json.loads((out / "spec.json").read_text())
    assert plan["frame_count"] == frames and len(plan["frames"]) == frames
    pngs = sorted((out / "frames").glob("*.png"))
    assert [p.name for p in pngs] == [f"{i:05d}.png" for i in range(frames)]
    assert len(list((out / "latents").glob("*.safetensors"))) == frames
    for i, png in enumerate(pngs):
        with Image.open(png) as image:
            assert image.size == size and image.mode == "RGB"
        meta = read_png_metadata(png)
        assert meta["seqsampler.plan"] == plan["frames"][i]
        assert meta["seqsampler.spec"] == spec
    for fmt in ("mp4", "gif", "webp"):
        assert count_video_frames(out / f"video.{fmt}") == frames
    assert (out / "contact_sheet.png").is_file()
    assert not list(out.rglob(".*.tmp*"))  # no temporary files left behind


def test_render_a_users_diffusers_folder(tiny_sd, tmp_path, capsys):
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd))
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "--quiet"]) == 0
    check_run(out, 2, (16, 16))
    assert str(out) in capsys.readouterr().out
    latent = load_latent(out / "latents" / "00001.safetensors")
    assert latent.shape == (1, 4, 8, 8)
    saved = json.loads((out / "spec.json").read_text())
    assert saved["model"] == str(tiny_sd.resolve()) and saved["steps"] == 2


def test_flags_override_spec_fields(tiny_sd, tmp_path):
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd))
    out = tmp_path / "run"
    args = [
        "render",
        str(spec),
        "--out",
        str(out),
        "-q",
        "--frame-count",
        "3",
        "--cfg",
        "0:(1), 2:(2)",
    ]
    args += ["--formats", '["gif"]', "--width", "24", "--height", "16"]
    assert main(args) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert [f["cfg"] for f in plan["frames"]] == [1.0, 1.5, 2.0]
    assert count_video_frames(out / "video.gif") == 3 and not (out / "video.mp4").exists()
    with Image.open(out / "frames" / "00000.png") as image:
        assert image.size == (24, 16)


def test_changed_spec_is_refused_naming_fields_and_overwrite_restarts(tiny_sd, tmp_path, capsys):
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd))
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    before = (out / "frames" / "00001.png").read_bytes()
    capsys.readouterr()
    assert main(["render", str(spec), "--out", str(out), "-q", "--cfg", "5", "--seed", "3"]) == 2
    err = capsys.readouterr().err
    assert "holds a different spec (seed: saved 11, now 3; cfg: saved 3.0, now 5.0)" in err
    assert "--overwrite" in err and "--out" in err
    # Output-only fields may change: the frames are kept, the videos re-encoded.
    assert main(["render", str(spec), "--out", str(out), "-q", "--fps", "12"]) == 0
    assert (out / "frames" / "00001.png").read_bytes() == before
    assert main(["render", str(spec), "--out", str(out), "-q", "--cfg", "5", "--overwrite"]) == 0
    assert json.loads((out / "spec.json").read_text())["cfg"] == 5.0


def test_a_folder_that_is_not_a_run_is_refused(tiny_sd, tmp_path, capsys):
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd))
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    assert "is not empty and holds no spec.json" in capsys.readouterr().err


def test_resume_after_lost_frames_equals_the_uninterrupted_run(tiny_sd, tmp_path):
    extra = {
        "use_conditioning_slerp": True,
        "cond_slerp_strength": 0.4,
        "use_latent_interpolation": True,
        "latent_interpolation_mode": "Slerp",
        "unsample_latents": True,
    }
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd), frames=5, **extra)
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    frames = [(out / "frames" / f"{i:05d}.png").read_bytes() for i in range(5)]
    latents = [load_latent(out / "latents" / f"{i:05d}.safetensors") for i in range(5)]
    # Lose frames 3 and 4 (and frame 2's PNG: its latent alone does not make it complete).
    for i in (3, 4):
        (out / "latents" / f"{i:05d}.safetensors").unlink()
        (out / "frames" / f"{i:05d}.png").unlink()
    (out / "frames" / "00002.png").unlink()
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    for i in range(5):
        assert (out / "frames" / f"{i:05d}.png").read_bytes() == frames[i]
        assert load_latent(out / "latents" / f"{i:05d}.safetensors").equal(latents[i])


def test_size_must_fit_the_models_latent_before_loading(tiny_sd, tmp_path, capsys):
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd))
    assert main(["render", str(spec), "--out", str(tmp_path / "r"), "-q", "--width", "17"]) == 2
    err = capsys.readouterr().err
    assert "width: got 17; accepted: a multiple of 2 for this model (e.g. 16)" in err
    assert not (tmp_path / "r" / "frames").exists()


def test_bad_input_fails_before_loading_the_model(tmp_path, monkeypatch, capsys):
    import seqsampler.models.loader as loader

    def refuse(*args, **kwargs):
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr(loader, "load_model", refuse)
    spec = write_spec(tmp_path / "spec.toml", "embedded")
    for flags, message in (
        (
            ["--prompts", "a red dragon"],
            "prompts: 'a red dragon' has words the embedded model does not know (dragon)",
        ),
        (["--sampler-name", "eulr"], "sampler_name: 'eulr' is not implemented by the standalone"),
        (["--denoise-seq", "0:(0.5), 4:(sin(t)"], "denoise_seq: unclosed '(' at position 12"),
        (["--frame-count", "-1"], "frame_count must be an int in [0, 1024]; got -1"),
        (["--model", str(tmp_path / "nothing")], "model: nothing at"),
    ):
        assert main(["render", str(spec), "--out", str(tmp_path / "r"), "-q", *flags]) == 2
        err = capsys.readouterr().err
        assert message in err, err


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_render_on_the_embedded_model(tmp_path):
    spec = write_spec(tmp_path / "spec.toml", "embedded", frames=3, steps=2)
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q", "--upscale", "2"]) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert len(plan["frames"]) == 3
    for i in range(3):
        with Image.open(out / "frames" / f"{i:05d}.png") as image:
            assert image.size == (32, 32)
    for fmt in ("mp4", "gif", "webp"):
        assert count_video_frames(out / f"video.{fmt}") == 3
    with Image.open(out / "contact_sheet.png") as sheet:
        assert np.asarray(sheet).shape[0] > 64


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_demo_command_renders_the_packaged_spec(tmp_path, capsys):
    out = tmp_path / "demo"
    args = ["demo", "--out", str(out), "-q", "--frame-count", "3", "--steps", "2"]
    assert main([*args, "--formats", '["gif"]']) == 0
    spec = json.loads((out / "spec.json").read_text())
    assert spec["model"] == "embedded" and spec["frame_count"] == 3
    assert spec["prompts"]["0"].startswith("a big red circle")
    assert count_video_frames(out / "video.gif") == 3
    # Other embedded weights (a newer seqsampler) do not resume the old frames.
    model = json.loads((out / "model.json").read_text())
    (out / "model.json").write_text(json.dumps({**model, "sha256": "0" * 64}))
    capsys.readouterr()
    assert main([*args, "--formats", '["gif"]']) == 2
    assert "was rendered with other weights of the embedded model" in capsys.readouterr().err


def test_a_run_planned_by_another_version_is_refused(tiny_sd, tmp_path, capsys):
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd))
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    saved = json.loads((out / "plan.json").read_text())
    saved["frames"][1]["seed"] += 1  # as if an older planner had derived other seeds
    (out / "plan.json").write_text(json.dumps(saved))
    capsys.readouterr()
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "planned differently by another version of seqsampler (frame 1 differs in seed)" in err
