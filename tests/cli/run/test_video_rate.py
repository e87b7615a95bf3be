"""Videos keep an input's exact frame rate: 30000/1001 (NTSC) as a Fraction or "num/den" text."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from seqsampler.cli.run.videos import write_video

av = pytest.importorskip("av")


@pytest.mark.parametrize("fps", [Fraction(30000, 1001), "30000/1001"])
def test_mp4_keeps_an_ntsc_rate_exactly(tmp_path, fps):
    frames = [np.full((16, 16, 3), 12 * i, np.uint8) for i in range(10)]
    path = tmp_path / "video.mp4"
    write_video(path, frames, fps, "mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == Fraction(30000, 1001)
        times = [frame.time for frame in container.decode(stream)]
    assert len(times) == 10
    assert times[-1] == pytest.approx(9 * 1001 / 30000, abs=1e-3)


def test_gif_delays_follow_a_fractional_rate(tmp_path):
    frames = [np.full((16, 16, 3), 8 * i, np.uint8) for i in range(30)]
    path = tmp_path / "video.gif"
    write_video(path, frames, "30000/1001", "gif")
    with av.open(str(path)) as container:
        total = sum(packet.duration or 0 for packet in container.demux(video=0))
    assert total == round(100 * 30 * 1001 / 30000)  # centiseconds: 100 cs per 29.97 frames
