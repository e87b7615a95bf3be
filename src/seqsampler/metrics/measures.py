"""Per-frame quality measures of a frame sequence (docs/quality.md has the definitions).

Needs numpy, scikit-image and opencv-python-headless (the `[cli]` extra); no torch, no weights.
Every measure but the colour drift compares frame i with frame i - 1, so frame 0 has `None`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .libs import cv2 as _cv2
from .motion import check_matrices, compensated_change

METRICS_VERSION = 1
# Per-frame series, in the order of metrics.csv and of the summary table.
SERIES = (
    "flicker",
    "flicker_hf",
    "change",
    "flow_residual",
    "ssim",
    "delta_e_first",
    "delta_e_segment",
)
# With camera motion in the plan (`matrices`): the change after undoing the camera (motion.py).
MOTION_SERIES = ("flicker_motion", "change_motion")
# Which end of a series is the bad one (the summary's `worst_frame`).
HIGHER_IS_BETTER = {"flicker": True, "flicker_hf": True, "ssim": True, "flicker_motion": True}
UNITS = {
    "flicker": "1 = still",
    "flicker_hf": "1 = still",
    "change": "|diff|/255",
    "flow_residual": "|diff|/255",
    "ssim": "1 = same",
    "delta_e_first": "dE2000",
    "delta_e_segment": "dE2000",
    "flicker_motion": "1 = still",
    "change_motion": "|diff|/255",
}
HF_SIGMA = 2.0  # px: the Gaussian the high-pass subtracts (detail finer than ~2 sigma remains)
COLOR_SIZE = 128  # px: the colour drift's analysis size (longest side, area-averaged)
SSIM_WINDOW = 7  # scikit-image's default: a 7x7 uniform window
FLOW_PRESET = "fast"
FLOW_PRESETS = ("ultrafast", "fast", "medium")
MIN_SIDE = SSIM_WINDOW
ACCEPTED_FRAMES = f"at least 2 frames, uint8 arrays HxWx3 of one size, each side >= {MIN_SIDE}"


def _skimage_color() -> Any:
    try:
        from skimage import color
    except ImportError as exc:  # pragma: no cover - the [cli] extra
        raise ImportError(
            "seqsampler.metrics needs scikit-image: pip install 'seqsampler[cli]'"
        ) from exc
    return color


def check_frames(frames: Sequence[np.ndarray]) -> tuple[int, int]:
    """Raise ValueError unless `frames` is accepted (ACCEPTED_FRAMES); return (height, width)."""
    if len(frames) < 2:
        raise ValueError(f"frames: got {len(frames)} frame(s); accepted: {ACCEPTED_FRAMES}")
    first = frames[0]
    for index, frame in enumerate(frames):
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3:
            got = (
                f"{type(frame).__name__} {getattr(frame, 'dtype', '')} "
                f"shape {getattr(frame, 'shape', '?')}"
            )
            raise ValueError(f"frames[{index}]: got {got}; accepted: {ACCEPTED_FRAMES}")
        if frame.shape != first.shape or frame.shape[2] != 3:
            raise ValueError(
                f"frames[{index}]: shape {frame.shape} differs from frame 0's {first.shape}; "
                f"accepted: {ACCEPTED_FRAMES}"
            )
    height, width = first.shape[:2]
    if min(height, width) < MIN_SIDE:
        raise ValueError(f"frames: size {width}x{height} is too small; accepted: {ACCEPTED_FRAMES}")
    return height, width


def series_names(metrics: dict[str, Any]) -> tuple[str, ...]:
    """The per-frame series of a result: SERIES, then MOTION_SERIES when it has them."""
    return SERIES + (MOTION_SERIES if MOTION_SERIES[0] in metrics["frames"] else ())


def check_segment_starts(segment_starts: Sequence[int], frame_count: int) -> list[int]:
    """Sorted, unique segment starts in [0, frame_count), 0 always included."""
    starts = set()
    for start in segment_starts:
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)):
            raise ValueError(
                f"segment_starts: got {start!r}; accepted: frame indices (ints) in "
                f"[0, {frame_count})"
            )
        if not 0 <= start < frame_count:
            raise ValueError(
                f"segment_starts: frame {start} is outside the {frame_count} frames; "
                f"accepted: ints in [0, {frame_count})"
            )
        starts.add(int(start))
    return sorted(starts | {0})


def segment_starts_of(prompt_indices: Sequence[int]) -> list[int]:
    """The frames where the prompt index changes (frame 0 always starts a segment)."""
    return [i for i, p in enumerate(prompt_indices) if i == 0 or p != prompt_indices[i - 1]]


def _gray(frame: np.ndarray) -> np.ndarray:
    return _cv2().cvtColor(frame, _cv2().COLOR_RGB2GRAY)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """scikit-image's `structural_similarity(a, b, data_range=255)` on 2-D uint8 images (7x7
    uniform window, sample covariance, borders cropped), computed with OpenCV box filters: the
    same value (to ~1e-6) about 20x faster."""
    cv2 = _cv2()
    x, y = a.astype(np.float64), b.astype(np.float64)
    win, n = SSIM_WINDOW, SSIM_WINDOW**2

    def mean(image: np.ndarray) -> np.ndarray:
        return cv2.blur(image, (win, win), borderType=cv2.BORDER_REFLECT)

    ux, uy = mean(x), mean(y)
    cov_norm = n / (n - 1)
    vx = cov_norm * (mean(x * x) - ux * ux)
    vy = cov_norm * (mean(y * y) - uy * uy)
    vxy = cov_norm * (mean(x * y) - ux * uy)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    pad = (win - 1) // 2
    return float(s[pad:-pad, pad:-pad].mean())


def _flow_warp(previous: np.ndarray, gray_prev: np.ndarray, gray: np.ndarray, dis: Any):
    """`previous` warped onto the current frame by DIS optical flow (current -> previous)."""
    cv2 = _cv2()
    flow = dis.calc(gray, gray_prev, None)
    height, width = gray.shape
    grid_x, grid_y = np.meshgrid(
        np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)
    )
    return cv2.remap(
        previous,
        grid_x + flow[..., 0],
        grid_y + flow[..., 1],
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _lab_small(frame: np.ndarray, size: int) -> np.ndarray:
    """CIE Lab (D65) of the frame area-averaged so its longest side is at most `size`."""
    cv2 = _cv2()
    height, width = frame.shape[:2]
    scale = size / max(height, width)
    if scale < 1:
        shape = (max(1, round(width * scale)), max(1, round(height * scale)))
        frame = cv2.resize(frame, shape, interpolation=cv2.INTER_AREA)
    return _skimage_color().rgb2lab(frame)


def _mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(_cv2().absdiff(a, b).mean()) / 255.0


def delta_e(lab_a: np.ndarray, lab_b: np.ndarray) -> float:
    """Mean CIEDE2000 colour difference of two Lab images."""
    return float(_skimage_color().deltaE_ciede2000(lab_a, lab_b, channel_axis=-1).mean())


def _stats(values: Sequence[float | None], higher_is_better: bool) -> dict[str, Any]:
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if not present:  # e.g. the camera left no valid region on any frame
        return {"mean": None, "min": None, "max": None, "worst_frame": None}
    numbers = [v for _, v in present]
    worst = (min if higher_is_better else max)(present, key=lambda item: item[1])
    return {
        "mean": float(np.mean(numbers)),
        "min": float(min(numbers)),
        "max": float(max(numbers)),
        "worst_frame": worst[0],
    }


def seam_ratio(seam: float, median_change: float) -> float | None:
    """seam / median consecutive change; 1.0 when both are 0, None (unbounded) when only the
    median is 0."""
    if median_change > 0:
        return seam / median_change
    return 1.0 if seam == 0 else None


def sequence_metrics(
    frames: Sequence[np.ndarray],
    segment_starts: Sequence[int] = (0,),
    *,
    hf_sigma: float = HF_SIGMA,
    color_size: int = COLOR_SIZE,
    flow_preset: str = FLOW_PRESET,
    matrices: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """The quality measures of `frames` (uint8 [H, W, 3], one size) per frame and for the run.

    `matrices`: the plan's camera move into each frame (a 3x3 matrix, source pixels of frame
    i-1 -> frame i, or None), one per frame; when any is given the result also holds
    MOTION_SERIES, the change after undoing the camera (`motion.compensated_change`).
    `segment_starts`: the frames where a prompt segment begins (0 is always one); the colour
    drift is measured against frame 0 and against the first frame of each frame's segment.
    Returns `{"version", "frame_count", "width", "height", "segment_starts", "settings",
    "frames": {series: [per frame, None where undefined]}, "summary": {series: {mean, min, max,
    worst_frame}, "seam": {change, median_change, ratio}}}` (docs/quality.md).
    """
    cv2 = _cv2()
    height, width = check_frames(frames)
    count = len(frames)
    starts = check_segment_starts(segment_starts, count)
    if not (isinstance(hf_sigma, (int, float)) and hf_sigma > 0 and math.isfinite(hf_sigma)):
        raise ValueError(f"hf_sigma: got {hf_sigma!r}; accepted: a number > 0 (pixels)")
    if isinstance(color_size, bool) or not isinstance(color_size, int) or color_size < 1:
        raise ValueError(f"color_size: got {color_size!r}; accepted: an int >= 1 (pixels)")
    if flow_preset not in FLOW_PRESETS:
        raise ValueError(f"flow_preset: got {flow_preset!r}; accepted: {', '.join(FLOW_PRESETS)}")

    moves = None if matrices is None else check_matrices(matrices, count)
    if moves is not None and all(m is None for m in moves):
        moves = None
    dis = cv2.DISOpticalFlow_create(getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{flow_preset.upper()}"))
    names = SERIES + (MOTION_SERIES if moves is not None else ())
    series: dict[str, list[float | None]] = {name: [None] * count for name in names}
    series["delta_e_first"][0] = series["delta_e_segment"][0] = 0.0
    lab_first = _lab_small(frames[0], color_size)
    lab_segment = lab_first
    previous = frames[0]
    gray_prev = _gray(previous)
    for i in range(1, count):
        frame = frames[i]
        gray = _gray(frame)
        diff = frame.astype(np.float32) - previous.astype(np.float32)
        change = float(np.abs(diff).mean()) / 255.0
        high = diff - cv2.GaussianBlur(diff, (0, 0), hf_sigma, borderType=cv2.BORDER_REFLECT)
        series["change"][i] = change
        series["flicker"][i] = 1.0 - change
        series["flicker_hf"][i] = 1.0 - float(np.abs(high).mean()) / 255.0
        series["ssim"][i] = ssim(gray_prev, gray)
        warped = _flow_warp(previous, gray_prev, gray, dis)
        series["flow_residual"][i] = _mean_abs(frame, warped)
        if moves is not None:
            moved = compensated_change(previous, frame, moves[i])
            series["change_motion"][i] = moved
            series["flicker_motion"][i] = None if moved is None else 1.0 - moved
        lab = _lab_small(frame, color_size)
        if i in starts:
            lab_segment = lab
        series["delta_e_first"][i] = delta_e(lab, lab_first)
        series["delta_e_segment"][i] = 0.0 if i in starts else delta_e(lab, lab_segment)
        previous, gray_prev = frame, gray

    summary: dict[str, Any] = {
        name: _stats(series[name], HIGHER_IS_BETTER.get(name, False)) for name in names
    }
    seam = _mean_abs(frames[-1], frames[0])
    median_change = float(np.median([c for c in series["change"] if c is not None]))
    summary["seam"] = {
        "change": seam,
        "median_change": median_change,
        "ratio": seam_ratio(seam, median_change),
    }
    return {
        "version": METRICS_VERSION,
        "frame_count": count,
        "width": width,
        "height": height,
        "segment_starts": starts,
        "settings": {
            "hf_sigma": float(hf_sigma),
            "color_size": color_size,
            "flow_preset": flow_preset,
            "ssim": f"luma (OpenCV RGB2GRAY), {SSIM_WINDOW}x{SSIM_WINDOW} uniform window",
        },
        "frames": series,
        "summary": summary,
    }
