"""Camera pairs (phase 11): a free scene warped by a small camera move, and the scene drawn moved.

The chain re-samples each frame after the camera's bilinear warp (docs/behaviour.md §13). A model
that re-sharpens a warped edge back where it drew it does not follow the camera: sub-pixel moves
never add up (docs/quality.md, "Camera motion"). Here the source is a render warped by a drawn move
with the chain's own `warp` and `frame_matrix`, the target is the same scene re-drawn with the move
applied to its layout (`shapes.moved`), and train.py's transition loss asks for the target from the
noised source. Every draw comes from the caller's generator.
"""

from __future__ import annotations

import numpy as np
import torch

from seqsampler.models.vocabulary import IMAGE_SIZE
from seqsampler.motion.knobs import Knobs
from seqsampler.motion.transform import Matrix, frame_matrix
from seqsampler.motion.warp import warp

# One frame's camera: zoom per frame, pan in pixels either way, turn in degrees either way
# (the scenario's zoom 1.02 and pans of 0.5-1 px lie inside).
ZOOM = (0.97, 1.05)
SHIFT = 1.5
ANGLE = 3.0


def draw_move(rng: np.random.Generator) -> Matrix:
    """A random camera move as the chain's 3x3 matrix (Deforum's 2D conventions, 32x32)."""
    zoom = float(rng.uniform(*ZOOM))
    tx, ty = (float(v) for v in rng.uniform(-SHIFT, SHIFT, 2))
    angle = float(rng.uniform(-ANGLE, ANGLE))
    knobs = Knobs(zoom=zoom, angle=angle, translation_x=tx, translation_y=ty)
    return frame_matrix(knobs, IMAGE_SIZE, IMAGE_SIZE)


def warp_image(image: np.ndarray, m: Matrix) -> np.ndarray:
    """uint8 [H, W, 3] warped by m as the chain warps a frame (bilinear, replicate border):
    float32 [H, W, 3] in 0..255, not rounded (the chain keeps floats)."""
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float()
    return warp(x, m)[0].permute(1, 2, 0).numpy()
