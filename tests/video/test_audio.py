"""seqsampler.video.audio.copy_audio: the input's audio remuxed into a rendered video."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from seqsampler.video.audio import copy_audio

from .synthetic import av, pan_frames, sine, write_video

RATE = 44100


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


def decoded_audio(path: Path) -> tuple[list[str], np.ndarray]:
    """The stream types of `path` and its first audio stream decoded to mono float [N]."""
    with av.open(str(path)) as container:
        types = [s.type for s in container.streams]
        chunks = [f.to_ndarray().astype(np.float32) for f in container.decode(audio=0)]
    samples = np.concatenate([c.reshape(c.shape[0], -1)[0] for c in chunks])
    if np.abs(samples).max() > 2:  # integer PCM
        samples = samples / 32768
    return types, samples


def peak_hz(samples: np.ndarray) -> float:
    return float(np.abs(np.fft.rfft(samples)).argmax() * RATE / len(samples))


@pytest.fixture
def rendered(tmp_path):
    """A 12-frame 24 fps H.264 mp4 without audio (0.5 s), as the CLI writes it."""
    return write_video(tmp_path / "video.mp4", pan_frames(12, 64, (2, 1), seed=5))


@pytest.mark.parametrize(
    ("name", "codec", "how"),
    [("input.mp4", "aac", "copied"), ("input.mkv", "pcm_s16le", "re-encoded to aac")],
)
def test_audio_is_added_cut_at_the_video_end_and_the_video_untouched(tmp_path, rendered, name, codec, how):  # fmt: skip
    source = write_video(tmp_path / name, pan_frames(48, 64, (1, 0)), audio=sine(2.0), audio_codec=codec)  # fmt: skip
    before = video_packets(rendered)
    assert copy_audio(source, rendered).startswith(how)
    assert video_packets(rendered) == before  # the video stream is copied packet for packet
    types, samples = decoded_audio(rendered)
    assert types == ["video", "audio"]
    seconds = len(samples) / RATE
    assert 0.5 <= seconds <= 0.5 + 3 * 1024 / RATE, seconds  # cut at the video's 0.5 s
    assert abs(peak_hz(samples) - 440) < 3
    middle = samples[len(samples) // 4 : 3 * len(samples) // 4]
    assert abs(np.sqrt(np.mean(middle**2)) - 0.5 / np.sqrt(2)) < 0.03  # the sine's RMS, 0.354
    assert not list(tmp_path.glob(".*tmp*"))


def test_mkv_takes_pcm_as_it_is(tmp_path):
    source = write_video(tmp_path / "in.mkv", pan_frames(12, 32, (1, 0)), audio=sine(1.0, 1000), audio_codec="pcm_s16le")  # fmt: skip
    out = write_video(tmp_path / "out.mkv", pan_frames(12, 32, (0, 1)))
    assert copy_audio(source, out) == "copied"
    with av.open(str(out)) as container:
        assert container.streams.audio[0].codec_context.name == "pcm_s16le"
    assert abs(peak_hz(decoded_audio(out)[1]) - 1000) < 3


def test_audio_shorter_than_the_video_is_kept_whole(tmp_path, rendered):
    source = write_video(tmp_path / "short.mp4", pan_frames(6, 64, (1, 0)), audio=sine(0.2))
    copy_audio(source, rendered)
    seconds = len(decoded_audio(rendered)[1]) / RATE
    assert 0.2 <= seconds <= 0.2 + 3 * 1024 / RATE, seconds


def test_a_second_copy_replaces_the_audio(tmp_path, rendered):
    low = write_video(tmp_path / "low.mp4", pan_frames(12, 32, (1, 0)), audio=sine(1.0, 300))
    high = write_video(tmp_path / "high.mp4", pan_frames(12, 32, (1, 0)), audio=sine(1.0, 2000))
    copy_audio(low, rendered)
    copy_audio(high, rendered)
    types, samples = decoded_audio(rendered)
    assert types == ["video", "audio"] and abs(peak_hz(samples) - 2000) < 3


def test_source_without_audio(tmp_path, rendered):
    silent = write_video(tmp_path / "silent.mp4", pan_frames(4, 32, (1, 0)))
    before = rendered.read_bytes()
    with pytest.raises(ValueError, match=r"silent\.mp4: no audio stream to copy"):
        copy_audio(silent, rendered)
    assert rendered.read_bytes() == before and not list(tmp_path.glob(".*tmp*"))


def test_destination_that_takes_no_audio(tmp_path, rendered):
    (tmp_path / "video.gif").write_bytes(b"GIF89a")
    with pytest.raises(ValueError, match=r"video\.gif: cannot hold an audio track; accepted: \.mp4"):  # fmt: skip
        copy_audio(rendered, tmp_path / "video.gif")


def test_missing_source(tmp_path, rendered):
    with pytest.raises(ValueError, match=r"gone\.mp4: no such file"):
        copy_audio(tmp_path / "gone.mp4", rendered)


def test_source_that_is_not_a_video(tmp_path, rendered):
    (tmp_path / "notes.mp4").write_text("text")
    with pytest.raises(ValueError, match=r"notes\.mp4 -> .*video\.mp4: the audio cannot be copied"):
        copy_audio(tmp_path / "notes.mp4", rendered)
