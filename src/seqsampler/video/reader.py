"""Open a video input: a video file (PyAV) or a folder of numbered images (Pillow).

`open_video(path)` checks the input (it exists, is a video with frames, has a sane frame rate)
and counts its frames (demuxing, not decoding) before any model work; its `frames(width, height, start)` then decodes one
frame at a time, converting and resizing it in one swscale pass (`VideoFrame.reformat`), so an
8K input is held at full size one decoded frame at a time, never more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from torch import Tensor

from .folder import DEFAULT_FOLDER_FPS, open_folder
from .source import ACCEPTED, VideoSource, check_fps, shown, to_tensor

log = logging.getLogger(__name__)


def import_av() -> Any:
    """PyAV, imported on first use (it is in the `[cli]` extra, not a core dependency)."""
    try:
        import av
    except ImportError as exc:  # pragma: no cover - the [cli] extra
        raise ImportError(
            "reading or writing a video file needs PyAV: pip install 'seqsampler[cli]'"
        ) from exc
    return av


def open_video(path: str | Path, fps: float | Fraction | None = None) -> VideoSource:
    """A video file or a folder of numbered images as a `VideoSource`, checked and counted.

    `fps`: a folder's frame rate (default DEFAULT_FOLDER_FPS = 24, logged); for a file, it
    overrides the container's rate (for files that give none or a wrong one). Raises a one-line
    ValueError naming the input for a missing path, a file that is not a video, a video with
    no frames, or a frame rate outside (0, 1000].
    """
    path = Path(path)
    if path.is_dir():
        if fps is None:
            log.info("%s: a folder of images plays at %d fps (the default)", shown(path),
                     DEFAULT_FOLDER_FPS)  # fmt: skip
            fps = DEFAULT_FOLDER_FPS
        return open_folder(path, fps)
    if not path.exists():
        raise ValueError(f"{shown(path)}: no such file or folder; accepted: {ACCEPTED}")
    if not path.is_file():
        raise ValueError(f"{shown(path)}: not a regular file; accepted: {ACCEPTED}")
    return _open_file(path, fps)


@dataclass
class VideoFile(VideoSource):
    """A video file read with PyAV: its first video stream."""

    def _frames(self, width: int, height: int, start: int) -> Iterator[Tensor]:
        av = import_av()
        shrink = width <= self.size[0] and height <= self.size[1]
        interpolation = "AREA" if shrink else "BICUBIC"
        index = 0
        try:
            with av.open(str(self.path)) as container:
                for frame in container.decode(container.streams.video[0]):
                    if index >= self.frame_count:
                        break
                    if index >= start:
                        rgb = frame.reformat(
                            width=width,
                            height=height,
                            format="rgb24",
                            interpolation=interpolation,
                            src_color_range=frame.color_range or None,
                            dst_color_range="JPEG",
                        )
                        yield to_tensor(rgb.to_ndarray())
                    index += 1
        except av.FFmpegError as exc:
            raise ValueError(
                f"{shown(self.path)}: frame {index} cannot be decoded ({exc.strerror or exc}); "
                "re-encode the file (e.g. ffmpeg -i in.mp4 out.mp4)"
            ) from None
        if index < self.frame_count:
            raise ValueError(
                f"{shown(self.path)}: {self.frame_count} frames were counted but only "
                f"{index} decode; re-encode the file (e.g. ffmpeg -i in.mp4 out.mp4)"
            )


def _open_file(path: Path, fps: float | Fraction | None) -> VideoFile:
    """Probe a video file: its first video stream's frame count, rate, size; audio present."""
    av = import_av()
    try:
        container = av.open(str(path))
    except av.FFmpegError as exc:
        raise ValueError(
            f"{shown(path)}: not a video PyAV can read ({exc.strerror or exc}); accepted: {ACCEPTED}"
        ) from None
    with container:
        if not container.streams.video:
            raise ValueError(
                f"{shown(path)}: no video stream (no frames); accepted: {ACCEPTED} with at least "
                "one frame"
            )
        stream = container.streams.video[0]
        rate = fps if fps is not None else stream.average_rate or stream.guessed_rate or 0
        checked = check_fps(rate, path)
        if fps is not None:
            log.info("%s: read at %s fps (given), the container says %s", shown(path), checked,
                     stream.average_rate)  # fmt: skip
        declared = stream.frames
        count = _count_packets(container, stream, path)
        if declared and declared != count:
            log.debug("%s: the header says %d frames, %d packets hold one", shown(path),
                      declared, count)  # fmt: skip
        if count <= 0:
            raise ValueError(
                f"{shown(path)}: the video stream has no frames; accepted: {ACCEPTED} with at "
                "least one frame"
            )
        size = (stream.codec_context.width, stream.codec_context.height)
        if min(size) < 1:
            raise ValueError(f"{shown(path)}: frame size {size[0]}x{size[1]}; accepted: {ACCEPTED}")
        return VideoFile(path, count, checked, size, has_audio=bool(container.streams.audio))


def _count_packets(container: Any, stream: Any, path: Path) -> int:
    """The frames of a video stream, counted exactly by demuxing (reading packets, decoding
    nothing): a video packet holds one frame; empty and discarded packets are not frames. The
    container's own count is not trusted (AVI's counts an empty packet: 17 for 16 frames)."""
    av = import_av()
    try:
        return sum(1 for packet in container.demux(stream) if packet.size and not packet.is_discard)
    except av.FFmpegError as exc:
        raise ValueError(
            f"{shown(path)}: the video cannot be read to its end ({exc.strerror or exc}); "
            "re-encode the file (e.g. ffmpeg -i in.mp4 out.mp4)"
        ) from None
