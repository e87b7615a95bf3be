"""Motion matrices against Deforum's 2D-mode formulas (reimplemented here in numpy, independently
of src), OpenCV's getRotationMatrix2D / getPerspectiveTransform, and the latent-grid scaling."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from seqsampler.motion.knobs import Knobs, check_knobs
from seqsampler.motion.transform import (
    flip_matrix,
    frame_matrix,
    inverse,
    is_identity,
    matrix,
    perspective_from_points,
    rotation_matrix,
    scale_to_grid,
    solve,
)


def random_knobs(rng: np.random.Generator, flip: bool = False) -> Knobs:
    return Knobs(
        zoom=float(rng.uniform(0.8, 1.25)),
        angle=float(rng.uniform(-30, 30)),
        translation_x=float(rng.uniform(-40, 40)),
        translation_y=float(rng.uniform(-40, 40)),
        transform_center_x=float(rng.uniform(0, 1)),
        transform_center_y=float(rng.uniform(0, 1)),
        perspective_flip=flip,
        perspective_flip_theta=float(rng.uniform(-20, 20)),
        perspective_flip_phi=float(rng.uniform(-20, 20)),
        perspective_flip_gamma=float(rng.uniform(-20, 20)),
        perspective_flip_fv=float(rng.uniform(30, 90)),
    )


def deforum_2d(k: Knobs, w: int, h: int) -> np.ndarray:
    """Deforum's anim_frame_warp_2d matrix in float64: getRotationMatrix2D's closed form, then R·T."""
    cx, cy = w * k.transform_center_x, h * k.transform_center_y
    a = k.zoom * np.cos(np.deg2rad(k.angle))
    b = k.zoom * np.sin(np.deg2rad(k.angle))
    rot = np.array([[a, b, (1 - a) * cx - b * cy], [-b, a, b * cx + (1 - a) * cy], [0, 0, 1]])
    trans = np.array([[1, 0, k.translation_x], [0, 1, k.translation_y], [0, 0, 1.0]])
    return rot @ trans


def deforum_flip_points(k: Knobs, w: int, h: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Deforum's warpMatrix: the corners and their projection through P·T(-h)·R(phi, gamma, theta)."""
    half = np.deg2rad(k.perspective_flip_fv / 2)
    d = np.sqrt(w * w + h * h)
    side, dist = d / np.cos(half), d / (2 * np.sin(half))
    near, far = dist - d / 2, dist + d / 2
    p = np.zeros((4, 4))
    p[0, 0] = p[1, 1] = 1 / np.tan(half)
    p[2, 2], p[2, 3], p[3, 2] = -(far + near) / (far - near), -2 * far * near / (far - near), -1
    t = np.eye(4)
    t[2, 3] = -dist

    def rot(axis: int, deg: float) -> np.ndarray:
        c, s = np.cos(np.deg2rad(deg)), np.sin(np.deg2rad(deg))
        i, j = [(1, 2), (0, 2), (0, 1)][axis]
        r = np.eye(4)
        r[i, i] = r[j, j] = c
        r[i, j], r[j, i] = (-s, s) if axis != 1 else (s, -s)
        return r

    r = rot(0, k.perspective_flip_phi) @ rot(1, k.perspective_flip_gamma)
    r = r @ rot(2, k.perspective_flip_theta)
    corners = np.array([[-w / 2, h / 2, 0, 1], [w / 2, h / 2, 0, 1], [w / 2, -h / 2, 0, 1]])
    corners = np.vstack([corners, [-w / 2, -h / 2, 0, 1]])
    out = corners @ (p @ t @ r).T
    src = corners[:, :2] + [w / 2, h / 2]
    dst = (out[:, :2] / out[:, 3:] + 1) * (0.5 * side)
    return src, dst, side


