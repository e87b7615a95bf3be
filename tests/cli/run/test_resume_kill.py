"""Resume after SIGKILL: a subprocess render is killed mid-run; rendering again into the same
folder continues after the last complete frame and gives the uninterrupted run's frames, bit
for bit (PNG bytes and latents)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqsampler.cli import main
from seqsampler.cli.run.writers import load_latent

from .test_render import write_spec

FRAMES = 12
SRC = Path(__file__).resolve().parents[3] / "src"


def kill_render_at(spec: Path, out: Path, frame: int, timeout: float = 60) -> None:
    """Render `spec` into `out` in a subprocess (this checkout's src/ first) and SIGKILL it as
    soon as frame `frame`'s PNG exists (or it exits, or `timeout` s pass)."""
    command = [sys.executable, "-m", "seqsampler.cli", "render", str(spec), "--out", str(out), "-q"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
    }
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    target = out / "frames" / f"{frame:05d}.png"
    deadline = time.monotonic() + timeout
    while not target.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()


def _files(out, pattern):
    return sorted(p.name for p in (out / pattern[0]).glob(pattern[1]) if not p.name.startswith("."))


@pytest.mark.slow
def test_killed_render_resumes_to_the_uninterrupted_result(tiny_sd, tmp_path):
    extra = {
        "use_conditioning_slerp": True,
        "cond_slerp_strength": 0.3,
        "use_latent_interpolation": True,
        "unsample_latents": True,
        "inject_noise": True,
        "seed_keying_mode": "modulo",
    }
    spec = write_spec(tmp_path / "spec.toml", str(tiny_sd), frames=FRAMES, steps=3, **extra)
    reference = tmp_path / "reference"
    assert main(["render", str(spec), "--out", str(reference), "-q"]) == 0

    out = tmp_path / "killed"
    kill_render_at(spec, out, frame=2)
    done = _files(out, ("frames", "*.png"))
    assert 3 <= len(done) < FRAMES, done  # killed mid-run
    assert not (out / "video.mp4").exists()

    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    assert _files(out, ("frames", "*.png")) == _files(reference, ("frames", "*.png"))
    for i in range(FRAMES):
        name = f"{i:05d}"
        assert (out / "frames" / f"{name}.png").read_bytes() == (
            reference / "frames" / f"{name}.png"
        ).read_bytes(), f"frame {i}"
        assert load_latent(out / "latents" / f"{name}.safetensors").equal(
            load_latent(reference / "latents" / f"{name}.safetensors")
        )
    assert (out / "video.mp4").is_file()
    assert not list(out.rglob(".*.tmp*"))  # a killed write's temporary file is cleaned up
