"""The embedded model's world: procedural 32x32 scenes of shapes, with captions from a small grammar.

A scene is one shape, or two small shapes at opposite positions, in named colours on a coloured
background. `sample_scene(rng)` draws one, `render(scene)` paints it (Pillow, 4x supersampled),
`caption(scene)` writes its prompt ("a big red circle on the left, blue background"), and
`make_transition_batch` pairs scenes with a source one attribute away (keyframe transitions).
With `free_rate`, a share of one-shape scenes is laid out freely (`free_item`): anywhere, any size,
turned, captioned without size or position words, so the model keeps the layout it is given.
Everything is deterministic from a `numpy.random.Generator`; the training data, the tests and
the prompt adherence check all come from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from seqsampler.models.vocabulary import (
    COLOUR_NAMES,
    IMAGE_SIZE,
    POSITION_NAMES,
    SHAPES,
    SIZE_NAMES,
)
from seqsampler.motion.transform import apply_point

SUPERSAMPLE = 4

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (240, 215, 40),
    "purple": (140, 50, 190),
    "white": (240, 240, 240),
    "black": (20, 20, 20),
}
SIZES: dict[str, float] = {"small": 4.5, "big": 8.0}  # half extent in pixels
POSITIONS: dict[str, tuple[float, float]] = {  # centre (x, y) in pixels
    "left": (9.0, 16.0),
    "right": (23.0, 16.0),
    "top": (16.0, 9.0),
    "bottom": (16.0, 23.0),
    "center": (16.0, 16.0),
}
POSITION_PHRASES = {
    "left": "on the left",
    "right": "on the right",
    "top": "at the top",
    "bottom": "at the bottom",
    "center": "in the center",
}
assert (tuple(COLOURS), tuple(SIZES), tuple(POSITIONS)) == (
    COLOUR_NAMES,
    SIZE_NAMES,
    POSITION_NAMES,
)
OPPOSITE_PAIRS = (("left", "right"), ("top", "bottom"))

# Rates at which a single-shape caption leaves an attribute out (the model then picks it).
OMIT_RATE = {"size": 0.1, "position": 0.1, "background": 0.1}
TWO_SHAPE_RATE = 0.25
JITTER_PIXELS = 1.0
JITTER_SCALE = 0.08
JITTER_COLOUR = 10
# Keyframe transitions (`make_transition_batch`): which attribute the source scene changes, and how
# often. Position and size are the words a sequence at low denoise follows least.
TRANSITION_WEIGHTS = {
    "position": 0.3,
    "size": 0.3,
    "colour": 0.15,
    "shape": 0.15,
    "background": 0.1,
}
# Free layout (phase 10, camera motion): the centre anywhere within FREE_OFFSET pixels of the
# middle, the half extent log-uniform from below "small" to past the frame's edge (a zoom-in's
# 1.02^48 takes "big" to 20.7), turned up to FREE_ANGLE degrees either way.
FREE_OFFSET = 14.0
FREE_HALF_EXTENT = (3.0, 22.0)
FREE_ANGLE = 30.0
FREE_TRANSITIONS = ("colour", "shape", "background")  # what a free scene's keyframe may change


@dataclass(frozen=True)
class Item:
    """One shape: its named attributes, and the jitter the renderer applies."""

    colour: str
    shape: str
    size: str
    position: str
    offset: tuple[float, float] = (0.0, 0.0)
    scale: float = 1.0
    tint: tuple[int, int, int] = (0, 0, 0)
    angle: float = 0.0  # degrees, counter-clockwise on screen


@dataclass(frozen=True)
class Scene:
    """A background colour and one or two items; `omit` lists the attributes the caption skips;
    `free`: laid out by `free_item` (the caption never names size or position)."""

    background: str
    items: tuple[Item, ...]
    omit: frozenset[str] = frozenset()
    background_tint: tuple[int, int, int] = (0, 0, 0)
    free: bool = False


def _jitter(rng: np.random.Generator) -> dict:
    return {
        "offset": tuple(float(v) for v in rng.uniform(-JITTER_PIXELS, JITTER_PIXELS, 2)),
        "scale": float(rng.uniform(1 - JITTER_SCALE, 1 + JITTER_SCALE)),
        "tint": tuple(int(v) for v in rng.integers(-JITTER_COLOUR, JITTER_COLOUR + 1, 3)),
    }


def free_item(rng: np.random.Generator, colour: str, shape: str) -> Item:
    """A shape laid out freely: centre, half extent and angle drawn from the FREE_ ranges."""
    offset = tuple(float(v) for v in rng.uniform(-FREE_OFFSET, FREE_OFFSET, 2))
    low, high = np.log(FREE_HALF_EXTENT)
    half_extent = float(np.exp(rng.uniform(low, high)))
    tint = tuple(int(v) for v in rng.integers(-JITTER_COLOUR, JITTER_COLOUR + 1, 3))
    angle = float(rng.uniform(-FREE_ANGLE, FREE_ANGLE))
    return Item(colour, shape, "big", "center", offset, half_extent / SIZES["big"], tint, angle)


def sample_scene(rng: np.random.Generator, free_rate: float = 0.0) -> Scene:
    """Draw a random scene (one shape, or with probability TWO_SHAPE_RATE two small ones; a
    fraction `free_rate` of the one-shape ones laid out freely). With `free_rate` 0 the draws are
    those of the phases before free layout existed."""
    colours = list(COLOURS)
    background = colours[rng.integers(len(colours))]
    others = [c for c in colours if c != background]
    bg_tint = tuple(int(v) for v in rng.integers(-JITTER_COLOUR, JITTER_COLOUR + 1, 3))
    if rng.random() < TWO_SHAPE_RATE:
        pair = OPPOSITE_PAIRS[rng.integers(len(OPPOSITE_PAIRS))]
        if rng.random() < 0.5:
            pair = pair[::-1]
        items = tuple(
            Item(
                others[rng.integers(len(others))],
                SHAPES[rng.integers(len(SHAPES))],
                "small",
                position,
                **_jitter(rng),
            )
            for position in pair
        )
        return Scene(background, items, frozenset(), bg_tint)
    if free_rate > 0 and rng.random() < free_rate:
        item = free_item(rng, others[rng.integers(len(others))], SHAPES[rng.integers(len(SHAPES))])
        omit = frozenset({"size", "position"})
        if rng.random() < OMIT_RATE["background"]:
            omit |= {"background"}
        return Scene(background, (item,), omit, bg_tint, free=True)
    item = Item(
        others[rng.integers(len(others))],
        SHAPES[rng.integers(len(SHAPES))],
        list(SIZES)[rng.integers(len(SIZES))],
        list(POSITIONS)[rng.integers(len(POSITIONS))],
        **_jitter(rng),
    )
    omit = frozenset(name for name, rate in OMIT_RATE.items() if rng.random() < rate)
    return Scene(background, (item,), omit, bg_tint)


def _item_phrase(item: Item, omit: frozenset[str]) -> str:
    words = ["a"]
    if "size" not in omit:
        words.append(item.size)
    words += [item.colour, item.shape]
    if "position" not in omit:
        words.append(POSITION_PHRASES[item.position])
    return " ".join(words)


def caption(scene: Scene) -> str:
    """The scene's prompt, e.g. "a big red circle on the left, blue background"."""
    text = " and ".join(_item_phrase(item, scene.omit) for item in scene.items)
    if "background" not in scene.omit:
        text += f", {scene.background} background"
    return text


