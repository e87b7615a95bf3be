"""The 3x3 matrix of one frame's 2D camera motion, Deforum's 2D-mode conventions, in pure Python.

Deforum (`animation.py`, `anim_frame_warp_2d`): centre c = (W·cx, H·cy); R = OpenCV's
getRotationMatrix2D(c, angle, zoom) = [[a, b, (1-a)c_x - b c_y], [-b, a, b c_x + (1-a)c_y]] with
a = zoom·cos(angle), b = zoom·sin(angle); T = [[1, 0, tx], [0, 1, ty]]; M = R·T, so a point p goes
to R(p + t). With the perspective flip on, M = Flip·R·T. Deforum writes that product as
`np.matmul(bM, rot_mat, trans_mat)`, where numpy takes the third argument as `out`, so its
translation is silently dropped when the flip is on; here it is kept.

Matrices map source pixels to destination pixels (as cv2.warpPerspective's M without
WARP_INVERSE_MAP), pixel centres at integer coordinates (OpenCV's convention). A matrix is a
tuple of 3 rows of 3 Python floats (float64), so torch-free code (the metrics, the plan
preview) computes the same matrix as the warps; `warp` and `noise_warp` turn it into a tensor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .knobs import Knobs, check_knobs

Row = tuple[float, float, float]
Matrix = tuple[Row, Row, Row]
IDENTITY: Matrix = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


def matrix(rows: Sequence[Sequence[float]]) -> Matrix:
    """`rows` (3 x 3 numbers) as a Matrix of floats."""
    if len(rows) != 3 or any(len(row) != 3 for row in rows):
        raise ValueError(f"a motion matrix must be 3 x 3; got {[len(r) for r in rows]} columns")
    a, b, c = (tuple(float(v) for v in row) for row in rows)
    return (a, b, c)  # type: ignore[return-value]


def matmul(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]]) -> list[list[float]]:
    """The product a·b of two matrices given as rows (any compatible sizes), as lists."""
    columns = list(zip(*b, strict=True))
    return [
        [math.fsum(x * y for x, y in zip(row, col, strict=True)) for col in columns] for row in a
    ]


def compose(*ms: Matrix) -> Matrix:
    """m_1·m_2·...·m_k (the rightmost applies first)."""
    out: Sequence[Sequence[float]] = IDENTITY
    for m in ms:
        out = matmul(out, m)
    return matrix(out)


def inverse(m: Matrix) -> Matrix:
    """m⁻¹ by the adjugate over the determinant; ValueError when m is singular."""
    (a, b, c), (d, e, f), (g, h, i) = m
    co = ((e * i - f * h, -(d * i - f * g), d * h - e * g),
          (-(b * i - c * h), a * i - c * g, -(a * h - b * g)),
          (b * f - c * e, -(a * f - c * d), a * e - b * d))  # fmt: skip
    det = a * co[0][0] + b * co[0][1] + c * co[0][2]
    if det == 0 or not math.isfinite(det):
        raise ValueError(f"motion matrix {m!r} is singular (determinant {det!r})")
    return matrix([[co[j][k] / det for j in range(3)] for k in range(3)])


def solve(a: Sequence[Sequence[float]], b: Sequence[float]) -> list[float]:
    """x with a·x = b for a square a: Gaussian elimination with partial pivoting (float64)."""
    n = len(b)
    rows = [[float(v) for v in row] + [float(rhs)] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        if rows[pivot][col] == 0:
            raise ValueError("the perspective points are degenerate (a singular system)")
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(col + 1, n):
            factor = rows[r][col] / rows[col][col]
            if factor:
                rows[r] = [x - factor * y for x, y in zip(rows[r], rows[col], strict=True)]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (rows[r][n] - math.fsum(rows[r][c] * x[c] for c in range(r + 1, n))) / rows[r][r]
    return x


def rotation_matrix(center: tuple[float, float], angle: float, zoom: float) -> Matrix:
    """OpenCV getRotationMatrix2D(center, angle degrees CCW, zoom) as a 3x3 matrix."""
    cx, cy = center
    rad = math.radians(angle)
    a, b = zoom * math.cos(rad), zoom * math.sin(rad)
    return ((a, b, (1 - a) * cx - b * cy), (-b, a, b * cx + (1 - a) * cy), (0.0, 0.0, 1.0))


def translation_matrix(tx: float, ty: float) -> Matrix:
    """T = [[1, 0, tx], [0, 1, ty], [0, 0, 1]]."""
    return ((1.0, 0.0, float(tx)), (0.0, 1.0, float(ty)), (0.0, 0.0, 1.0))


def _normaliser(points: Sequence[Sequence[float]]) -> Matrix:
    """Hartley's normalisation: centroid to the origin, mean distance sqrt(2)."""
    mx = math.fsum(p[0] for p in points) / len(points)
    my = math.fsum(p[1] for p in points) / len(points)
    mean = math.fsum(math.hypot(p[0] - mx, p[1] - my) for p in points) / len(points)
    s = math.sqrt(2) / mean
    return ((s, 0.0, -s * mx), (0.0, s, -s * my), (0.0, 0.0, 1.0))


