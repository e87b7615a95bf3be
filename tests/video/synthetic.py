"""Synthetic input videos for the video tests: a pan over a seeded texture, a textured square
moving on a textured background, written with PyAV (lossless or H.264), and a sine audio track."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av")
cv2 = pytest.importorskip("cv2")

# (codec, pixel format, options) per container suffix: .mkv lossless RGB, .mp4 H.264 4:2:0.
CODECS = {
    ".mkv": ("libx264rgb", "rgb24", {"crf": "0"}),
    ".mp4": ("libx264", "yuv420p", {"crf": "12"}),
    ".avi": ("mpeg4", "yuv420p", {"qscale": "2"}),
}


def texture(rng: np.random.Generator, height: int, width: int, cell: int = 4) -> np.ndarray:
    """uint8 [H, W, 3]: seeded noise on a grid of `cell` px, upsampled bicubically (smooth enough
    for optical flow, detailed enough to locate every pixel)."""
    small = rng.random((height // cell + 3, width // cell + 3, 3)).astype(np.float32)
    big = cv2.resize(
        small, (small.shape[1] * cell, small.shape[0] * cell), interpolation=cv2.INTER_CUBIC
    )
    return (np.clip(big[cell : cell + height, cell : cell + width], 0, 1) * 255).round().astype(np.uint8)  # fmt: skip


def pan_frames(
    count: int, size: int, shift: tuple[int, int], seed: int = 0, cell: int = 4
) -> list[np.ndarray]:
    """Windows of a large texture (`cell` px noise) moving by `shift` = (dx, dy) px a frame:
    frame t+1 at x equals frame t at x + shift (the content moves by -shift)."""
    dx, dy = shift
    rng = np.random.default_rng(seed)
    big = texture(rng, size + abs(dy) * count, size + abs(dx) * count, cell)
    x0 = 0 if dx >= 0 else abs(dx) * count
    y0 = 0 if dy >= 0 else abs(dy) * count
    return [big[y0 + t * dy : y0 + t * dy + size, x0 + t * dx : x0 + t * dx + size].copy() for t in range(count)]  # fmt: skip


def square_frames(
    count: int, size: int, side: int, step: int, seed: int = 0
) -> tuple[list[np.ndarray], list[int]]:
    """A textured square of `side` px moving right by `step` px a frame over a still background
    of another texture; returns the frames and the square's left edge per frame (its top is
    centred). Frame t+1 uncovers the `step` columns left of the square's new left edge."""
    rng = np.random.default_rng(seed)
    background = texture(rng, size, size)
    square = texture(rng, side, side)
    top = (size - side) // 2
    frames, lefts = [], []
    for t in range(count):
        left = 4 + t * step
        frame = background.copy()
        frame[top : top + side, left : left + side] = square
        frames.append(frame)
        lefts.append(left)
    return frames, lefts


def write_video(
    path: Path,
    frames: Sequence[np.ndarray],
    fps: int | Fraction = 24,
    audio: np.ndarray | None = None,
    audio_codec: str = "aac",
    sample_rate: int = 44100,
) -> Path:
    """Write uint8 [H, W, 3] frames (codec by the suffix: CODECS) and an optional mono float
    audio track (`audio` in [-1, 1])."""
    codec, pix_fmt, options = CODECS[path.suffix]
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream(codec, rate=fps, options=options)
        stream.height, stream.width = frames[0].shape[:2] if frames else (16, 16)
        stream.pix_fmt = pix_fmt
        sound = None
        if audio is not None:
            sound = container.add_stream(audio_codec, rate=sample_rate)
            sound.layout = "mono"
        container.start_encoding()
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format=pix_fmt)
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
        if sound is not None and audio is not None:
            _write_audio(container, sound, audio, sample_rate)
    return path


def _write_audio(container, sound, audio: np.ndarray, sample_rate: int) -> None:
    fmt = sound.codec_context.format.name if sound.codec_context.format else "fltp"
    resampler = av.AudioResampler(format=fmt, layout="mono", rate=sample_rate)
    chunk = 1024
    for start in range(0, len(audio), chunk):
        piece = audio[None, start : start + chunk].astype(np.float32)
        frame = av.AudioFrame.from_ndarray(piece, format="fltp", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = start
        for converted in resampler.resample(frame):
            container.mux(sound.encode(converted))
    container.mux(sound.encode())


def sine(seconds: float, frequency: float = 440.0, sample_rate: int = 44100) -> np.ndarray:
    """A mono sine at half amplitude, float32 [N]."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def write_folder(folder: Path, frames: Sequence[np.ndarray], names: Sequence[str]) -> Path:
    """Save frames as images named `names` (the suffix picks the format) with Pillow."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for image, name in zip(frames, names, strict=True):
        Image.fromarray(image).save(folder / name, **({"lossless": True} if name.endswith(".webp") else {}))  # fmt: skip
    return folder
