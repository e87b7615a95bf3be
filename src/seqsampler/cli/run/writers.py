"""Run-folder writers: frames as PNG with metadata, latents, videos (PyAV), a contact sheet.

Every file is written to a temporary name in its folder, flushed to disk, then moved into place
with `os.replace`, so a file is either complete or absent, even if the process is killed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from ...files import FILE_MODE, atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)
from ..spec.fields import VIDEO_FORMATS, short_repr

log = logging.getLogger(__name__)

PLAN_KEY = "seqsampler.plan"
SPEC_KEY = "seqsampler.spec"

H264_ENCODERS = ("libx264", "h264", "libopenh264", "h264_videotoolbox")


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """An image [3, H, W] in [0, 1] to uint8 [H, W, 3]."""
    array = image.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8)
    return array.permute(1, 2, 0).cpu().numpy()


def save_png(path: Path, image: np.ndarray, text: dict[str, str]) -> str:
    """Save uint8 [H, W, 3] as PNG with the `text` entries as PNG text chunks; returns the
    file's SHA-256."""
    from io import BytesIO

    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_itxt(key, value)
    buffer = BytesIO()
    Image.fromarray(image, "RGB").save(buffer, format="PNG", pnginfo=info)
    data = buffer.getvalue()
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_png_metadata(path: Path) -> dict[str, object]:
    """The seqsampler entries of a frame PNG's text chunks, JSON-decoded."""
    from PIL import Image

    with Image.open(path) as image:
        text = dict(image.text)
    return {key: json.loads(value) for key, value in text.items() if key.startswith("seqsampler.")}


def save_latent(path: Path, latent: torch.Tensor) -> str:
    """Save one frame's output latent ([B, C, ...]) as safetensors, atomically; returns the
    file's SHA-256."""
    from safetensors.torch import save

    data = save({"latent": latent.detach().cpu().contiguous()})
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def load_latent(path: Path) -> torch.Tensor:
    from safetensors.torch import load_file

    return load_file(str(path))["latent"]


class LazyFrames(Sequence[np.ndarray]):
    """Frame PNGs read (and upscaled) one at a time, so writing videos and the contact sheet
    holds one frame in memory, not all of them (memory flat in the frame count)."""

    def __init__(self, paths: Sequence[Path], factor: int = 1) -> None:
        self.paths = list(paths)
        self.factor = factor

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return upscale(load_frames([self.paths[index]])[0], self.factor)

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    def originals(self, limit: int) -> list[np.ndarray]:
        """At most `limit` frames, evenly spaced, at their own size (for a GIF palette)."""
        step = max(1, math.ceil(len(self) / limit))
        return load_frames(self.paths[::step])


def load_frames(paths: Sequence[Path]) -> list[np.ndarray]:
    from PIL import Image

    frames = []
    for path in paths:
        with Image.open(path) as image:
            frames.append(np.asarray(image.convert("RGB")).copy())
    return frames


def upscale(image: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour upscale of [H, W, 3] by an integer factor."""
    if factor == 1:
        return image
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


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


CHANGE_COLOUR = (255, 140, 0)
MAX_SHEET_SIDE = 2048  # pixels; a 2048 x 2048 RGB sheet is 12 MiB


def contact_sheet(
    frames: Sequence[np.ndarray],
    columns: int | None = None,
    prompts: Sequence[object] | None = None,
) -> np.ndarray:
    """Frames in a grid (row-major, 2 px gaps), uint8 [H', W', 3], each tile labelled with its
    frame number. `prompts` (one value per frame, e.g. the plan's (positive, negative) prompt
    indices) marks the tiles where it differs from the previous frame's: an orange outline
    and an orange label."""
    count = len(frames)
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / columns)
    height, width = frames[0].shape[:2]
    # Tiles are subsampled (nearest) so the sheet stays within MAX_SHEET_SIDE a side: its
    # memory is bounded whatever the frame count and upscale.
    stride = max(1, math.ceil(max(columns * width, rows * height) / MAX_SHEET_SIDE))
    height, width = -(-height // stride), -(-width // stride)
    gap = 2
    sheet = np.full(
        (rows * (height + gap) + gap, columns * (width + gap) + gap, 3), 255, dtype=np.uint8
    )
    origins = []
    for index, image in enumerate(frames):
        image = image[::stride, ::stride]
        r, c = divmod(index, columns)
        y, x = gap + r * (height + gap), gap + c * (width + gap)
        sheet[y : y + height, x : x + width] = image
        origins.append((x, y))
    changes = set()
    if prompts is not None:
        changes = {i for i in range(1, count) if prompts[i] != prompts[i - 1]}
    return _label_tiles(sheet, origins, (width, height), changes)


def _label_tiles(
    sheet: np.ndarray, origins: list[tuple[int, int]], size: tuple[int, int], changes: set[int]
) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    width, height = size
    image = Image.fromarray(sheet)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(8, min(48, height // 7)))
    line = max(1, min(width, height) // 32)
    for index, (x, y) in enumerate(origins):
        changed = index in changes
        if changed:
            for k in range(line):
                draw.rectangle(
                    (x + k, y + k, x + width - 1 - k, y + height - 1 - k), outline=CHANGE_COLOUR
                )
        text = str(index)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        box_w, box_h = right - left + 4, bottom - top + 4
        box_w, box_h = min(box_w, width), min(box_h, height)
        bx, by = x + line, y + height - box_h - line
        fill = CHANGE_COLOUR if changed else (20, 20, 20)
        draw.rectangle((bx, by, bx + box_w - 1, by + box_h - 1), fill=fill)
        draw.text((bx + 2 - left, by + 2 - top), text, fill=(255, 255, 255), font=font)
    return np.asarray(image).copy()


def plan_prompts(plan_path: Path) -> list[tuple[int, int]] | None:
    """Each frame's (positive, negative) prompt indices from a run folder's plan.json, or None
    if it cannot be read."""
    try:
        frames = json.loads(plan_path.read_text(encoding="utf-8"))["frames"]
        return [(f["positive"], f["negative"]) for f in frames]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


def save_image(path: Path, image: np.ndarray) -> None:
    """Save uint8 [H, W, 3] as PNG, atomically (no metadata)."""
    save_png(path, image, {})
