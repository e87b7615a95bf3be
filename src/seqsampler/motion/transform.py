"""The 3x3 matrix of one frame's 2D camera motion, Deforum's 2D-mode conventions, in float64.

Deforum (`animation.py`, `anim_frame_warp_2d`): centre c = (W·cx, H·cy); R = OpenCV's
getRotationMatrix2D(c, angle, zoom) = [[a, b, (1-a)c_x - b c_y], [-b, a, b c_x + (1-a)c_y]] with
a = zoom·cos(angle), b = zoom·sin(angle); T = [[1, 0, tx], [0, 1, ty]]; M = R·T, so a point p goes
to R(p + t). With the perspective flip on, M = Flip·R·T. Deforum writes that product as
`np.matmul(bM, rot_mat, trans_mat)`, where numpy takes the third argument as `out`, so its
translation is silently dropped when the flip is on; here it is kept.

Matrices map source pixels to destination pixels (as cv2.warpPerspective's M without
WARP_INVERSE_MAP), pixel centres at integer coordinates (OpenCV's convention). All matrices are
torch float64 [3, 3] on the CPU.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .knobs import Knobs, check_knobs

F64 = torch.float64


def rotation_matrix(center: tuple[float, float], angle: float, zoom: float) -> Tensor:
    """OpenCV getRotationMatrix2D(center, angle degrees CCW, zoom) as a [3, 3] float64 matrix."""
    cx, cy = center
    rad = math.radians(angle)
    a, b = zoom * math.cos(rad), zoom * math.sin(rad)
    rows = [[a, b, (1 - a) * cx - b * cy], [-b, a, b * cx + (1 - a) * cy], [0.0, 0.0, 1.0]]
    return torch.tensor(rows, dtype=F64)


def translation_matrix(tx: float, ty: float) -> Tensor:
    """T = [[1, 0, tx], [0, 1, ty], [0, 0, 1]] (float64)."""
    return torch.tensor([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]], dtype=F64)


def _normaliser(points: Tensor) -> Tensor:
    """Hartley's normalisation [3, 3]: centroid to the origin, mean distance sqrt(2)."""
    centroid = points.mean(0)
    scale = math.sqrt(2) / float((points - centroid).norm(dim=1).mean())
    return torch.tensor(
        [[scale, 0.0, -scale * centroid[0]], [0.0, scale, -scale * centroid[1]], [0, 0, 1.0]],
        dtype=F64,
    )


def perspective_from_points(src: Tensor, dst: Tensor) -> Tensor:
    """The homography [3, 3] with m22 = 1 taking 4 points src [4, 2] to dst [4, 2] (what
    cv2.getPerspectiveTransform computes): the direct linear transform's 8x8 system, on
    Hartley-normalised points for conditioning (Hartley & Zisserman, Multiple View Geometry,
    4.4), solved in float64."""
    src, dst = src.to(F64), dst.to(F64)
    n_src, n_dst = _normaliser(src), _normaliser(dst)
    ones = torch.ones(4, 1, dtype=F64)
    s = (torch.cat([src, ones], 1) @ n_src.T)[:, :2]
    d = (torch.cat([dst, ones], 1) @ n_dst.T)[:, :2]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(s.tolist(), d.tolist(), strict=True):
        rows.append([x, y, 1.0, 0.0, 0.0, 0.0, -x * u, -y * u])
        rows.append([0.0, 0.0, 0.0, x, y, 1.0, -x * v, -y * v])
        rhs += [u, v]
    h = torch.linalg.solve(torch.tensor(rows, dtype=F64), torch.tensor(rhs, dtype=F64))
    m = torch.linalg.solve(n_dst, torch.cat([h, torch.ones(1, dtype=F64)]).reshape(3, 3) @ n_src)
    return m / m[2, 2]


