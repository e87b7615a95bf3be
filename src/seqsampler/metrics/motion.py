"""Motion-compensated change: the camera move the plan asked for undone before measuring.

A frame of a moving sequence differs from the one before it by the camera move (known: the
plan's per-frame 3x3 matrix M_i, source pixels of frame i-1 -> pixels of frame i, Deforum's 2D
conventions, `seqsampler.motion.transform`) and by what the re-sampling changed (flicker,
boiling, morphing). `compensated_change(previous, frame, m)` warps frame i-1 by M_i (OpenCV's
warpPerspective, bilinear) and returns mean |f_i - warp(f_(i-1))| / 255 over the valid region:
the pixels whose source lies inside frame i-1, one pixel in from its edge (so no border fill
enters the measure). No torch; the matrices are passed in as 3 rows of 3 numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .libs import cv2 as _cv2

# The most of the frame the valid region may lose before the measure is undefined (None).
MIN_VALID_SHARE = 0.05
Matrix = Sequence[Sequence[float]]


def check_matrices(matrices: Sequence[Matrix | None], frame_count: int) -> list[np.ndarray | None]:
    """One 3x3 finite, invertible matrix (or None: no motion) per frame, as float64 arrays."""
    if len(matrices) != frame_count:
        raise ValueError(
            f"matrices: got {len(matrices)}; accepted: one 3x3 matrix or None per frame "
            f"({frame_count})"
        )
    out: list[np.ndarray | None] = []
    for index, m in enumerate(matrices):
        if m is None:
            out.append(None)
            continue
        array = np.asarray(m, dtype=np.float64)
        if array.shape != (3, 3) or not np.isfinite(array).all():
            raise ValueError(
                f"matrices[{index}]: got shape {array.shape}; accepted: a finite 3x3 matrix"
            )
        if abs(np.linalg.det(array)) < 1e-12:
            raise ValueError(f"matrices[{index}]: singular; accepted: an invertible 3x3 matrix")
        out.append(array)
    return out


def compensated(previous: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(previous [H, W, 3] uint8 warped by m as float32, the valid mask [H, W] bool)."""
    cv2 = _cv2()
    height, width = previous.shape[:2]
    warped = cv2.warpPerspective(
        previous.astype(np.float32), m, (width, height), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip
    inside = np.zeros((height, width), np.uint8)
    inside[1:-1, 1:-1] = 1  # one pixel in: bilinear samples there use in-frame pixels only
    valid = cv2.warpPerspective(
        inside, m, (width, height), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )  # fmt: skip
    valid = cv2.erode(valid, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_CONSTANT)
    return warped, valid.astype(bool)


def compensated_change(
    previous: np.ndarray, frame: np.ndarray, m: np.ndarray | None
) -> float | None:
    """mean |frame - previous warped by m| / 255 over the valid region (m None: the plain
    change); None when less than MIN_VALID_SHARE of the frame is valid."""
    if m is None:
        return float(np.abs(frame.astype(np.float32) - previous.astype(np.float32)).mean()) / 255
    warped, valid = compensated(previous, m)
    if valid.mean() < MIN_VALID_SHARE:
        return None
    diff = np.abs(frame.astype(np.float32) - warped)[valid]
    return float(diff.mean()) / 255