def _rgb(name: str, tint: tuple[int, int, int]) -> tuple[int, int, int]:
    return tuple(int(np.clip(c + t, 0, 255)) for c, t in zip(COLOURS[name], tint, strict=True))


SQUARE = ((-1, -1), (1, -1), (1, 1), (-1, 1))
TRIANGLE = ((0, -1), (1, 1), (-1, 1))


def _turned(corners, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    """`corners` (unit offsets, y down) scaled by r, turned by `angle` degrees counter-clockwise
    on screen, about (cx, cy)."""
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    return [(cx + r * (c * x + s * y), cy + r * (-s * x + c * y)) for x, y in corners]


def render(scene: Scene) -> np.ndarray:
    """Paint the scene: uint8 [32, 32, 3] (drawn 4x larger, then box-filtered down)."""
    from PIL import Image, ImageDraw

    k = SUPERSAMPLE
    canvas = Image.new(
        "RGB", (IMAGE_SIZE * k, IMAGE_SIZE * k), _rgb(scene.background, scene.background_tint)
    )
    draw = ImageDraw.Draw(canvas)
    for item in scene.items:
        cx, cy = POSITIONS[item.position]
        cx, cy = (cx + item.offset[0]) * k, (cy + item.offset[1]) * k
        r = SIZES[item.size] * item.scale * k
        fill = _rgb(item.colour, item.tint)
        if item.shape == "circle":
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)
        elif item.shape == "square" and item.angle == 0:
            draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=fill)
        else:
            corners = SQUARE if item.shape == "square" else TRIANGLE
            draw.polygon(_turned(corners, cx, cy, r, item.angle), fill=fill)
    small = canvas.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.uint8).copy()


