"""Grain in flat areas: the rms of the high-pass residual on the background of generated images.

`background_grain(images, scenes)`: for each image, the residual is the image minus its Gaussian
blur (sigma 1 px, per channel, in 0..255 units); it is measured on background pixels only, those
at least 3 px away from every shape the prompt names (drawn by `shapes.render`'s geometry without
jitter) and from every pixel that stands out from the background colour (so a misplaced shape is
not counted as grain). Returns the per-image rms over those pixels and channels.

    .venv/bin/python training/grain.py RUN_FOLDER    (per-frame grain of a rendered sequence)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage
from shapes import COLOURS, Scene, render

MARGIN = 3
STANDS_OUT = 60.0  # distance in RGB from the median border colour that marks a shape pixel


def background_mask(image: np.ndarray, scene: Scene | None = None) -> np.ndarray:
    """bool [32, 32]: True where the pixel is background, away from every shape (those the
    scene names, when given, and whatever stands out from the median border colour)."""
    img = image.astype(np.float64)
    border = np.concatenate([img[0], img[-1], img[1:-1, 0], img[1:-1, -1]])
    shape = np.sqrt(((img - np.median(border, axis=0)) ** 2).sum(-1)) > STANDS_OUT
    if scene is not None:
        plain = Scene(scene.background, tuple(_unjittered(i) for i in scene.items))
        drawn = render(plain).astype(np.float64)
        shape |= np.sqrt(((drawn - COLOURS[scene.background]) ** 2).sum(-1)) > 1.0
    return ~ndimage.binary_dilation(shape, iterations=MARGIN)


def _unjittered(item):
    from dataclasses import replace

    return replace(item, offset=(0.0, 0.0), scale=1.0, tint=(0, 0, 0))


def high_pass(image: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """float [H, W, 3]: the image minus its Gaussian blur (reflected at the edges)."""
    img = image.astype(np.float64)
    return img - ndimage.gaussian_filter(img, sigma=(sigma, sigma, 0), mode="reflect")


def background_grain(
    images: np.ndarray | Sequence[np.ndarray], scenes: Sequence[Scene | None] | None = None
) -> np.ndarray:
    """float [B]: rms (0..255) of the high-pass residual on each image's background pixels
    (`scenes` None: frames of any prompt, masked by what stands out alone)."""
    out = []
    for image, scene in zip(images, scenes or [None] * len(images), strict=True):
        mask = background_mask(image, scene)
        residual = high_pass(image)[mask]
        out.append(float(np.sqrt((residual**2).mean())) if residual.size else float("nan"))
    return np.array(out)


def main() -> None:
    import argparse
    from pathlib import Path

    from PIL import Image

    p = argparse.ArgumentParser(description="per-frame background grain of a run folder")
    p.add_argument("run", type=Path)
    args = p.parse_args()
    paths = sorted((args.run / "frames").glob("*.png"))
    images = [np.asarray(Image.open(path).convert("RGB")) for path in paths]
    values = background_grain(images)
    for path, value in zip(paths, values, strict=True):
        print(f"{path.name} {value:.2f}")
    print(
        f"mean {np.nanmean(values):.2f} median {np.nanmedian(values):.2f} max {np.nanmax(values):.2f}"
    )


if __name__ == "__main__":
    main()
