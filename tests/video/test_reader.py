"""seqsampler.video.open_video on video files: count, rate, size, frames, resize, start, bad input."""

from __future__ import annotations

import logging
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import torch

from seqsampler.video import open_video, optical_flow
from seqsampler.video.source import to_tensor

from .synthetic import av, cv2, pan_frames, sine, write_video


@pytest.fixture(scope="module")
def pan(tmp_path_factory):
    """16 frames of 64x48 (a pan of 2, 1 px a frame), lossless and H.264, and the frames."""
    frames = [f[:48] for f in pan_frames(16, 64, (2, 1), seed=3)]
    folder = tmp_path_factory.mktemp("pan")
    lossless = write_video(folder / "pan.mkv", frames, fps=Fraction(30000, 1001))
    h264 = write_video(folder / "pan.mp4", frames, fps=24, audio=sine(1.0))
    return frames, lossless, h264


def test_reads_count_rate_size_and_the_frames_exactly(pan):
    frames, lossless, h264 = pan
    source = open_video(lossless)
    assert (source.frame_count, source.size, source.has_audio) == (16, (64, 48), False)
    assert source.fps == Fraction(30000, 1001)
    with av.open(str(lossless)) as container:  # Matroska gives no count: it is demuxed
        assert container.streams.video[0].frames == 0
    read = list(source.frames(64, 48))
    assert len(read) == 16
    for got, want in zip(read, frames, strict=True):
        assert got.shape == (1, 3, 48, 64) and got.dtype == torch.float32
        assert torch.equal(got, to_tensor(want))  # lossless RGB: exact, in [0, 1]


def test_h264_with_audio(pan):
    frames, _, h264 = pan
    source = open_video(h264)
    assert (source.frame_count, source.size, source.fps, source.has_audio) == (16, (64, 48), 24, True)  # fmt: skip
    read = list(source.frames(64, 48))
    luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    error = max(
        float(((got - to_tensor(want)) * luma).sum(1).abs().mean())
        for got, want in zip(read, frames, strict=True)
    )
    assert len(read) == 16 and error < 0.015  # luma; 4:2:0 halves the chroma of 4-px texture
    assert min(float(f.min()) for f in read) >= 0 and max(float(f.max()) for f in read) <= 1


def test_avi_counts_frames_not_its_header(tmp_path):
    """AVI with audio: its header counts an empty packet (17 for 16 frames); the demuxed count
    is exact."""
    path = write_video(tmp_path / "clip.avi", pan_frames(16, 32, (1, 0)), audio=sine(1.0))
    with av.open(str(path)) as container:
        header = container.streams.video[0].frames
    source = open_video(path)
    assert source.frame_count == 16 == len(list(source.frames(32, 32))) and header == 17


def test_resize_matches_an_area_resize_and_notes_the_aspect_once(pan, caplog):
    frames, lossless, _ = pan
    source = open_video(lossless)
    with caplog.at_level(logging.WARNING, logger="seqsampler.video"):
        same_aspect = list(source.frames(32, 24))
        assert not caplog.records
        square = list(source.frames(32, 32))
        list(source.frames(16, 16))
    assert len(caplog.records) == 1
    assert "64x48" in caplog.text and "32x32" in caplog.text and str(lossless) in caplog.text
    assert square[0].shape == (1, 3, 32, 32) and same_aspect[0].shape == (1, 3, 24, 32)
    for got, want in zip(same_aspect, frames, strict=True):
        area = cv2.resize(want, (32, 24), interpolation=cv2.INTER_AREA)
        assert float((got - to_tensor(area)).abs().mean()) < 0.01


def test_start_equals_the_kth_frame_of_a_full_read(pan):
    _, _, h264 = pan
    source = open_video(h264)
    full = list(source.frames(40, 30))
    for k in (1, 7, 15):
        part = list(source.frames(40, 30, start=k))
        assert len(part) == 16 - k
        assert all(torch.equal(a, b) for a, b in zip(part, full[k:], strict=True))
    assert list(source.frames(40, 30, start=16)) == []
    with pytest.raises(ValueError, match=r"start frame 17 is past the input's 16 frames"):
        source.frames(40, 30, start=17)


