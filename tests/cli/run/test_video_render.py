"""`seqsampler render` with init_video on the embedded model: frame 0 starts from the input's
frame 0, every frame has its video record, video.mp4 keeps the input's rate and gets its audio,
and a render killed mid-video resumes to the uninterrupted run's frames, bit for bit."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from video import synthetic  # tests/video/synthetic.py: tests/ is on sys.path

from seqsampler.cli import main

from .test_resume_kill import kill_render_at

av = synthetic.av

FRAMES = 10


def disc_frames() -> list[np.ndarray]:
    """64x64: a red disc of radius 10 moving right 2 px a frame from x = 16 on blue (what the
    embedded model draws: it redraws a textured input whole even at a low denoise)."""
    ys, xs = np.mgrid[:64, :64]
    frames = []
    for t in range(FRAMES):
        frame = np.empty((64, 64, 3), np.uint8)
        frame[:] = (40, 60, 190)
        frame[(xs - 16 - 2 * t) ** 2 + (ys - 40) ** 2 <= 100] = (200, 40, 40)
        frames.append(frame)
    return frames


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """The disc at 30000/1001 fps with a sine track."""
    folder = tmp_path_factory.mktemp("clip")
    frames = disc_frames()
    return synthetic.write_video(
        folder / "clip.mp4", frames, fps=Fraction(30000, 1001), audio=synthetic.sine(0.5)
    )


def write_spec(path: Path, clip: Path, **extra: object) -> Path:
    lines = [
        f'init_video = "{extra.pop("init_video", clip)}"',
        "steps = 4",
        "cfg = 3.0",
        "seed = 3",
        "denoise_start = 0.3",
        "denoise_seq = 0.4",
        'formats = ["mp4"]',
        'prompts = "a small red circle, blue background"',
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _frames(out: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((out / "frames").glob("*.png"))]


@pytest.mark.slow
def test_render_follows_the_input_video(clip, tmp_path):
    out = tmp_path / "run"
    assert main(["render", str(write_spec(tmp_path / "s.toml", clip)), "--out", str(out), "-q"]) == 0  # fmt: skip
    plan = json.loads((out / "plan.json").read_text())
    assert plan["frame_count"] == FRAMES  # the input's frame count
    assert [f["video"]["frame"] for f in plan["frames"]] == list(range(FRAMES))
    with av.open(str(out / "video.mp4")) as container:
        assert container.streams.video[0].average_rate == Fraction(30000, 1001)
        assert len(container.streams.audio) == 1  # the input's audio, copied
    source = disc_frames()[0]
    small = np.asarray(Image.fromarray(source).resize((32, 32), Image.Resampling.BOX), np.float32)
    quiet = tmp_path / "quiet"
    spec = write_spec(tmp_path / "q.toml", clip, audio=False, frame_count=3)
    assert main(["render", str(spec), "--out", str(quiet), "-q"]) == 0
    with av.open(str(quiet / "video.mp4")) as container:
        assert not container.streams.audio
    plain = tmp_path / "plain"  # the same spec without the video: frame 0 from noise alone
    spec = write_spec(tmp_path / "p.toml", clip, init_video="", frame_count=1, fps=8)
    assert main(["render", str(spec), "--out", str(plain), "-q"]) == 0

    def distance(run: Path) -> float:
        with Image.open(run / "frames" / "00000.png") as image:
            return float(np.abs(np.asarray(image, np.float32) - small).mean())

    # Frame 0 at denoise 0.3 keeps much of the input's frame 0.
    assert distance(out) < 0.7 * distance(plain), (distance(out), distance(plain))


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [{}, {"noise_warp": True, "translation_x": 1.0, "inject_noise": True}],
    ids=["plain", "noise_warp"],
)
def test_a_render_killed_mid_video_resumes_bit_for_bit(clip, tmp_path, extra):
    """With noise_warp the resume replays the noise along the input's flow (and the camera)
    from frame 0 (video_noise.py) and its frames equal the uninterrupted run's too."""
    spec = write_spec(tmp_path / "s.toml", clip, video_strength=0.4, **extra)
    reference = tmp_path / "reference"
    assert main(["render", str(spec), "--out", str(reference), "-q"]) == 0

    out = tmp_path / "killed"
    kill_render_at(spec, out, frame=3, timeout=120)
    done = len(_frames(out))
    assert 4 <= done < FRAMES  # killed mid-video

    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    assert _frames(out) == _frames(reference)
    for i in range(FRAMES):
        name = f"latents/{i:05d}.safetensors"
        assert (out / name).read_bytes() == (reference / name).read_bytes()