def make_batch(
    rng: np.random.Generator, batch: int, free_rate: float = 0.0
) -> tuple[np.ndarray, list[str]]:
    """`batch` random scenes: images uint8 [B, 32, 32, 3] and their captions."""
    scenes = [sample_scene(rng, free_rate) for _ in range(batch)]
    return np.stack([render(s) for s in scenes]), [caption(s) for s in scenes]


def changed(scene: Scene, rng: np.random.Generator) -> Scene:
    """`scene` (one item) with one attribute, drawn by TRANSITION_WEIGHTS, set to another of its
    values; the item's jitter is kept, and nothing is omitted from the caption. A free scene keeps
    its layout and caption words: only FREE_TRANSITIONS change."""
    (item,) = scene.items
    names = list(FREE_TRANSITIONS if scene.free else TRANSITION_WEIGHTS)
    weights = np.array([TRANSITION_WEIGHTS[name] for name in names])
    omit = scene.omit if scene.free else frozenset()
    attribute = names[rng.choice(len(names), p=weights / weights.sum())]
    if attribute in ("background", "colour"):  # shape and background never share a colour
        options = [c for c in COLOURS if c not in (scene.background, item.colour)]
        if attribute == "background":
            return replace(scene, background=options[rng.integers(len(options))], omit=omit)
    else:
        table = {"position": POSITIONS, "size": SIZES, "shape": SHAPES}[attribute]
        options = [v for v in table if v != getattr(item, attribute)]
    new = replace(item, **{attribute: options[rng.integers(len(options))]})
    return replace(scene, items=(new,), omit=omit)


def moved(scene: Scene, m: Sequence[Sequence[float]]) -> Scene:
    """`scene` with a camera move applied to its layout: m is a similarity (zoom, turn, pan; the
    chain's 3x3 matrix, pixel centres at integers) taking each item's centre, size and angle."""
    zoom = math.hypot(m[0][0], m[1][0])
    turn = math.degrees(math.atan2(-m[1][0], m[0][0]))  # counter-clockwise on screen
    items = []
    for item in scene.items:
        cx, cy = POSITIONS[item.position]
        # apply_point's pixel centres are at integers, the renderer's at half-integers.
        x, y, _ = apply_point(m, cx + item.offset[0] - 0.5, cy + item.offset[1] - 0.5)
        offset = (x + 0.5 - cx, y + 0.5 - cy)
        items.append(replace(item, offset=offset, scale=item.scale * zoom, angle=item.angle + turn))
    return replace(scene, items=tuple(items))


def misbound(scene: Scene, rng: np.random.Generator) -> Scene:
    """`scene` (two items) drawn with the binding wrong, as the model's misses are: the items'
    places swapped, or (half the time) both in the first item's colour."""
    first, second = scene.items
    if rng.random() < 0.5:
        items = (replace(first, position=second.position), replace(second, position=first.position))
    else:
        items = (first, replace(second, colour=first.colour))
    return replace(scene, items=items)


def make_transition_batch(
    rng: np.random.Generator,
    batch: int,
    rate: float,
    pair_rate: float = 0.0,
    free_rate: float = 0.0,
    camera: tuple[float, Callable, Callable] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """`batch` random scenes, of which a fraction `rate` of the one-shape ones come with a source
    that differs in one attribute (`changed`), and a fraction `pair_rate` of the two-shape ones
    with a source bound wrongly (`misbound`): targets and sources uint8 [B, 32, 32, 3] (equal
    where nothing changed) and the targets' captions (which then name every attribute, except a
    free scene's size and position). `free_rate`: as `sample_scene`'s. `camera` = (rate, draw,
    warp_image): that fraction of free scenes become camera pairs, the target drawn moved by
    m = draw(rng) and the source warped by it (camera_pairs.py; the sources are then float32)."""
    targets, sources = [], []
    for _ in range(batch):
        scene = sample_scene(rng, free_rate)
        source = scene
        if len(scene.items) == 1 and rng.random() < rate:
            if not scene.free:
                scene = replace(scene, omit=frozenset())
            source = changed(scene, rng)
        elif len(scene.items) == 2 and pair_rate > 0 and rng.random() < pair_rate:
            source = misbound(scene, rng)
        image = render(source)
        if camera is not None and scene.free and rng.random() < camera[0]:
            m = camera[1](rng)
            scene, image = moved(scene, m), camera[2](image, m)
        targets.append(scene)
        sources.append(image)
    return (
        np.stack([render(s) for s in targets]),
        np.stack([s.astype(np.float32) for s in sources]) if camera else np.stack(sources),
        [caption(s) for s in targets],
    )
