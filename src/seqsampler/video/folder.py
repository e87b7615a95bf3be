"""A folder of numbered images (png, jpg, webp) as a video input, read with Pillow.

Files are ordered by the last number in their name (`frame_9.png` before `frame_10.png`); the
numbers must run without gaps or repeats (one-line errors naming the files). Images of another
size than the first are resized like the others (a note names them). Only the headers are read
when the folder is opened; `frames()` decodes one image at a time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from .source import VideoSource, check_fps, shown, to_tensor

log = logging.getLogger(__name__)

DEFAULT_FOLDER_FPS = 24  # frames from a film or a phone: 24 to 30 fps; 24 is film's
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
ACCEPTED_FOLDER = "a folder of png, jpg or webp images numbered without gaps (frame_0001.png, frame_0002.png, ...)"
_LAST_NUMBER = re.compile(r"(\d+)\D*$")


def import_pillow() -> Any:
    """Pillow's Image module, imported on first use (the `[cli]` extra)."""
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - the [cli] extra
        raise ImportError(
            "reading a folder of images needs Pillow: pip install 'seqsampler[cli]'"
        ) from exc
    return Image


@dataclass
class ImageFolder(VideoSource):
    """Numbered images of a folder, in the order of their numbers."""

    files: tuple[Path, ...] = field(default=(), repr=False)

    def _frames(self, width: int, height: int, start: int) -> Iterator[Tensor]:
        image_module = import_pillow()
        for path in self.files[start:]:
            try:
                with image_module.open(path) as image:
                    image.draft("RGB", (width, height))  # JPEG: decode at a reduced scale
                    rgb = image.convert("RGB")
            except OSError as exc:
                raise ValueError(f"{shown(path)}: cannot be read as an image ({exc})") from None
            if rgb.size != (width, height):
                rgb = rgb.resize((width, height), image_module.Resampling.BICUBIC)
            yield to_tensor(np.array(rgb, dtype=np.uint8))


def numbered_images(folder: Path) -> list[tuple[int, Path]]:
    """(number, path) of the folder's images, sorted; a one-line ValueError for an image with
    no number, a number used twice, or a gap in the numbers."""
    numbered = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        match = _LAST_NUMBER.search(path.stem)
        if match is None:
            raise ValueError(
                f"{shown(path)}: an image with no number in its name; accepted: "
                f"{ACCEPTED_FOLDER} (rename it or move it out)"
            )
        numbered.append((int(match.group(1)), path))
    if not numbered:
        raise ValueError(
            f"{shown(folder)}: no png, jpg or webp images; accepted: {ACCEPTED_FOLDER}"
        )
    numbered.sort()
    for (a, path_a), (b, path_b) in zip(numbered, numbered[1:], strict=False):
        if a == b:
            raise ValueError(
                f"{shown(path_a)} and {shown(path_b.name)} have the same number {a}; accepted: "
                f"{ACCEPTED_FOLDER} (rename one of them)"
            )
        if b > a + 1:
            missing = f"{a + 1}" if b == a + 2 else f"{a + 1} to {b - 1}"
            raise ValueError(
                f"{shown(path_a)} is followed by {shown(path_b.name)}: number {missing} is "
                f"missing; accepted: {ACCEPTED_FOLDER} (renumber the files or fill the gap)"
            )
    return numbered


def open_folder(folder: Path, fps: float | Fraction) -> ImageFolder:
    """Check a folder of numbered images (names, numbering, each header readable) and note
    images whose size differs from the first's."""
    checked = check_fps(fps, folder)
    files = tuple(path for _, path in numbered_images(folder))
    image_module = import_pillow()
    sizes = []
    for path in files:
        try:
            with image_module.open(path) as image:  # reads the header only
                sizes.append(image.size)
        except OSError as exc:
            raise ValueError(
                f"{shown(path)}: cannot be read as an image ({exc}); accepted: {ACCEPTED_FOLDER}"
            ) from None
    first = sizes[0]
    other = [(path, size) for path, size in zip(files, sizes, strict=True) if size != first]
    if other:
        path, size = other[0]
        log.warning(
            "%s: %d of %d images differ in size from %s (%dx%d), the first %s (%dx%d): each is "
            "resized to the render size",
            shown(folder), len(other), len(files), shown(files[0].name), *first,
            shown(path.name), *size,
        )  # fmt: skip
    return ImageFolder(folder, len(files), checked, first, has_audio=False, files=files)
