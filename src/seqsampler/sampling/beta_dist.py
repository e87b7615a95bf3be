"""The Beta distribution's quantile function in pure Python (float64), for the `beta` schedule."""

from __future__ import annotations

import math


def _continued_fraction(x: float, a: float, b: float) -> float:
    """Continued fraction of the incomplete beta function, modified Lentz (Press et al., 6.4)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(1.0 - x, b, a) / b


def beta_ppf(p: float, a: float, b: float) -> float:
    """Inverse of `beta_cdf` in x by bisection to float64 resolution; exact 0.5 for a == b."""
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    if a == b:  # symmetric: keep ppf(1 - p) = 1 - ppf(p) exact, and ppf(0.5) = 0.5
        if p == 0.5:
            return 0.5
        if p > 0.5:
            return 1.0 - beta_ppf(1.0 - p, a, b)
    low, high = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if beta_cdf(mid, a, b) < p:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)