def test_fps_given_for_a_file_overrides_the_container(pan):
    assert open_video(pan[2], fps=12).fps == 12


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"nothere\.mp4: no such file or folder; accepted"):
        open_video(tmp_path / "nothere.mp4")


def test_text_file_named_mp4(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video\n")
    with pytest.raises(ValueError, match=r"notes\.mp4: not a video PyAV can read .*accepted"):
        open_video(path)


def test_video_stream_without_frames(tmp_path):
    path = write_video(tmp_path / "silent.mkv", [], audio=sine(0.5))
    with pytest.raises(ValueError, match=r"silent\.mkv: the video stream has no frames"):
        open_video(path)


def test_mp4_without_frames_has_no_video_stream(tmp_path):
    path = write_video(tmp_path / "empty.mp4", [])
    with pytest.raises(ValueError, match=r"empty\.mp4: no video stream \(no frames\)"):
        open_video(path)


def test_absurd_frame_rate_in_the_file(tmp_path):
    path = write_video(tmp_path / "fast.mp4", pan_frames(3, 32, (1, 0)), fps=2000)
    with pytest.raises(ValueError, match=r"fast\.mp4: frame rate 2000 fps; accepted: 0 < fps <= 1000"):  # fmt: skip
        open_video(path)


@pytest.mark.parametrize("fps", [0, -5, 1001, float("nan"), float("inf"), "24", True])
def test_bad_fps_given(pan, fps):
    with pytest.raises(ValueError, match=r"pan\.mp4: frame rate .*accepted: 0 < fps <= 1000"):
        open_video(pan[2], fps=fps)


@pytest.mark.parametrize("size", [(0, 32), (32, -1), (32.0, 32), (True, 32)])
def test_bad_render_size(pan, size):
    with pytest.raises(ValueError, match=r"frames: (width|height) .*accepted: an int >= 1"):
        open_video(pan[2]).frames(*size)


@pytest.mark.slow
def test_8k_input_is_resized_frame_by_frame(tmp_path, caplog):
    """A 7680x4320 input read at 96x54: each frame is resized as it is decoded."""
    rng = np.random.default_rng(0)
    frames = [np.full((4320, 7680, 3), v, np.uint8) for v in (40, 200)]
    frames[1][:2160, :3840] = rng.integers(0, 255, (1, 1, 3), dtype=np.uint8)
    path = write_video(tmp_path / "8k.mp4", frames)
    source = open_video(path)
    assert source.size == (7680, 4320) and source.frame_count == 2
    with caplog.at_level(logging.WARNING, logger="seqsampler.video"):
        read = list(source.frames(96, 54))
    assert not caplog.records  # same aspect: no note
    assert [f.shape for f in read] == [(1, 3, 54, 96)] * 2
    assert abs(float(read[0].mean()) - 40 / 255) < 0.01


@pytest.mark.slow
def test_importing_the_package_loads_no_video_library():
    """PyAV, OpenCV and Pillow are the `[cli]` extra: imported on first use only."""
    code = (
        "import sys, seqsampler.video; "
        "bad = [m for m in ('av', 'cv2', 'PIL') if m in sys.modules]; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("module", "call"),
    [
        ("av", lambda folder: open_video(folder / "pan.mp4")),
        ("PIL", lambda folder: open_video(folder / "images")),
        ("cv2", lambda folder: optical_flow(torch.zeros(1, 3, 8, 8), torch.zeros(1, 3, 8, 8))),
    ],
)
def test_a_missing_library_names_the_cli_extra(pan, tmp_path, monkeypatch, module, call):
    (tmp_path / "images").mkdir()
    cv2.imwrite(str(tmp_path / "images" / "1.png"), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / "pan.mp4").symlink_to(pan[2])
    monkeypatch.setitem(sys.modules, module, None)  # `import module` raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'seqsampler\[cli\]'"):
        call(tmp_path)
