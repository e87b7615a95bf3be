"""Run-folder writers: frames as PNG with metadata, latents, a contact sheet (videos: `videos`).

Every file is written to a temporary name in its folder, flushed to disk, then moved into place
with `os.replace`, so a file is either complete or absent, even if the process is killed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch

from ...files import atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

PLAN_KEY = "seqsampler.plan"
SPEC_KEY = "seqsampler.spec"


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