def dlt_numpy(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    a = np.zeros((8, 8))
    for i, ((x, y), (u, v)) in enumerate(zip(src, dst, strict=True)):
        a[2 * i] = [x, y, 1, 0, 0, 0, -x * u, -y * u]
        a[2 * i + 1] = [0, 0, 0, x, y, 1, -x * v, -y * v]
    return np.append(np.linalg.solve(a, dst.reshape(-1)), 1.0).reshape(3, 3)


def post(side: float, w: int, h: int) -> np.ndarray:
    return np.array([[1, 0, (w - side) / 2], [0, 1, (h - side) / 2], [0, 0, 1.0]])


def centre(k: Knobs) -> tuple[float, float]:
    return k.transform_center_x, k.transform_center_y


SIZES = [(512, 512), (768, 432), (64, 96)]


def test_matrix_matches_deforum_for_20_random_settings():
    rng = np.random.default_rng(29)
    worst = 0.0
    for i in range(20):
        w, h = SIZES[i % len(SIZES)]
        k = random_knobs(rng)
        worst = max(worst, np.abs(np.array(frame_matrix(k, w, h)) - deforum_2d(k, w, h)).max())
    assert worst < 1e-9, worst


def test_rotation_matches_opencv():
    """getRotationMatrix2D takes the centre as float32 (Point2f): given the same float32 centre
    the two agree to 1e-9; from the knobs' float64 centre they differ by |1 - a|·(float32 step)."""
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(1)
    worst_from_knobs = 0.0
    for _ in range(20):
        k = random_knobs(rng)
        k = Knobs(k.zoom, k.angle, 0.0, 0.0, *centre(k))
        c32 = tuple(float(np.float32(512 * c)) for c in centre(k))
        theirs = cv2.getRotationMatrix2D(c32, k.angle, k.zoom)
        assert np.abs(np.array(rotation_matrix(c32, k.angle, k.zoom))[:2] - theirs).max() < 1e-9
        ours = np.array(frame_matrix(k, 512, 512))[:2]
        worst_from_knobs = max(worst_from_knobs, np.abs(ours - theirs).max())
    assert worst_from_knobs < 1e-4


def test_flip_matches_deforum_in_float64_and_keeps_the_translation():
    rng = np.random.default_rng(2)
    for i in range(20):
        w, h = SIZES[i % len(SIZES)]
        k = random_knobs(rng, flip=True)
        src, dst, side = deforum_flip_points(k, w, h)
        flip = dlt_numpy(src, dst) @ post(side, w, h)
        expected = flip @ deforum_2d(k, w, h)  # Flip·R·T
        assert np.abs(np.array(frame_matrix(k, w, h)) - expected).max() < 1e-9
        slipped = np.eye(3)  # Deforum's np.matmul(bM, rot_mat, trans_mat) writes bM·R into T
        np.matmul(flip, deforum_2d(Knobs(k.zoom, k.angle, 0.0, 0.0, *centre(k)), w, h), slipped)
        assert np.abs(slipped - expected).max() > 1.0  # the translation it drops


def test_flip_matches_opencv_float32_procedure():
    """Deforum's own route: float32 corner points into cv2.getPerspectiveTransform."""
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(3)
    for i in range(20):
        w, h = SIZES[i % len(SIZES)]
        k = random_knobs(rng, flip=True)
        src, dst, side = deforum_flip_points(k, w, h)
        theirs = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
        theirs = theirs @ post(side, w, h)
        ours = np.array(
            flip_matrix(
                w,
                h,
                k.perspective_flip_theta,
                k.perspective_flip_phi,
                k.perspective_flip_gamma,
                k.perspective_flip_fv,
            )
        )
        # Corner points rounded to float32 (relative 6e-8 of ~1000 px): compare where the two
        # send the frame's corners, in pixels.
        corners = np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1.0]]).T
        a, b = ours @ corners, theirs @ corners
        assert np.abs(a[:2] / a[2] - b[:2] / b[2]).max() < 1e-3


def test_dlt_matches_opencv_on_exact_points():
    cv2 = pytest.importorskip("cv2")
    rng = np.random.default_rng(4)
    src = np.array([[0, 0], [100, 0], [100, 80], [0, 80]], dtype=np.float32)
    for _ in range(10):
        dst = (src + rng.uniform(-15, 15, src.shape)).astype(np.float32)
        ours = np.array(perspective_from_points(src.tolist(), dst.tolist()))
        # OpenCV's own solve is off the exact solution by up to ~1e-8 here (ours: ~1e-13)
        assert np.abs(ours - cv2.getPerspectiveTransform(src, dst)).max() < 1e-6
        assert np.abs(ours - dlt_numpy(src.astype(float), dst.astype(float))).max() < 1e-9


def test_identity_knobs_give_exactly_the_identity():
    assert is_identity(frame_matrix(Knobs(), 512, 384))
    assert is_identity(frame_matrix(Knobs(transform_center_x=0.37, perspective_flip=True), 64, 64))
    assert not is_identity(frame_matrix(Knobs(zoom=1.0000001), 64, 64))


def test_scale_to_grid_maps_cell_centres():
    """A 2x zoom about pixel (256, 256) (Deforum's centre W/2, half a pixel right of and below
    the middle of pixels 0..511) stays a 2x zoom about that point on an 8x smaller grid: cell j's
    centre is pixel 8j + 3.5, so the fixed point is (256 - 3.5) / 8 = 31.5625."""
    m = frame_matrix(Knobs(zoom=2.0), 512, 512)
    small = np.array(scale_to_grid(m, (512, 512), (64, 64)))
    fixed = np.array([31.5625, 31.5625, 1.0])
    assert np.allclose(small @ fixed, fixed, atol=1e-12)
    assert np.allclose(small[:2, :2], np.array(m)[:2, :2])
    shift = scale_to_grid(frame_matrix(Knobs(translation_x=16.0), 512, 512), (512, 512), (64, 64))
    assert math.isclose(shift[0][2], 2.0) and math.isclose(shift[1][2], 0.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("zoom", 0.0), ("zoom", float("nan")), ("translation_x", 2049.0), ("transform_center_y", 2.5)],
)
def test_bad_knobs_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        check_knobs(Knobs(**{field: value}), 512, 512)


def test_transform_imports_no_torch():
    """The matrix maths is pure Python: the metrics and the plan preview compute a frame's
    matrix without torch."""
    code = (
        "import sys; from seqsampler.motion.transform import frame_matrix; "
        "from seqsampler.motion.knobs import Knobs; frame_matrix(Knobs(zoom=1.1, "
        "perspective_flip=True, perspective_flip_theta=5.0), 64, 48); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_solve_and_inverse_against_numpy():
    rng = np.random.default_rng(5)
    for _ in range(10):
        a = rng.normal(size=(8, 8))
        b = rng.normal(size=8)
        assert np.abs(np.array(solve(a.tolist(), b.tolist())) - np.linalg.solve(a, b)).max() < 1e-9
        m = rng.normal(size=(3, 3))
        assert np.abs(np.array(inverse(matrix(m.tolist()))) - np.linalg.inv(m)).max() < 1e-9
    with pytest.raises(ValueError, match="singular"):
        inverse(matrix([[1, 2, 3], [2, 4, 6], [0, 0, 1]]))
    with pytest.raises(ValueError, match="degenerate"):
        solve([[1.0, 2.0], [2.0, 4.0]], [1.0, 2.0])
