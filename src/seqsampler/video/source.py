"""What every video input offers: its frame count, frame rate, size, and its frames one at a time.

Frames come as float32 tensors [1, 3, H, W] in [0, 1] (RGB), the convention of the models'
decoded images (`LoadedModel.decode` returns [B, 3, H, W] in [0, 1]; `encode` takes the same),
already resized to the render size. A source holds no frames: `frames()` opens the input, yields
one frame at a time and closes it, so a long or large input never sits in memory.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

log = logging.getLogger(__name__)

MAX_FPS = 1000
ASPECT_TOLERANCE = 0.01  # a relative change of W/H below 1% is rounding, not a change
ACCEPTED = "a video file (mp4, mkv, mov, webm, ...) or a folder of numbered images (png, jpg, webp)"


def shown(path: Path | str) -> str:
    """A path for a one-line message: as is when printable, else escaped (`ascii`)."""
    text = str(path)
    return text if text.isprintable() else ascii(text)


def check_fps(fps: object, path: Path) -> Fraction:
    """`fps` as a Fraction, or a one-line ValueError naming the input unless 0 < fps <= MAX_FPS."""
    if isinstance(fps, bool) or not isinstance(fps, (int, float, Fraction)):
        raise ValueError(
            f"{shown(path)}: frame rate {fps!r} is not a number; accepted: 0 < fps <= {MAX_FPS} "
            "(give the frame rate explicitly)"
        )
    if not math.isfinite(fps) or not 0 < fps <= MAX_FPS:
        raise ValueError(
            f"{shown(path)}: frame rate {float(fps):g} fps; accepted: 0 < fps <= {MAX_FPS} (re-encode it "
            "with a frame rate, e.g. ffmpeg -i in.mp4 -r 24 out.mp4, or give the frame rate "
            "explicitly)"
        )
    return Fraction(fps).limit_denominator(1_000_000)


def check_size(width: object, height: object) -> tuple[int, int]:
    """The render size as ints >= 1, or a ValueError."""
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"frames: {name} {value!r}; accepted: an int >= 1")
    return int(width), int(height)  # type: ignore[call-overload]


def to_tensor(rgb: np.ndarray) -> Tensor:
    """uint8 [H, W, 3] RGB -> float32 [1, 3, H, W] in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float().div_(255)


@dataclass
class VideoSource:
    """An opened video input: a video file (`reader.VideoFile`) or an image folder
    (`folder.ImageFolder`). `frames(width, height, start)` yields frames start .. frame_count-1."""

    path: Path
    frame_count: int
    fps: Fraction
    size: tuple[int, int]  # (W, H) of the input
    has_audio: bool
    _aspect_noted: bool = field(default=False, init=False, repr=False, compare=False)

    def frames(self, width: int, height: int, start: int = 0) -> Iterator[Tensor]:
        """Frames start .. frame_count-1 as float32 [1, 3, height, width] in [0, 1], one at a
        time, resized to (width, height); frames before `start` are decoded and dropped."""
        width, height = check_size(width, height)
        if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start:
            raise ValueError(f"{shown(self.path)}: start {start!r}; accepted: an int >= 0")
        if start > self.frame_count:
            raise ValueError(
                f"{shown(self.path)}: start frame {start} is past the input's {self.frame_count} frames; "
                f"accepted: 0 <= start <= {self.frame_count}"
            )
        self._note_aspect(width, height)
        return self._frames(width, height, start)

    def _frames(self, width: int, height: int, start: int) -> Iterator[Tensor]:
        raise NotImplementedError

    def _note_aspect(self, width: int, height: int) -> None:
        """Log once per source when the render size's aspect ratio differs from the input's."""
        if self._aspect_noted:
            return
        source_w, source_h = self.size
        if abs((width / height) / (source_w / source_h) - 1) > ASPECT_TOLERANCE:
            log.warning(
                "%s: the input is %dx%d (aspect %.3f), the render size %dx%d (aspect %.3f): "
                "frames are stretched to the render size; give a size of the input's aspect to "
                "keep its proportions",
                shown(self.path), source_w, source_h, source_w / source_h, width, height, width / height,
            )  # fmt: skip
            self._aspect_noted = True
