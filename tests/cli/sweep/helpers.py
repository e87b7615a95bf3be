"""Shared by the sweep tests: a tiny embedded-model spec, renders alone, frame comparison."""

from __future__ import annotations

from pathlib import Path

from seqsampler.cli import main

BASE = """model = "embedded"
frame_count = {frames}
steps = {steps}
cfg = 3.0
seed = 11
formats = []
[prompts]
"0" = "a big red circle in the center, blue background"
"2" = "a big yellow square in the center, blue background"
"""


def sweep_spec(path: Path, frames: int = 3, steps: int = 2, sweep: str = "") -> Path:
    path.write_text(BASE.format(frames=frames, steps=steps) + sweep)
    return path


def render_alone(spec: Path, out: Path, **fields: object) -> Path:
    """The job rendered on its own by `seqsampler render` (the spec without its [sweep])."""
    text = spec.read_text().split("[sweep]")[0]
    alone = out.parent / f"{out.name}.toml"
    alone.write_text(text)
    flags = [x for k, v in fields.items() for x in (f"--{k.replace('_', '-')}", str(v))]
    assert main(["render", str(alone), "--out", str(out), "-q", *flags]) == 0
    return out


def assert_same_frames(a: Path, b: Path, frames: int) -> None:
    for i in range(frames):
        name = f"frames/{i:05d}.png"
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{a.name}: frame {i}"
        latent = f"latents/{i:05d}.safetensors"
        assert (a / latent).read_bytes() == (b / latent).read_bytes(), f"{a.name}: latent {i}"
