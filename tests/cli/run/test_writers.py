"""Writers: atomic files, PNG metadata, videos through PyAV (H.264 available), contact sheet."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from seqsampler.cli.run.videos import count_video_frames, h264_encoder, write_video
from seqsampler.cli.run.writers import (
    atomic_write_bytes,
    contact_sheet,
    read_png_metadata,
    save_png,
)


def clip(n: int, h: int = 16, w: int = 16) -> list[np.ndarray]:
    colours = [(220, 40, 40), (40, 80, 220), (240, 215, 40), (40, 170, 60)]
    frames = []
    for i in range(n):
        frame = np.zeros((h, w, 3), np.uint8)
        frame[:] = colours[i % len(colours)]
        frame[: h // 2, : w // 2] = (240, 240, 240)
        frames.append(frame)
    return frames


def test_pyav_wheel_has_libx264():
    assert "libx264" in av.codecs_available
    assert h264_encoder() == "libx264"


@pytest.mark.parametrize("fmt", ["mp4", "gif", "webp"])
def test_videos_read_back_with_every_frame(tmp_path, fmt):
    path = tmp_path / f"v.{fmt}"
    write_video(path, clip(7), 5, fmt)
    assert count_video_frames(path) == 7
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_mp4_is_h264_at_the_fps_and_pads_odd_sizes(tmp_path):
    path = tmp_path / "v.mp4"
    write_video(path, clip(5, 17, 15), 12, "mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.average_rate == 12
        assert (stream.width, stream.height) == (16, 18)


def test_gif_keeps_colours_with_a_clip_palette(tmp_path):
    path = tmp_path / "v.gif"
    frames = clip(4)
    write_video(path, frames, 4, "gif")
    with Image.open(path) as image:
        for i, frame in enumerate(frames):
            image.seek(i)
            assert np.array_equal(np.asarray(image.convert("RGB")), frame)


def test_png_metadata_round_trip(tmp_path):
    path = tmp_path / "f.png"
    plan_entry = {"frame": 3, "seed": 2**64 - 1, "glide": None, "prompt": "ünïcode"}
    save_png(path, clip(1)[0], {"seqsampler.plan": json.dumps(plan_entry), "other": "x"})
    assert read_png_metadata(path) == {"seqsampler.plan": plan_entry}


def test_atomic_write_leaves_the_old_file_or_the_new_one(tmp_path):
    path = tmp_path / "a.bin"
    atomic_write_bytes(path, b"old")

    with pytest.raises(TypeError):
        atomic_write_bytes(path, object())  # fails while writing
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_contact_sheet_grid():
    sheet = contact_sheet(clip(5), columns=3)
    assert sheet.shape == (2 * 18 + 2, 3 * 18 + 2, 3)


def test_unknown_format_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="formats: got 'avi'; accepted: mp4, gif, webp"):
        write_video(tmp_path / "v.avi", clip(2), 4, "avi")


def test_atomic_files_get_the_usual_mode(tmp_path):
    import os

    path = tmp_path / "m.bin"
    atomic_write_bytes(path, b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.slow
def test_videos_and_sheet_from_lazy_frames_hold_one_frame_at_a_time(tmp_path):
    """Output memory is flat in the frame count: 48 frames upscaled to 512x512 are 36 MiB as a
    list; written from `LazyFrames` the numpy peak stays a few frames' worth."""
    import tracemalloc

    from seqsampler.cli.run.writers import LazyFrames, save_image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(48):
        path = tmp_path / "frames" / f"{i:05d}.png"
        save_image(path, rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
        paths.append(path)
    frames = LazyFrames(paths, 16)
    assert len(frames) == 48 and frames[3].shape == (512, 512, 3)
    tracemalloc.start()
    try:
        for fmt in ("mp4", "gif"):
            write_video(tmp_path / f"video.{fmt}", frames, 8, fmt)
        video_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        sheet = contact_sheet(frames)
        sheet_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count_video_frames(tmp_path / "video.mp4") == 48
    assert count_video_frames(tmp_path / "video.gif") == 48
    assert video_peak < 8 * 2**20, f"videos: {video_peak / 2**20:.1f} MiB"
    # The sheet is at most MAX_SHEET_SIDE (2048) a side, 12 MiB, whatever the frame count.
    assert max(sheet.shape[:2]) <= 2048
    assert sheet_peak < 40 * 2**20, f"sheet: {sheet_peak / 2**20:.1f} MiB"
