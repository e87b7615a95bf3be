"""Copy an input video's audio track into a rendered video (PyAV remux, no video re-encode).

`copy_audio(src_video, dst_video)` rewrites `dst_video` with its first video stream copied packet
for packet and the first audio stream of `src_video` added: copied as is when the container
takes its codec, else re-encoded (AAC for mp4 / mov, Opus for webm). The audio is cut at the end
of the video (to the audio packet: ~21 ms for AAC at 48 kHz) and keeps its offset from the input
video's start. The new file is written beside `dst_video`, then moved onto it (`os.replace`):
a kill leaves the old file or the new one, never half of one.
"""

from __future__ import annotations

import heapq
import logging
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from .reader import import_av
from .source import shown

log = logging.getLogger(__name__)

# Audio codecs each output container takes as they are (None: any); others are re-encoded.
COPIES = {
    ".mp4": {"aac", "mp3", "alac", "ac3", "eac3"},
    ".m4v": {"aac", "mp3", "alac", "ac3", "eac3"},
    ".mov": {"aac", "mp3", "alac", "ac3", "eac3", "pcm_s16le", "pcm_s24le"},
    ".mkv": None,
    ".webm": {"opus", "vorbis"},
}
ENCODERS = {".mp4": "aac", ".m4v": "aac", ".mov": "aac", ".mkv": "aac", ".webm": "libopus"}


def copy_audio(src_video: str | Path, dst_video: str | Path) -> str:
    """Put `src_video`'s first audio stream into `dst_video` (replaced atomically); return
    "copied" or "re-encoded to <codec>". One-line ValueError for a missing file, a source
    without audio, or a destination container that takes no audio (gif, webp)."""
    av = import_av()
    src, dst = Path(src_video), Path(dst_video)
    suffix = dst.suffix.lower()
    if suffix not in COPIES:
        raise ValueError(f"{shown(dst)}: cannot hold an audio track; accepted: {', '.join(COPIES)}")
    for path in (src, dst):
        if not path.is_file():
            raise ValueError(f"{shown(path)}: no such file; accepted: a video file")
    tmp = dst.with_name(f".{dst.stem}.audio.tmp{dst.suffix}")
    try:
        with av.open(str(src)) as source, av.open(str(dst)) as video:
            if not source.streams.audio:
                raise ValueError(f"{shown(src)}: no audio stream to copy; accepted: a video with audio")  # fmt: skip
            if not video.streams.video:
                raise ValueError(f"{shown(dst)}: no video stream; accepted: a video file")
            how = _remux(av, source, video, tmp, suffix)
        os.replace(tmp, dst)
    except av.FFmpegError as exc:
        raise ValueError(
            f"{shown(src)} -> {shown(dst)}: the audio cannot be copied ({exc.strerror or exc})"
        ) from None
    finally:
        tmp.unlink(missing_ok=True)
    log.info("%s: audio from %s %s", shown(dst), shown(src), how)
    return how


# FFmpeg's default layout per channel count, for inputs that give only a count ("1 channels").
LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


def _layout(layout: Any) -> str:
    """A named channel layout the encoders take: the input's, or the default for its count."""
    if not layout.name.endswith("channels"):
        return layout.name
    if layout.nb_channels not in LAYOUTS:
        raise ValueError(
            f"audio of {layout.nb_channels} channels without a layout; accepted: 1 to 8 channels"
        )
    return LAYOUTS[layout.nb_channels]


def _seconds(value: int | None, time_base: Fraction | None) -> Fraction:
    return Fraction(value or 0) * (time_base or 0)


def _remux(av: Any, source: Any, video: Any, tmp: Path, suffix: str) -> str:
    """Write `tmp`: `video`'s first video stream copied, `source`'s first audio stream copied or
    re-encoded, cut at the video's end, interleaved by time."""
    v_in, a_in = video.streams.video[0], source.streams.audio[0]
    with av.open(video.name) as again:
        end = _video_end(again, again.streams.video[0])
    # The audio keeps its offset from the input video's start; it starts where `video` starts.
    src_start = _seconds(source.streams.video[0].start_time, source.streams.video[0].time_base) if source.streams.video else Fraction(0)  # fmt: skip
    shift = _seconds(v_in.start_time, v_in.time_base) - src_start
    allowed = COPIES[suffix]
    copy = allowed is None or a_in.codec_context.name in allowed
    with av.open(str(tmp), mode="w") as out:
        v_out = out.add_stream_from_template(v_in)
        if copy:
            a_out = out.add_stream_from_template(a_in)
            audio = _copied(source, a_in, a_out, shift, end)
            how = "copied"
        else:
            a_out = out.add_stream(ENCODERS[suffix], rate=a_in.codec_context.sample_rate)
            a_out.layout = _layout(a_in.codec_context.layout)
            audio = _encoded(source, a_in, a_out, shift, end)
            how = f"re-encoded to {a_out.codec_context.name} ({a_in.codec_context.name} does not fit {suffix})"  # fmt: skip
        for _, _, packet in heapq.merge(_video(video, v_in, v_out), audio, key=lambda t: t[:2]):
            out.mux(packet)
    return how


def _video_end(container: Any, stream: Any) -> Fraction:
    """The end of a video stream in seconds: its last packet's pts + duration (demuxed)."""
    end = Fraction(0)
    for packet in container.demux(stream):
        if packet.pts is not None:
            end = max(end, _seconds(packet.pts + (packet.duration or 0), packet.time_base))
    return end


def _time(packet: Any) -> Fraction:
    stamp = packet.dts if packet.dts is not None else packet.pts
    return _seconds(stamp, packet.time_base)


def _video(container: Any, v_in: Any, v_out: Any) -> Iterator[tuple[Fraction, int, Any]]:
    for packet in container.demux(v_in):
        if packet.size:
            packet.stream = v_out
            yield _time(packet), 0, packet


def _copied(
    source: Any, a_in: Any, a_out: Any, shift: Fraction, end: Fraction
) -> Iterator[tuple[Fraction, int, Any]]:
    """The audio packets as they are, shifted by `shift` s; packets starting at or past `end`
    are dropped."""
    ticks = round(shift / a_in.time_base)
    for packet in source.demux(a_in):
        if not packet.size or packet.pts is None:
            continue
        packet.pts += ticks
        if packet.dts is not None:
            packet.dts += ticks
        if _seconds(packet.pts, packet.time_base) >= end:
            break
        packet.stream = a_out
        yield _time(packet), 1, packet


def _encoded(
    source: Any, a_in: Any, a_out: Any, shift: Fraction, end: Fraction
) -> Iterator[tuple[Fraction, int, Any]]:
    """Decode the audio, re-encode it; frames starting at or past `end` are dropped."""
    rate = a_in.codec_context.sample_rate
    for frame in source.decode(a_in):
        start = _seconds(frame.pts, frame.time_base) + shift
        if start >= end:
            break
        frame.pts = round(start * rate)
        frame.time_base = Fraction(1, rate)
        for packet in a_out.encode(frame):
            yield _time(packet), 1, packet
    for packet in a_out.encode(None):
        yield _time(packet), 1, packet