def _rotation_3d(phi: float, gamma: float, theta: float) -> Tensor:
    """R = R_x(phi)·R_y(gamma)·R_z(theta), degrees, as [4, 4] (Deforum's getRotationMatrixManual)."""
    sp, cp = math.sin(math.radians(phi)), math.cos(math.radians(phi))
    sg, cg = math.sin(math.radians(gamma)), math.cos(math.radians(gamma))
    st, ct = math.sin(math.radians(theta)), math.cos(math.radians(theta))
    rx = [[1, 0, 0, 0], [0, cp, -sp, 0], [0, sp, cp, 0], [0, 0, 0, 1]]
    ry = [[cg, 0, sg, 0], [0, 1, 0, 0], [-sg, 0, cg, 0], [0, 0, 0, 1]]
    rz = [[ct, -st, 0, 0], [st, ct, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    return torch.tensor(rx, dtype=F64) @ torch.tensor(ry, dtype=F64) @ torch.tensor(rz, dtype=F64)


def flip_matrix(
    width: int, height: int, theta: float, phi: float, gamma: float, fv: float
) -> Tensor:
    """Deforum's perspective flip (get_flip_perspective_matrix / warpMatrix) as [3, 3] float64.

    The frame's corners (±W/2, ±H/2, 0) go through F = P·T_z(-h)·R(phi, gamma, theta) with
    d = sqrt(W² + H²), h = d / (2 sin(fv/2)), near/far planes h ∓ d/2 and P the OpenGL-style
    projection of field of view fv; the homography fitted from the corners (+ (W/2, H/2)) to the
    projected ones ((ndc + 1)·sl/2, sl = d / cos(fv/2)) is then multiplied on the right by the
    translation ((W - sl)/2, (H - sl)/2), as Deforum does (so the flip pivots about
    (sl/2, sl/2), not the frame's centre: Deforum's convention, kept so its settings mean the
    same here). All angles 0 give exactly the identity.
    """
    if theta == 0 and phi == 0 and gamma == 0:
        return torch.eye(3, dtype=F64)
    half = math.radians(fv / 2)
    d = math.hypot(width, height)
    sl = d / math.cos(half)
    h = d / (2 * math.sin(half))
    near, far = h - d / 2, h + d / 2
    t = torch.eye(4, dtype=F64)
    t[2, 3] = -h
    p = torch.zeros(4, 4, dtype=F64)
    p[0, 0] = p[1, 1] = 1 / math.tan(half)
    p[2, 2] = -(far + near) / (far - near)
    p[2, 3] = -2 * far * near / (far - near)
    p[3, 2] = -1.0
    f = p @ t @ _rotation_3d(phi, gamma, theta)
    w2, h2 = width / 2, height / 2
    corners = torch.tensor([[-w2, h2], [w2, h2], [w2, -h2], [-w2, -h2]], dtype=F64)
    homogeneous = torch.cat([corners, torch.zeros(4, 1, dtype=F64), torch.ones(4, 1, dtype=F64)], 1)
    out = homogeneous @ f.T
    projected = out[:, :2] / out[:, 3:]
    src = corners + torch.tensor([w2, h2], dtype=F64)
    dst = (projected + 1) * (sl / 2)
    return perspective_from_points(src, dst) @ translation_matrix(
        (width - sl) / 2, (height - sl) / 2
    )


def frame_matrix(knobs: Knobs, width: int, height: int) -> Tensor:
    """M = Flip·R·T (Flip = I when the perspective flip is off) of one frame, [3, 3] float64,
    for a render of `width` x `height` pixels. The default knobs give exactly the identity."""
    check_knobs(knobs, width, height)
    center = (width * knobs.transform_center_x, height * knobs.transform_center_y)
    m = rotation_matrix(center, knobs.angle, knobs.zoom) @ translation_matrix(
        knobs.translation_x, knobs.translation_y
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
        m = flip @ m
    return m


def scale_to_grid(m: Tensor, size: tuple[int, int], grid: tuple[int, int]) -> Tensor:
    """`m` [3, 3] on pixels of `size` = (W, H) re-expressed on a grid (w, h) covering the same frame.

    Pixel centres sit at integer coordinates on both grids, so grid cell j covers pixels
    [j·s, (j+1)·s) with s = W/w and its centre is pixel s·j + (s - 1)/2: with
    S = [[sx, 0, (sx-1)/2], [0, sy, (sy-1)/2], [0, 0, 1]], the grid's matrix is S⁻¹·M·S.
    """
    (big_w, big_h), (small_w, small_h) = size, grid
    sx, sy = big_w / small_w, big_h / small_h
    s = torch.tensor([[sx, 0.0, (sx - 1) / 2], [0.0, sy, (sy - 1) / 2], [0.0, 0.0, 1.0]], dtype=F64)
    s_inv = torch.tensor(
        [[1 / sx, 0.0, -(sx - 1) / (2 * sx)], [0.0, 1 / sy, -(sy - 1) / (2 * sy)], [0, 0, 1.0]],
        dtype=F64,
    )
    return s_inv @ m.to(F64) @ s


def is_identity(m: Tensor) -> bool:
    """Whether `m` [3, 3] is exactly the identity (identity motion must change nothing)."""
    return bool(torch.equal(m.to(F64), torch.eye(3, dtype=F64, device=m.device)))


def apply(m: Tensor, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Points (x, y) (any equal shapes) through the homography `m`: (x', y', w) in float64, where
    w is the homogeneous divisor (w <= 0: the point went behind the camera)."""
    m = m.to(device=x.device, dtype=F64)
    x, y = x.to(F64), y.to(F64)
    w = m[2, 0] * x + m[2, 1] * y + m[2, 2]
    return (m[0, 0] * x + m[0, 1] * y + m[0, 2]) / w, (m[1, 0] * x + m[1, 1] * y + m[1, 2]) / w, w