def _through(m: Matrix, x: float, y: float) -> tuple[float, float]:
    w = m[2][0] * x + m[2][1] * y + m[2][2]
    return (m[0][0] * x + m[0][1] * y + m[0][2]) / w, (m[1][0] * x + m[1][1] * y + m[1][2]) / w


def perspective_from_points(
    src: Sequence[Sequence[float]], dst: Sequence[Sequence[float]]
) -> Matrix:
    """The homography with m22 = 1 taking 4 points src to dst (each 4 (x, y) pairs; what
    cv2.getPerspectiveTransform computes): the direct linear transform's 8x8 system, on
    Hartley-normalised points for conditioning (Hartley & Zisserman, Multiple View Geometry,
    4.4), solved by Gaussian elimination with partial pivoting in float64."""
    n_src, n_dst = _normaliser(src), _normaliser(dst)
    rows, rhs = [], []
    for (x0, y0), (u0, v0) in zip(src, dst, strict=True):
        x, y = _through(n_src, x0, y0)
        u, v = _through(n_dst, u0, v0)
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -x * u, -y * u])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -x * v, -y * v])
        rhs += [u, v]
    h = [*solve(rows, rhs), 1.0]
    m = compose(inverse(n_dst), matrix([h[0:3], h[3:6], h[6:9]]), n_src)
    return matrix([[v / m[2][2] for v in row] for row in m])


def _rotation_3d(phi: float, gamma: float, theta: float) -> list[list[float]]:
    """R = R_x(phi)·R_y(gamma)·R_z(theta), degrees, 4x4 (Deforum's getRotationMatrixManual)."""
    sp, cp = math.sin(math.radians(phi)), math.cos(math.radians(phi))
    sg, cg = math.sin(math.radians(gamma)), math.cos(math.radians(gamma))
    st, ct = math.sin(math.radians(theta)), math.cos(math.radians(theta))
    rx = [[1.0, 0.0, 0.0, 0.0], [0.0, cp, -sp, 0.0], [0.0, sp, cp, 0.0], [0.0, 0.0, 0.0, 1.0]]
    ry = [[cg, 0.0, sg, 0.0], [0.0, 1.0, 0.0, 0.0], [-sg, 0.0, cg, 0.0], [0.0, 0.0, 0.0, 1.0]]
    rz = [[ct, -st, 0.0, 0.0], [st, ct, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    return matmul(matmul(rx, ry), rz)


def flip_matrix(
    width: int, height: int, theta: float, phi: float, gamma: float, fv: float
) -> Matrix:
    """Deforum's perspective flip (get_flip_perspective_matrix / warpMatrix) as a 3x3 matrix.

    The frame's corners (±W/2, ±H/2, 0) go through F = P·T_z(-h)·R(phi, gamma, theta) with
    d = sqrt(W² + H²), h = d / (2 sin(fv/2)), near/far planes h ∓ d/2 and P the OpenGL-style
    projection of field of view fv; the homography fitted from the corners (+ (W/2, H/2)) to the
    projected ones ((ndc + 1)·sl/2, sl = d / cos(fv/2)) is then multiplied on the right by the
    translation ((W - sl)/2, (H - sl)/2), as Deforum does (so the flip pivots about
    (sl/2, sl/2), not the frame's centre: Deforum's convention, kept so its settings mean the
    same here). All angles 0 give exactly the identity.
    """
    if theta == 0 and phi == 0 and gamma == 0:
        return IDENTITY
    half = math.radians(fv / 2)
    d = math.hypot(width, height)
    sl = d / math.cos(half)
    h = d / (2 * math.sin(half))
    near, far = h - d / 2, h + d / 2
    t = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -h], [0.0, 0.0, 0.0, 1.0]]
    f0 = 1 / math.tan(half)
    p = [[f0, 0.0, 0.0, 0.0], [0.0, f0, 0.0, 0.0],
         [0.0, 0.0, -(far + near) / (far - near), -2 * far * near / (far - near)],
         [0.0, 0.0, -1.0, 0.0]]  # fmt: skip
    f = matmul(matmul(p, t), _rotation_3d(phi, gamma, theta))
    w2, h2 = width / 2, height / 2
    corners = [(-w2, h2), (w2, h2), (w2, -h2), (-w2, -h2)]
    src, dst = [], []
    for x, y in corners:
        out = [row[0] * x + row[1] * y + row[3] for row in f]
        src.append((x + w2, y + h2))
        dst.append(((out[0] / out[3] + 1) * (sl / 2), (out[1] / out[3] + 1) * (sl / 2)))
    return compose(
        perspective_from_points(src, dst), translation_matrix((width - sl) / 2, (height - sl) / 2)
    )


