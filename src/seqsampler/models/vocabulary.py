"""The embedded model's words: what its tokenizer knows and the image size it was trained at.

The scenes themselves (geometry, colours' RGB, captions) are training data: training/shapes.py.
"""

from __future__ import annotations

IMAGE_SIZE = 32
COLOUR_NAMES: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple", "white", "black")
SHAPES: tuple[str, ...] = ("circle", "square", "triangle")
SIZE_NAMES: tuple[str, ...] = ("small", "big")
POSITION_NAMES: tuple[str, ...] = ("left", "right", "top", "bottom", "center")

# Fixed order: the tokenizer's ids follow it, so it must never be reordered.
VOCABULARY: tuple[str, ...] = (
    "a",
    "and",
    "background",
    *COLOUR_NAMES,
    *SHAPES,
    *SIZE_NAMES,
    "on",
    "at",
    "in",
    "the",
    *POSITION_NAMES,
)
