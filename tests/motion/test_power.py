"""motion.power: M^t by the principal logarithm, in pure Python."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from seqsampler.motion.knobs import Knobs
from seqsampler.motion.power import expm, logm, matrix_power
from seqsampler.motion.transform import IDENTITY, compose, frame_matrix, inverse

SIZE = (512, 384)
MOVES = [
    Knobs(zoom=1.02, translation_x=0.5),
    Knobs(zoom=0.97, angle=-4.0, translation_x=-3.0, translation_y=7.0),
    Knobs(zoom=1.1, angle=30.0, transform_center_x=0.2, transform_center_y=0.9),
    Knobs(zoom=1.01, perspective_flip=True, perspective_flip_theta=5.0, perspective_flip_phi=3.0),
]


def _normalised(m) -> np.ndarray:
    a = np.array(m, dtype=float)
    return a / a[2, 2]


@pytest.mark.parametrize("knobs", MOVES)
def test_powers_compose_to_the_move(knobs):
    m = frame_matrix(knobs, *SIZE)
    for t in (0.5, 0.25, 0.8):
        whole = compose(matrix_power(m, t, SIZE), matrix_power(m, 1 - t, SIZE))
        assert np.abs(_normalised(whole) - _normalised(m)).max() < 1e-9
    assert np.abs(_normalised(matrix_power(m, -1, SIZE)) - _normalised(inverse(m))).max() < 1e-9
    twice = compose(m, m)
    assert np.abs(_normalised(matrix_power(m, 2, SIZE)) - _normalised(twice)).max() < 1e-8


@pytest.mark.parametrize("t", [0.25, 0.5, 0.7, 2.5, -1.0])
def test_a_similarity_scales_its_zoom_and_angle_about_its_fixed_point(t):
    zoom, angle = 1.05, 12.0
    m = frame_matrix(Knobs(zoom=zoom, angle=angle, translation_x=4.0, translation_y=-2.0), *SIZE)
    p = np.array(matrix_power(m, t, SIZE))
    a = np.array(m)
    fixed = np.linalg.solve(np.eye(2) - a[:2, :2], a[:2, 2])
    assert np.abs(p[:2, :2] @ fixed + p[:2, 2] - fixed).max() < 1e-9
    assert math.isclose(math.sqrt(np.linalg.det(p[:2, :2])), zoom**t, rel_tol=1e-12)
    assert math.isclose(math.degrees(math.atan2(p[0, 1], p[0, 0])), angle * t, abs_tol=1e-9)
    assert p[2].tolist() == [0.0, 0.0, 1.0]


def test_identity_and_zero_power_are_exact():
    m = frame_matrix(Knobs(zoom=1.3, angle=10.0), *SIZE)
    assert matrix_power(m, 0.0, SIZE) == IDENTITY
    assert matrix_power(IDENTITY, 0.37, SIZE) == IDENTITY
    assert matrix_power(m, 1.0, SIZE) == m


def test_log_and_exp_are_inverse():
    m = frame_matrix(Knobs(zoom=0.9, angle=50.0, translation_x=0.1), 8, 8)
    assert np.abs(np.array(expm(logm(m))) - np.array(m)).max() < 1e-12


@pytest.mark.parametrize(
    "m",
    [
        ((-1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0)),  # a half-turn: eigenvalues -1, -1
        ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),  # a mirror
        ((0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),  # singular
    ],
)
def test_no_principal_logarithm_is_a_value_error(m):
    with pytest.raises(ValueError, match="no principal real logarithm"):
        matrix_power(m, 0.5)


def test_bad_t_is_a_value_error():
    with pytest.raises(ValueError, match="t = nan"):
        matrix_power(IDENTITY, float("nan"))


def test_power_imports_no_torch_or_numpy():
    code = (
        "import sys; from seqsampler.motion.power import matrix_power; "
        "matrix_power(((1.02, 0, 0.5), (0, 1.02, 0), (0, 0, 1)), 0.5); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
