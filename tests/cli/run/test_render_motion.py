"""`seqsampler render` with camera motion: identity motion fields give the frames of a spec
without them, bit for bit; a moving run's plan, metrics and flags; a killed run with motion and
noise_warp resumes to the uninterrupted run's frames, bit for bit; the translation limit at the
render size is a one-line error before any model is loaded; frames made by the chain's warp
alone measure no motion-compensated change; the noise the embedded model's
sampler starts from moves with a pan under noise_warp and stays on screen with a fixed seed."""

from __future__ import annotations

import json

import pytest
import torch

from seqsampler.cli import main
from seqsampler.cli.run.writers import load_latent

from .test_render import HAS_EMBEDDED
from .test_render import write_spec as write_spec_with_videos
from .test_resume_kill import kill_render_at

MOVE = {
    "zoom": 1.05,
    "angle": "0:(2), 3:(-1)",
    "translation_x": 0.5,
    "translation_y": -0.25,
    "sharpen_amount": 0.1,
    "contrast": 1.02,
    "noise_warp": True,
    "inject_noise": True,
    "color_coherence": "lab",
}
IDENTITY = {
    "zoom": 1.0, "angle": 0.0, "translation_x": 0.0, "translation_y": 0.0,
    "transform_center_x": 0.5, "transform_center_y": 0.5, "motion_border": "replicate",
    "motion_space": "pixel", "perspective_flip": False, "sharpen_amount": 0.0,
    "contrast": 1.0, "noise_warp": False,
}  # fmt: skip


def write_spec(path, model, **fields):
    """test_render's spec writer without the videos (formats = [])."""
    spec = write_spec_with_videos(path, model, **fields)
    text = spec.read_text().replace('formats = ["mp4", "gif", "webp"]', "formats = []")
    spec.write_text(text)
    return spec


def frames_of(out, count):
    return [(out / "frames" / f"{i:05d}.png").read_bytes() for i in range(count)]


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_identity_motion_fields_change_nothing(tmp_path):
    common = {"inject_noise": True, "use_latent_interpolation": True}
    plain = write_spec(tmp_path / "plain.toml", "embedded", frames=4, **common)
    same = write_spec(tmp_path / "same.toml", "embedded", frames=4, **common, **IDENTITY)
    assert main(["render", str(plain), "--out", str(tmp_path / "a"), "-q"]) == 0
    assert main(["render", str(same), "--out", str(tmp_path / "b"), "-q"]) == 0
    assert frames_of(tmp_path / "a", 4) == frames_of(tmp_path / "b", 4)
    for name in ("plan.json",):
        a = json.loads((tmp_path / "a" / name).read_text())
        b = json.loads((tmp_path / "b" / name).read_text())
        assert a == b  # no motion record, no motion field in the plan's config


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_a_moving_run_records_its_motion_and_moves(tmp_path, capsys):
    spec = write_spec(tmp_path / "s.toml", "embedded", frames=4, **MOVE)
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q", "--zoom", "1.1"]) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert "motion" not in plan["frames"][0]
    assert [f["motion"]["zoom"] for f in plan["frames"][1:]] == [1.1] * 3  # the flag wins
    angles = [f["motion"]["angle"] for f in plan["frames"][1:]]
    assert angles == pytest.approx([1.0, 0.0, -1.0])  # the schedule interpolated linearly
    assert plan["config"]["noise_warp"] is True
    assert main(["metrics", str(out)]) == 0
    assert "change_motion" in capsys.readouterr().out


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_frames_that_are_only_the_chains_warp_measure_no_motion_change(tmp_path):
    """denoise 0 after frame 0: every frame is the previous one moved by the chain's own warp,
    so `seqsampler metrics`, undoing the plan's camera with OpenCV, finds only 8-bit rounding:
    the chain's and the measure's matrices and directions agree."""
    move = {"zoom": 1.03, "angle": 2.0, "translation_x": 0.7, "translation_y": -0.4}
    spec = write_spec(tmp_path / "s.toml", "embedded", frames=5, denoise_seq=0.0, **move)
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert [f["path"] for f in plan["frames"][1:]] == ["copy"] * 4
    assert main(["metrics", str(out)]) == 0
    frames = json.loads((out / "metrics.json").read_text())["frames"]
    moved, raw = frames["change_motion"][1:], frames["change"][1:]
    assert min(raw) > 0.01  # the camera moves the picture
    assert max(moved) < 0.15 * min(raw), (moved, raw)


def sampler_noises(tmp_path, monkeypatch, name, **fields):
    """The fresh noise each sample call of a 3-frame embedded render started from."""
    from seqsampler.frame_sampler import StandaloneFrameSampler

    given, run = [], StandaloneFrameSampler._run

    def spy(self, entry, latent, noise, *args, **kwargs):
        given.append(noise.clone())
        return run(self, entry, latent, noise, *args, **kwargs)

    monkeypatch.setattr(StandaloneFrameSampler, "_run", spy)
    spec = write_spec(tmp_path / f"{name}.toml", "embedded", frames=3, **fields)
    assert main(["render", str(spec), "--out", str(tmp_path / name), "-q"]) == 0
    assert len(given) == 3  # one sample call per frame
    return given


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_the_samplers_noise_moves_with_the_pan_only_under_noise_warp(tmp_path, monkeypatch):
    pan = {"translation_x": 1.0, "seed_mode_seq": "fixed"}  # 1 pixel right (latent = image)
    moved = sampler_noises(tmp_path, monkeypatch, "warp", **pan, noise_warp=True)
    for before, after in zip(moved[:-1], moved[1:], strict=True):
        assert torch.equal(after[..., 1:], before[..., :-1])  # carried one column right
        assert not torch.equal(after[..., :1], before[..., :1])  # the entering column: fresh
    stuck = sampler_noises(tmp_path, monkeypatch, "fixed", **pan)
    assert all(torch.equal(n, stuck[0]) for n in stuck)  # fixed seed: the same on screen
    assert torch.equal(moved[0], stuck[0])  # frame 0 draws as without noise_warp


def test_a_pan_beyond_4x_the_frame_fails_before_loading(tmp_path, monkeypatch, capsys):
    import seqsampler.models.loader as loader

    monkeypatch.setattr(loader, "load_model", lambda *a, **k: pytest.fail("model loaded"))
    spec = write_spec(tmp_path / "s.toml", "embedded", frames=3, translation_x=129.0)
    assert main(["render", str(spec), "--out", str(tmp_path / "r"), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "translation_x = 129.0" in err[0] and "128" in err[0], err


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["euler", "euler_ancestral"])  # + the moved per-step noise
def test_killed_render_with_motion_and_noise_warp_resumes_bit_for_bit(tiny_sd, tmp_path, sampler):
    frames = 10
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd), frames=frames, steps=3,
                      sampler_name=sampler, **MOVE)  # fmt: skip
    reference = tmp_path / "reference"
    assert main(["render", str(spec), "--out", str(reference), "-q"]) == 0
    out = tmp_path / "killed"
    kill_render_at(spec, out, frame=3)
    done = len(list((out / "frames").glob("*.png")))
    assert 4 <= done < frames, done  # killed mid-run, after the noise moved a few frames
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    assert frames_of(out, frames) == frames_of(reference, frames)
    for i in range(frames):
        name = f"latents/{i:05d}.safetensors"
        assert load_latent(out / name).equal(load_latent(reference / name)), f"frame {i}"
