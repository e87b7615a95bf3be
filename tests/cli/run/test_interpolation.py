"""Output interpolation: interpolate = K puts K - 1 in-betweens between each pair of rendered
frames in the videos (at K x fps), frames/ untouched; the spec's checks."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seqsampler.cli import main
from seqsampler.cli.run.interpolation import (
    InterpolatedFrames,
    pair_moves,
    video_frames,
    video_rate,
)
from seqsampler.cli.run.videos import count_video_frames
from seqsampler.cli.run.writers import LazyFrames
from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.models.embedded import EMBEDDED_DIR
from seqsampler.planning import FrameMotion

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
av = pytest.importorskip("av")


def pngs(folder: Path, values: list[int], size: int = 8) -> list[Path]:
    """Flat grey PNGs of the given levels."""
    paths = []
    for i, value in enumerate(values):
        path = folder / f"{i:05d}.png"
        Image.fromarray(np.full((size, size, 3), value, np.uint8)).save(path)
        paths.append(path)
    return paths


class CountingFrames(LazyFrames):
    """LazyFrames that count how often each PNG is read."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__(paths)
        self.reads = [0] * len(paths)

    def __getitem__(self, index):
        self.reads[index] += 1
        return super().__getitem__(index)


def test_in_betweens_cross_fade_and_each_frame_is_read_once(tmp_path):
    frames = CountingFrames(pngs(tmp_path, [0, 120, 240]))
    stream = InterpolatedFrames(frames, 4, "crossfade", [(None, "replicate")] * 2, factor=2)
    assert len(stream) == 9
    levels = [int(image[0, 0, 0]) for image in stream]
    assert levels == [0, 30, 60, 90, 120, 150, 180, 210, 240]
    assert frames.reads == [2, 2, 2]  # as itself and once as a neighbour (cached pairs)
    assert stream[-1].shape == (16, 16, 3)  # upscaled
    with pytest.raises(IndexError):
        stream[9]


def test_moves_per_pair_come_from_the_next_frames_motion_record():
    spec = resolve_spec({"prompts": "a red circle", "frame_count": 3})
    plan = spec.plan()
    moving = replace(plan.frames[2], motion=FrameMotion(translation_x=2.0, border="wrap"))
    plan = replace(plan, frames=(plan.frames[0], plan.frames[1], moving))
    moves = pair_moves(plan, (32, 32))
    assert moves[0] == (None, "replicate")
    assert moves[1][0] is not None and moves[1][0][0][2] == 2.0 and moves[1][1] == "wrap"


def test_video_rate():
    assert video_rate(8, 3) == 24
    assert video_rate("30000/1001", 2) == Fraction(60000, 1001)


def test_interpolate_one_is_the_rendered_frames(tmp_path):
    paths = pngs(tmp_path, [0, 10])
    fields = {"interpolate": 1, "interpolate_mode": "flow", "upscale": 1, "fps": 8}
    frames, rate = video_frames(paths, fields, resolve_spec({"prompts": "a red circle"}).plan())
    assert isinstance(frames, LazyFrames) and len(frames) == 2 and rate == 8


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"interpolate": 0}, "interpolate: got 0; accepted: an int in [1, 8]"),
        ({"interpolate": 9}, "interpolate: got 9; accepted: an int in [1, 8]"),
        ({"interpolate": True}, "interpolate: got True"),
        ({"interpolate_mode": "rife"}, "interpolate_mode: got 'rife'; accepted: crossfade, motion"),
        ({"interpolate": 5, "fps": 60}, "interpolate: 5 x fps 60 = 300 video frames per second"),
    ],
)
def test_bad_interpolation_fields_are_spec_errors(extra, message):
    with pytest.raises(SpecError) as info:
        resolve_spec({"prompts": "a red circle", "frame_count": 2, **extra})
    assert message in str(info.value)


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_render_interpolates_the_videos_not_the_frames(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(
        'model = "embedded"\nprompts = "a big red circle"\nframe_count = 3\nsteps = 2\n'
        'formats = ["mp4", "gif"]\nfps = 4\n'
    )
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q", "--interpolate", "3"]) == 0
    assert sorted(p.name for p in (out / "frames").iterdir()) == [f"{i:05d}.png" for i in range(3)]
    assert count_video_frames(out / "video.mp4") == 7
    assert count_video_frames(out / "video.gif") == 7
    with av.open(str(out / "video.mp4")) as container:
        assert container.streams.video[0].average_rate == 12
    # output-only: the same folder again with another interpolate renders nothing new
    before = (out / "frames" / "00002.png").stat().st_mtime_ns
    assert main(["render", str(spec), "--out", str(out), "-q", "--interpolate", "2"]) == 0
    assert (out / "frames" / "00002.png").stat().st_mtime_ns == before
    assert count_video_frames(out / "video.mp4") == 5
