"""Fractional powers M^t of a 3x3 motion matrix, in pure Python floats (no torch, no numpy).

M^t = exp(t·log M) with the principal real logarithm: the motion M applied "t times", so
M^t·M^(1-t) = M and (M^(1/2))² = M; for a Deforum 2D move (a similarity: zoom z, angle θ about
a fixed point, then a translation) M^t is the similarity of zoom z^t, angle t·θ about the same
fixed point. log M by inverse scaling and squaring (Kenney & Laub, "Condition estimates for
matrix functions", SIAM J. Matrix Anal. Appl. 10, 1989; Higham, "Functions of Matrices", 2008,
§11.5): k Denman–Beavers square roots until ‖M^(1/2^k) − I‖ < 1/8, the Mercator series of log(I +
X), times 2^k. exp by scaling and squaring of the Taylor series (Higham §10.3). The principal
logarithm exists when no eigenvalue lies on the closed negative real axis: a camera move turning
less than 180° and keeping its orientation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .transform import IDENTITY, Matrix, compose, inverse, is_identity, matrix

SQRT_TOLERANCE = 1 / 8  # ‖Y − I‖ (Frobenius) below which the log series is summed
MAX_SQRTS = 60
SERIES_TERMS = 60


def _add(a: Sequence[Sequence[float]], b: Sequence[Sequence[float]], s: float = 1.0) -> Matrix:
    """a + s·b."""
    rows = zip(a, b, strict=True)
    return matrix([[x + s * y for x, y in zip(ra, rb, strict=True)] for ra, rb in rows])


def _scale(a: Sequence[Sequence[float]], s: float) -> Matrix:
    return matrix([[s * x for x in row] for row in a])


def _norm(a: Sequence[Sequence[float]]) -> float:
    """The Frobenius norm."""
    return math.sqrt(math.fsum(x * x for row in a for x in row))


def _sqrt(m: Matrix) -> Matrix:
    """The principal square root (Denman & Beavers 1976: Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2)."""
    y, z = m, IDENTITY
    for _ in range(MAX_SQRTS):
        y_next = _scale(_add(y, inverse(z)), 0.5)
        z = _scale(_add(z, inverse(y)), 0.5)
        done = _norm(_add(y_next, y, -1.0)) <= 1e-15 * max(1.0, _norm(y_next))
        y = y_next
        if done:
            return y
    raise ValueError(f"motion matrix {m!r}: its square root does not converge")


def logm(m: Matrix) -> Matrix:
    """The principal real logarithm of `m` (see the module docstring); ValueError when there is
    none (an eigenvalue on the closed negative real axis: a half-turn or a mirror)."""
    y, k = m, 0
    try:
        while _norm(_add(y, IDENTITY, -1.0)) >= SQRT_TOLERANCE:
            if k == MAX_SQRTS:
                raise ValueError("too many square roots")
            y, k = _sqrt(y), k + 1
    except ValueError:
        raise ValueError(
            f"motion matrix {m!r} has no principal real logarithm (a half-turn, a mirror or a "
            "singular move); accepted: moves turning less than 180 degrees"
        ) from None
    x = _add(y, IDENTITY, -1.0)
    total, term = _scale(IDENTITY, 0.0), IDENTITY
    for n in range(1, SERIES_TERMS + 1):
        term = compose(term, x)
        total = _add(total, term, (-1.0) ** (n + 1) / n)
        if _norm(term) / n < 1e-18:
            break
    return _scale(total, 2.0**k)


def expm(a: Matrix) -> Matrix:
    """exp(a): a / 2^j with ‖a / 2^j‖ < 1/2, the Taylor series, squared j times."""
    j = max(0, math.ceil(math.log2(_norm(a) / 0.5))) if _norm(a) > 0.5 else 0
    x = _scale(a, 2.0**-j)
    total, term = IDENTITY, IDENTITY
    for n in range(1, SERIES_TERMS + 1):
        term = _scale(compose(term, x), 1.0 / n)
        total = _add(total, term)
        if _norm(term) < 1e-18:
            break
    for _ in range(j):
        total = compose(total, total)
    return total


def _normaliser(size: tuple[int, int]) -> tuple[Matrix, Matrix]:
    """S taking pixels of a (W, H) frame to [-1, 1] about its centre, and S⁻¹ (conditioning:
    a pixel matrix's translation column is hundreds of pixels; its power is the same map)."""
    width, height = size
    sx, sy = 2.0 / max(width - 1, 1), 2.0 / max(height - 1, 1)
    s = ((sx, 0.0, -1.0), (0.0, sy, -1.0), (0.0, 0.0, 1.0))
    return s, inverse(s)


def matrix_power(m: Matrix, t: float, size: tuple[int, int] | None = None) -> Matrix:
    """M^t (a real t; see the module docstring), normalised to m22 = 1 when m is a homography
    with m22 > 0. `size` = (W, H), the frame the pixel matrix refers to, conditions the
    computation (the result is the same map). Exactly the identity for t = 0 or M = I."""
    if not math.isfinite(t):
        raise ValueError(f"matrix power: t = {t!r}; accepted: a finite number")
    if t == 0 or is_identity(m):
        return IDENTITY
    if t == 1:
        return matrix(m)
    if m[2][2] > 0:
        m = _scale(m, 1.0 / m[2][2])
    s, s_inv = _normaliser(size) if size is not None else (IDENTITY, IDENTITY)
    out = compose(s_inv, expm(_scale(logm(compose(s, m, s_inv)), t)), s)
    return _scale(out, 1.0 / out[2][2]) if out[2][2] > 0 else out
