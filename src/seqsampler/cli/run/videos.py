"""Run-folder videos: frames encoded as mp4 (H.264), GIF or animated WebP with PyAV.

Each video is encoded to a temporary file in its folder, then moved into place with
`os.replace`, so a video is either complete or absent, even if the process is killed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

from ...files import FILE_MODE
from ..spec.fields import VIDEO_FORMATS, short_repr

H264_ENCODERS = ("libx264", "h264", "libopenh264", "h264_videotoolbox")


def import_encoders() -> None:
    """Import the video encoders' library (PyAV: FFmpeg's libraries, a few hundred ms), e.g.
    on the frame writer's thread while the frames are sampled."""
    import av  # noqa: F401


def h264_encoder() -> str:
    """The first H.264 encoder PyAV's FFmpeg offers (libx264 in the PyPI wheels)."""
    import av

    for name in H264_ENCODERS:
        if name in av.codecs_available:
            try:
                av.codec.Codec(name, "w")
            except Exception:  # listed but not an encoder on this build
                continue
            return name
    raise RuntimeError(
        "no H.264 encoder in PyAV's FFmpeg (looked for "
        f"{', '.join(H264_ENCODERS)}); use formats = ['gif', 'webp'] instead"
    )


def write_video(
    path: Path, frames: Sequence[np.ndarray], fps: int | str | Fraction, fmt: str
) -> None:
    """Encode uint8 [H, W, 3] frames: `mp4` (H.264, yuv420p), `gif`, or animated `webp`, at
    `fps` (an int, a Fraction or "num/den" text: 30000/1001 is kept exact in mp4)."""
    import av

    fps = Fraction(fps)

    if fmt not in VIDEO_FORMATS:
        raise ValueError(f"formats: got {short_repr(fmt)}; accepted: {', '.join(VIDEO_FORMATS)}")
    height, width = frames[0].shape[:2]
    if fmt == "mp4":
        # yuv420p needs even sizes: pad the right / bottom edge by repeating it.
        pad_h, pad_w = height % 2, width % 2
        if pad_h or pad_w:
            padded: Iterable[np.ndarray] = (
                np.pad(f, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge") for f in frames
            )
        else:
            padded = frames
        height, width = height + pad_h, width + pad_w
    else:
        padded = frames
    tmp = _temporary(path)
    codec, pix_fmt, options = {
        "mp4": (None, "yuv420p", {"crf": "18"}),
        "gif": ("gif", "pal8", {}),
        "webp": ("libwebp_anim", "yuv420p", {"lossless": "1", "loop": "0"}),
    }[fmt]
    if codec is None:
        codec = h264_encoder()
        if codec != "libx264":
            options = {}
    container_format = {"mp4": "mp4", "gif": "gif", "webp": "webp"}[fmt]
    if fmt == "gif":
        pix_fmt = "pal8"
        to_frame = _palette_frames(frames)
    else:

        def to_frame(image: np.ndarray) -> av.VideoFrame:
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            return frame.reformat(format=pix_fmt)

    starts = gif_starts(len(frames), fps) if fmt == "gif" else None
    try:
        with av.open(str(tmp), mode="w", format=container_format) as container:
            stream = container.add_stream(codec, rate=fps, options=options)
            stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
            if starts is None:
                for image in padded:
                    for packet in stream.encode(to_frame(image)):
                        container.mux(packet)
                for packet in stream.encode():
                    container.mux(packet)
            else:
                _encode_gif(container, stream, frames, to_frame, starts)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _temporary(path: Path) -> Path:
    """A new temporary file beside `path` for the encoder (mkstemp: O_EXCL | O_NOFOLLOW, so never
    a link left in the folder), named `.video.*.tmp.mp4` as `folder.TEMPORARY` expects."""
    import tempfile

    fd, name = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent
    )
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    return Path(name)


def gif_starts(count: int, fps: int | Fraction) -> list[int]:
    """Start times in 1/100 s (GIF's unit) of `count` frames and the end, tracking
    round(100 i / fps): each delay is floor or ceil of 100 / fps and the delays sum to
    round(100 N / fps), so the GIF plays at `fps` on average (12, 13, 13, 12 cs at 8 fps).
    Above 100 fps every delay is 1 cs (GIF cannot show frames faster)."""
    starts: list[int] = []
    for i in range(count + 1):
        start = round(Fraction(100 * i, fps))
        starts.append(max(start, starts[-1] + 1) if starts else start)
    return starts


def _encode_gif(container, stream, frames, to_frame, starts: list[int]) -> None:
    """Encode with explicit timestamps in 1/100 s and each packet's duration set, so FFmpeg's
    GIF muxer writes exactly the delays of `starts` (the last frame's included)."""
    base = Fraction(1, 100)
    stream.time_base = base
    stream.codec_context.time_base = base
    delays = {starts[i]: starts[i + 1] - starts[i] for i in range(len(frames))}

    def mux(packets) -> None:
        for packet in packets:
            if packet.pts is not None:
                packet.duration = delays[packet.pts]
            container.mux(packet)

    for i, image in enumerate(frames):
        frame = to_frame(image)
        frame.pts, frame.time_base = starts[i], base
        mux(stream.encode(frame))
    mux(stream.encode())


PALETTE_FRAMES = 256  # a GIF palette is cut from at most this many frames, evenly spaced


def _palette_frames(frames: Sequence[np.ndarray]):
    """A GIF frame maker with one adaptive 256-colour palette for the whole clip (median cut
    over the frames, at most PALETTE_FRAMES of them at their own size, no dithering), so
    colours neither band like a fixed palette nor flicker."""
    import av
    from PIL import Image

    originals = getattr(frames, "originals", None)  # LazyFrames, InterpolatedFrames
    if originals is not None:
        sample = originals(PALETTE_FRAMES)
    else:
        step = max(1, math.ceil(len(frames) / PALETTE_FRAMES))
        sample = [frames[i] for i in range(0, len(frames), step)]
    montage = Image.fromarray(np.concatenate([np.asarray(f) for f in sample], axis=0))
    palette_image = montage.quantize(256, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette = palette_image.getpalette()
    assert palette is not None, "quantize() returns a palette ('P') image"
    raw = palette[: 3 * 256]
    rgb = np.array(raw + [0] * (3 * 256 - len(raw)), dtype=np.uint8).reshape(256, 3)
    argb = np.concatenate([np.full((256, 1), 255, dtype=np.uint8), rgb], axis=1)

    def to_frame(image: np.ndarray) -> av.VideoFrame:
        indices = Image.fromarray(image).quantize(palette=palette_image, dither=Image.Dither.NONE)
        # PyAV's stub types `array` as one ndarray, but pal8 takes an (image, palette) pair.
        pal8 = (np.asarray(indices), argb)
        return av.VideoFrame.from_ndarray(pal8, format="pal8")  # type: ignore[arg-type]

    return to_frame


def count_video_frames(path: Path) -> int:
    """Decode a video and count its frames (used by tests and `render` checks)."""
    if path.suffix == ".webp":  # FFmpeg's webp demuxer cannot decode animated WebP
        from PIL import Image

        with Image.open(path) as image:
            return image.n_frames
    import av

    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
