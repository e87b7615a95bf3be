"""`seqsampler render` with colour coherence and a loop: on a VAE model (decode, match, encode)
the run resumes to the same frames, frame 0's latent and the anchors read from the run folder."""

from __future__ import annotations

import json

import pytest

from seqsampler.cli import main
from seqsampler.cli.run.writers import load_latent

from .test_render import write_spec


@pytest.mark.parametrize("mode", ["lab", "latent"])
def test_resume_with_coherence_and_loop_equals_the_uninterrupted_run(tiny_sd, tmp_path, mode):
    extra = {"color_coherence": mode, "color_coherence_anchor": "keyframe", "loop_frames": 2,
             "denoise_sine": False, "denoise_seq": 0.6}  # fmt: skip
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd), frames=6, **extra)
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    plan = json.loads((out / "plan.json").read_text())
    assert [f.get("loop") is not None for f in plan["frames"]] == [False] * 4 + [True] * 2
    assert any(f.get("color") for f in plan["frames"])
    latents = [load_latent(out / "latents" / f"{i:05d}.safetensors") for i in range(6)]
    for i in (3, 4, 5):
        (out / "latents" / f"{i:05d}.safetensors").unlink()
        (out / "frames" / f"{i:05d}.png").unlink()
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    for i in range(6):
        assert load_latent(out / "latents" / f"{i:05d}.safetensors").allclose(latents[i], atol=1e-5)
    plain = write_spec(tmp_path / "plain.toml", str(tiny_sd), frames=6,
                       **{k: v for k, v in extra.items() if k.startswith("denoise")})  # fmt: skip
    assert main(["render", str(plain), "--out", str(tmp_path / "plain"), "-q"]) == 0
    last = load_latent(tmp_path / "plain" / "latents" / "00005.safetensors")
    assert not last.allclose(latents[5])
