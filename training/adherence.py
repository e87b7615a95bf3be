"""Prompt adherence of the embedded model, measured with image statistics and rendered templates.

`measure(image)` reads a single-shape 32x32 scene back into named attributes: background = the
nearest named colour to the median border pixel; the shape's coverage = distance from the
background over the distance of its core colour; colour = nearest named colour of the core
(pixels at >= 75% of the largest distance); shape = the template (rendered by `shapes.render`'s
own code, scaled to the measured area, centred on the measured centroid) of highest soft IoU;
size = area against the two nominal areas (geometric midpoint); position = the named centre
nearest to the template-corrected centre. `adherence(...)` samples prompts and scores them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapes import (
    COLOURS,
    IMAGE_SIZE,
    OPPOSITE_PAIRS,
    POSITIONS,
    SHAPES,
    SIZES,
    SUPERSAMPLE,
    Item,
    Scene,
    caption,
)

from seqsampler.models.embedded import (
    DEFAULT_CFG,
    DEFAULT_SAMPLER,
    DEFAULT_SCHEDULER,
    DEFAULT_STEPS,
)

MIN_CONTRAST = 40.0
ATTRIBUTES = ("colour", "shape", "size", "position", "background")


@dataclass(frozen=True)
class Measurement:
    """Named attributes read from an image (`shape` etc. None when no shape stands out)."""

    background: str
    colour: str | None = None
    shape: str | None = None
    size: str | None = None
    position: str | None = None


def _nearest_colour(rgb: np.ndarray) -> str:
    names = list(COLOURS)
    table = np.array([COLOURS[n] for n in names], dtype=np.float64)
    return names[int(np.argmin(((table - rgb) ** 2).sum(axis=1)))]


def _coverage(shape: str, cx: float, cy: float, r: float) -> np.ndarray:
    """Soft coverage [32, 32] in [0, 1] of a shape of half extent r centred at (cx, cy)."""
    from PIL import Image, ImageDraw

    k = SUPERSAMPLE
    canvas = Image.new("L", (IMAGE_SIZE * k, IMAGE_SIZE * k), 0)
    draw = ImageDraw.Draw(canvas)
    cx, cy, r = cx * k, cy * k, r * k
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    elif shape == "square":
        draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=255)
    else:
        draw.polygon(((cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)), fill=255)
    small = canvas.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float64) / 255.0


def _nominal(shape: str) -> tuple[float, float]:
    """(area at half extent 1, centroid's y offset below the centre at half extent 1)."""
    area = {"circle": np.pi, "square": 4.0, "triangle": 2.0}[shape]
    return area, (1.0 / 3.0 if shape == "triangle" else 0.0)


def _cover(img: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(background rgb, distance from it [32, 32], soft shape coverage [32, 32] in [0, 1]); the
    coverage is None when no shape stands out (an image that is all background)."""
    border = np.concatenate([img[0], img[-1], img[1:-1, 0], img[1:-1, -1]])
    bg = np.median(border, axis=0)
    distance = np.sqrt(((img - bg) ** 2).sum(axis=-1))
    top = np.percentile(distance, 99)
    if top < MIN_CONTRAST:
        return bg, distance, None
    core_rgb = img[distance >= 0.75 * top].mean(axis=0)
    contrast = max(np.sqrt(((core_rgb - bg) ** 2).sum()), MIN_CONTRAST)
    cover = np.clip(distance / contrast, 0.0, 1.0)
    cover[cover < 0.25] = 0.0  # drop faint noise far from the shape
    return bg, distance, cover


def centroid(image: np.ndarray) -> tuple[float, float] | None:
    """(x, y) in pixels of the coverage-weighted centre of what stands out from the background,
    or None on an image that is all background."""
    cover = _cover(np.asarray(image, dtype=np.float64))[2]
    if cover is None:
        return None
    ys, xs = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE] + 0.5
    return float((cover * xs).sum() / cover.sum()), float((cover * ys).sum() / cover.sum())


def measure(image: np.ndarray) -> Measurement:
    """Read a single-shape scene, uint8 [32, 32, 3], back into named attributes."""
    img = np.asarray(image, dtype=np.float64)
    if img.shape != (IMAGE_SIZE, IMAGE_SIZE, 3):
        raise ValueError(f"image must be [32, 32, 3]; got {img.shape}")
    bg, distance, cover = _cover(img)
    background = _nearest_colour(bg)
    if cover is None:
        return Measurement(background)
    colour_rgb = img[distance >= 0.75 * np.percentile(distance, 99)].mean(axis=0)
    area = cover.sum()
    ys, xs = np.mgrid[0:IMAGE_SIZE, 0:IMAGE_SIZE] + 0.5
    mx, my = (cover * xs).sum() / area, (cover * ys).sum() / area

    best, best_iou, best_r = SHAPES[0], -1.0, 1.0
    for shape in SHAPES:
        unit_area, dy = _nominal(shape)
        r = float(np.sqrt(area / unit_area))
        template = _coverage(shape, mx, my - dy * r, r)
        iou = np.minimum(template, cover).sum() / np.maximum(template, cover).sum()
        if iou > best_iou:
            best, best_iou, best_r = shape, iou, r
    small, big = SIZES["small"], SIZES["big"]
    size = "big" if best_r > np.sqrt(small * big) else "small"
    cy = my - _nominal(best)[1] * best_r  # the centre of the shape, not its centroid
    centres = {name: np.hypot(mx - x, cy - y) for name, (x, y) in POSITIONS.items()}
    position = min(centres, key=centres.get)
    return Measurement(background, _nearest_colour(colour_rgb), best, size, position)


def prompt_scenes(seed: int, count: int) -> list[Scene]:
    """`count` single-shape scenes with every attribute named, cycling shapes and positions."""
    rng = np.random.default_rng(seed)
    colours = list(COLOURS)
    scenes = []
    for i in range(count):
        background = colours[rng.integers(len(colours))]
        others = [c for c in colours if c != background]
        item = Item(
            others[rng.integers(len(others))],
            SHAPES[i % len(SHAPES)],
            list(SIZES)[(i // len(SHAPES)) % len(SIZES)],
            list(POSITIONS)[i % len(POSITIONS)],
        )
        scenes.append(Scene(background, (item,)))
    return scenes


def pair_scenes(seed: int, count: int) -> list[Scene]:
    """`count` two-shape scenes (two small shapes at opposite positions, as the grammar has them),
    cycling the pair and its order, shapes and colours random."""
    rng = np.random.default_rng(seed)
    colours = list(COLOURS)
    orders = [pair[::step] for pair in OPPOSITE_PAIRS for step in (1, -1)]
    scenes = []
    for i in range(count):
        background = colours[rng.integers(len(colours))]
        others = [c for c in colours if c != background]
        items = tuple(
            Item(others[rng.integers(len(others))], SHAPES[rng.integers(len(SHAPES))], "small", pos)
            for pos in orders[i % len(orders)]
        )
        scenes.append(Scene(background, items))
    return scenes


def measure_halves(image: np.ndarray, axis: str) -> tuple[Measurement, Measurement]:
    """Read a two-shape scene split along `axis` ("left-right" or "top-bottom"): each half is
    measured as a single-shape scene with the other half painted in the background colour.
    Returns the (left, right) or (top, bottom) half's measurement."""
    if axis not in ("left-right", "top-bottom"):
        raise ValueError(f"axis: got {axis!r}; accepted: 'left-right', 'top-bottom'")
    img = np.asarray(image, dtype=np.float64)
    bg = _cover(img)[0]
    half = IMAGE_SIZE // 2
    first, second = img.copy(), img.copy()
    if axis == "left-right":
        first[:, half:], second[:, :half] = bg, bg
    else:
        first[half:], second[:half] = bg, bg
    return measure(first), measure(second)


def score_pairs(scenes: Sequence[Scene], images: np.ndarray) -> dict[str, float]:
    """Fraction right per attribute over the two-shape scenes' items (colour, shape, position:
    each item counts once) and scenes (background). An item's position is right when its named
    half holds a shape of the item's colour at the named position: the halves are measured
    apart, so some shape nearly always reads there; the colour tells whose it is (two items
    swapped, or one colour in both halves, miss)."""
    hits = dict.fromkeys(("colour", "shape", "position", "background"), 0)
    for scene, image in zip(scenes, images, strict=True):
        positions = {item.position for item in scene.items}
        axis = "left-right" if positions == {"left", "right"} else "top-bottom"
        halves = dict(zip(axis.split("-"), measure_halves(image, axis), strict=True))
        hits["background"] += (
            _nearest_colour(_cover(np.asarray(image, float))[0]) == scene.background
        )
        for item in scene.items:
            m = halves[item.position]
            hits["colour"] += m.colour == item.colour
            hits["shape"] += m.shape == item.shape
            hits["position"] += m.position == item.position and m.colour == item.colour
    items = sum(len(s.items) for s in scenes)
    return {k: v / (len(scenes) if k == "background" else items) for k, v in hits.items()}


def score(scenes: Sequence[Scene], images: np.ndarray) -> dict[str, float]:
    """Fraction of images whose measured attribute matches the scene's, per attribute."""
    hits = dict.fromkeys(ATTRIBUTES, 0)
    for scene, image in zip(scenes, images, strict=True):
        m = measure(image)
        item = scene.items[0]
        hits["background"] += m.background == scene.background
        hits["colour"] += m.colour == item.colour
        hits["shape"] += m.shape == item.shape
        hits["size"] += m.size == item.size
        hits["position"] += m.position == item.position
    return {k: v / len(scenes) for k, v in hits.items()}


def captions(scenes: Sequence[Scene]) -> list[str]:
    return [caption(s) for s in scenes]


def sample_prompts(
    model,
    prompts: Sequence[str],
    seed: int,
    *,
    steps: int = DEFAULT_STEPS,
    cfg: float = DEFAULT_CFG,
    sampler_name: str = DEFAULT_SAMPLER,
    scheduler: str = DEFAULT_SCHEDULER,
    negative: str = "",
) -> np.ndarray:
    """Text-to-image for each prompt in one batched KSampler call: uint8 [B, H, W, 3].

    `model` is a `LoadedModel`; the standalone engine samples an empty latent at full denoise
    with ComfyUI's noise for `seed` (item i's noise is the batch draw's i-th).
    """
    import torch

    from seqsampler.conditioning import Conditioning
    from seqsampler.frame_sampler import StandaloneFrameSampler
    from seqsampler.sequence import FrameCall

    conds = [model.encode_prompt(p) for p in prompts]
    positive = Conditioning(
        torch.cat([c.tokens for c in conds]),
        {"pooled_output": torch.cat([c.pooled for c in conds])},
    )
    width, height = model.default_size
    latent = torch.zeros(model.latent_shape(width, height, len(prompts)))
    frame_sampler = StandaloneFrameSampler(model.denoiser, sampler_name, scheduler)
    call = FrameCall(positive, model.encode_prompt(negative), seed=seed, steps=steps, cfg=cfg)
    out = frame_sampler.sample(latent, call)
    images = model.decode(out)
    return (images.permute(0, 2, 3, 1).numpy() * 255).round().astype(np.uint8)