def frame_matrix(knobs: Knobs, width: int, height: int) -> Matrix:
    """M = Flip·R·T (Flip = I when the perspective flip is off) of one frame for a render of
    `width` x `height` pixels. The default knobs give exactly the identity."""
    check_knobs(knobs, width, height)
    center = (width * knobs.transform_center_x, height * knobs.transform_center_y)
    m = compose(
        rotation_matrix(center, knobs.angle, knobs.zoom),
        translation_matrix(knobs.translation_x, knobs.translation_y),
    )
    if knobs.perspective_flip:
        flip = flip_matrix(
            width,
            height,
            knobs.perspective_flip_theta,
            knobs.perspective_flip_phi,
            knobs.perspective_flip_gamma,
            knobs.perspective_flip_fv,
        )
        m = compose(flip, m)
    return m


def scale_to_grid(m: Matrix, size: tuple[int, int], grid: tuple[int, int]) -> Matrix:
    """`m` on pixels of `size` = (W, H) re-expressed on a grid (w, h) covering the same frame.

    Pixel centres sit at integer coordinates on both grids, so grid cell j covers pixels
    [j·s, (j+1)·s) with s = W/w and its centre is pixel s·j + (s - 1)/2: with
    S = [[sx, 0, (sx-1)/2], [0, sy, (sy-1)/2], [0, 0, 1]], the grid's matrix is S⁻¹·M·S.
    """
    (big_w, big_h), (small_w, small_h) = size, grid
    sx, sy = big_w / small_w, big_h / small_h
    s = ((sx, 0.0, (sx - 1) / 2), (0.0, sy, (sy - 1) / 2), (0.0, 0.0, 1.0))
    s_inv = ((1 / sx, 0.0, -(sx - 1) / (2 * sx)), (0.0, 1 / sy, -(sy - 1) / (2 * sy)),
             (0.0, 0.0, 1.0))  # fmt: skip
    return compose(s_inv, m, s)


def is_identity(m: Sequence[Sequence[float]]) -> bool:
    """Whether `m` is exactly the identity (identity motion must change nothing)."""
    return all(float(m[r][c]) == (1.0 if r == c else 0.0) for r in range(3) for c in range(3))


def apply_point(m: Matrix, x: float, y: float) -> tuple[float, float, float]:
    """The point (x, y) through the homography `m`: (x', y', w), w the homogeneous divisor
    (w <= 0: the point went behind the camera)."""
    w = m[2][0] * x + m[2][1] * y + m[2][2]
    return (m[0][0] * x + m[0][1] * y + m[0][2]) / w, (m[1][0] * x + m[1][1] * y + m[1][2]) / w, w
