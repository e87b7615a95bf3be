import math

import pytest
import torch

from seqsampler.sampling import SCHEDULERS, calculate_sigmas, sd_sigma_space
from seqsampler.sampling.beta_dist import beta_ppf

SPACE = sd_sigma_space()


def test_sd_sigma_space_values():
    assert float(SPACE.sigma_max) == pytest.approx(14.614642, rel=1e-6)
    assert float(SPACE.sigma_min) == pytest.approx(0.0291672, rel=1e-5)
    assert len(SPACE.sigmas) == 1000


def test_registry_is_read_only_and_complete():
    expected = {"normal", "karras", "exponential", "sgm_uniform", "simple", "ddim_uniform",
                "beta", "linear_quadratic", "kl_optimal"}  # fmt: skip
    assert set(SCHEDULERS) == expected
    with pytest.raises(TypeError):
        SCHEDULERS["x"] = None  # type: ignore[index]


@pytest.mark.parametrize("name", list(SCHEDULERS))
@pytest.mark.parametrize("steps", [1, 2, 7, 20, 37, 40])
def test_schedule_contract(name, steps):
    sigmas = calculate_sigmas(SPACE, name, steps)
    assert sigmas.dtype == torch.float32 and sigmas.ndim == 1
    assert torch.isfinite(sigmas).all()
    assert float(sigmas[-1]) == 0.0
    assert (sigmas[:-1] > sigmas[1:]).all(), sigmas
    if name == "ddim_uniform":  # ComfyUI: table indices 1, 1 + c, ... with c = T // steps
        assert len(sigmas) == len(range(1, 1000, 1000 // steps)) + 1
    elif name == "beta":
        assert 2 <= len(sigmas) <= steps + 1
    else:
        assert len(sigmas) == steps + 1
    assert float(sigmas[0]) <= float(SPACE.sigma_max) * (1 + 1e-6)


def test_unknown_scheduler_lists_names():
    with pytest.raises(ValueError, match="karras"):
        calculate_sigmas(SPACE, "Karras", 10)


def test_karras_is_eq5():
    n, rho = 10, 7.0
    lo, hi = float(SPACE.sigma_min), float(SPACE.sigma_max)
    expected = [
        (hi ** (1 / rho) + i / (n - 1) * (lo ** (1 / rho) - hi ** (1 / rho))) ** rho
        for i in range(n)
    ]
    assert calculate_sigmas(SPACE, "karras", n)[:-1].tolist() == pytest.approx(expected, rel=1e-5)


def test_exponential_is_uniform_in_log_sigma():
    logs = calculate_sigmas(SPACE, "exponential", 9)[:-1].double().log()
    assert torch.allclose(logs.diff(), logs.diff()[0].expand(8), atol=1e-5)


def test_normal_endpoints_are_the_table_ends():
    sigmas = calculate_sigmas(SPACE, "normal", 10)
    assert float(sigmas[0]) == pytest.approx(float(SPACE.sigma_max), rel=1e-6)
    assert float(sigmas[-2]) == pytest.approx(float(SPACE.sigma_min), rel=1e-5)


def test_simple_picks_table_entries():
    sigmas = calculate_sigmas(SPACE, "simple", 4)
    assert sigmas[:-1].tolist() == [float(SPACE.sigmas[i]) for i in (999, 749, 499, 249)]


def test_kl_optimal_is_uniform_in_arctan():
    a = calculate_sigmas(SPACE, "kl_optimal", 6)[:-1].double().atan()
    assert torch.allclose(a.diff(), a.diff()[0].expand(5), atol=1e-5)


@pytest.mark.parametrize("p", [0.0, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0])
def test_beta_ppf_matches_scipy(p):
    stats = pytest.importorskip("scipy.stats")
    for a, b in [(0.6, 0.6), (0.5, 0.7), (2.0, 3.0)]:
        assert beta_ppf(p, a, b) == pytest.approx(float(stats.beta.ppf(p, a, b)), abs=1e-12)


def test_beta_symmetric_midpoint_is_exact():
    assert beta_ppf(0.5, 0.6, 0.6) == 0.5
    assert math.isclose(beta_ppf(0.25, 0.6, 0.6) + beta_ppf(0.75, 0.6, 0.6), 1.0, abs_tol=1e-15)
