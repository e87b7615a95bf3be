import math

import pytest
import torch
from sampling_analytic import GaussianDenoiser, MixtureDenoiser

from seqsampler.sampling import SAMPLERS, calculate_sigmas, sd_sigma_space
from seqsampler.sampling.samplers import lms_coefficient

SPACE = sd_sigma_space()
REQUIRED = ["euler", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral", "lms",
            "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_2m", "dpmpp_2m_sde", "dpmpp_3m_sde",
            "ddim", "ddpm", "lcm", "uni_pc", "uni_pc_bh2"]  # fmt: skip
DETERMINISTIC = [n for n, e in SAMPLERS.items() if not e.stochastic]
STOCHASTIC = [n for n, e in SAMPLERS.items() if e.stochastic]
POSTERIOR_SAMPLERS = [n for n in STOCHASTIC if n != "lcm"]  # lcm needs a consistency model


def geometric(sigma_0: float, sigma_1: float, n: int) -> torch.Tensor:
    """n steps uniform in log sigma from sigma_0 down to sigma_1 (no final 0), float64."""
    return torch.logspace(math.log10(sigma_0), math.log10(sigma_1), n + 1, dtype=torch.float64)


def test_registry_has_the_required_names():
    assert set(REQUIRED) <= set(SAMPLERS)
    assert {n for n, e in SAMPLERS.items() if e.discard_penultimate} == {
        "dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"}  # fmt: skip
    with pytest.raises(TypeError):
        SAMPLERS["x"] = None  # type: ignore[index]


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shape_dtype_and_one_step(name, dtype):
    x = torch.randn(2, 4, 5, 3, generator=torch.Generator().manual_seed(0), dtype=dtype) * 14.6
    sigmas = calculate_sigmas(SPACE, "karras", 1).to(dtype)
    out = SAMPLERS[name](GaussianDenoiser(), x, sigmas, extra_args={"seed": 3})
    assert out.shape == x.shape and out.dtype == dtype
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_same_seed_is_bit_identical(name):
    x = torch.randn(1, 4, 6, 6, generator=torch.Generator().manual_seed(1)) * 14.6
    sigmas = calculate_sigmas(SPACE, "normal", 6)
    run = lambda seed: SAMPLERS[name](GaussianDenoiser(), x, sigmas, extra_args={"seed": seed})  # noqa: E731
    assert torch.equal(run(7), run(7))
    if SAMPLERS[name].stochastic:
        assert not torch.equal(run(7), run(8))


@pytest.mark.parametrize("name", STOCHASTIC)
def test_stochastic_sampler_needs_a_seed(name):
    x = torch.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match="seed"):
        SAMPLERS[name](GaussianDenoiser(), x, calculate_sigmas(SPACE, "karras", 3))


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_converges_to_probability_flow(name):
    den = GaussianDenoiser(0.5)
    x0 = (
        torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
        * 10
    )
    sigmas = geometric(10.0, 0.05, 64)
    out = SAMPLERS[name](den, x0, sigmas, extra_args={})
    exact = den.exact(x0, 10.0, 0.05)
    assert torch.allclose(out, exact, rtol=3e-2, atol=1e-3), (out - exact).abs().max()


@pytest.mark.parametrize(("name", "order"), [("euler", 1), ("ddim", 1), ("heun", 2), ("dpm_2", 2)])
def test_order_on_the_gaussian_exact_solution(name, order):
    den = GaussianDenoiser(0.5)
    x0 = torch.linspace(-20, 20, 16, dtype=torch.float64).reshape(1, 1, 4, 4)
    exact = den.exact(x0, 10.0, 0.2)
    errors = [
        (SAMPLERS[name](den, x0, geometric(10.0, 0.2, n), extra_args={}) - exact).abs().max().item()
        for n in (16, 32, 64)
    ]
    rates = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert rates[-1] == pytest.approx(order, abs=0.25), (errors, rates)


# The exponential integrators are nearly exact on Gaussian data (D is linear in x), so their
# order is measured on the mixture against a 3000-step Heun reference. lms is order 4 with a
# warm-up; uni_pc's lower-order, corrector-free final step (ComfyUI's setting) caps it at 2.
@pytest.mark.parametrize(("name", "order"), [("euler", 1), ("heun", 2), ("dpmpp_2m", 2), ("lms", 3),
                                             ("uni_pc", 2), ("uni_pc_bh2", 2)])  # fmt: skip
def test_order_on_the_mixture(name, order, mixture_reference):
    x0, reference = mixture_reference
    den = MixtureDenoiser()
    errors = [
        (SAMPLERS[name](den, x0, geometric(20.0, 0.05, n), extra_args={}) - reference)
        .abs()
        .max()
        .item()
        for n in (32, 64, 128)
    ]
    rates = [math.log2(errors[i] / errors[i + 1]) for i in range(2)]
    assert rates[-1] >= order - 0.25, (errors, rates)


@pytest.fixture(scope="module")
def mixture_reference():
    x0 = torch.linspace(-25, 25, 32, dtype=torch.float64).reshape(1, 1, 4, 8)
    return x0, SAMPLERS["heun"](MixtureDenoiser(), x0, geometric(20.0, 0.05, 3000), extra_args={})


@pytest.mark.parametrize("name", DETERMINISTIC)
def test_deterministic_on_a_mixture(name, mixture_reference):
    x0, reference = mixture_reference
    out = SAMPLERS[name](MixtureDenoiser(), x0, geometric(20.0, 0.05, 100), extra_args={})
    assert torch.allclose(out, reference, atol=2e-2), (out - reference).abs().max()


@pytest.mark.parametrize("name", POSTERIOR_SAMPLERS)
def test_stochastic_reproduces_data_statistics(name):
    s, sigma_max = 0.5, float(SPACE.sigma_max)
    den = GaussianDenoiser(s)
    sigmas = calculate_sigmas(SPACE, "karras", 60)
    if SAMPLERS[name].discard_penultimate:
        sigmas = torch.cat([sigmas[:-2], sigmas[-1:]])
    outs = []
    for seed in range(2):
        x = torch.randn(1, 4, 32, 32, generator=torch.Generator().manual_seed(100 + seed))
        x = x * (s**2 + sigma_max**2) ** 0.5
        outs.append(SAMPLERS[name](den, x, sigmas, extra_args={"seed": seed}))
    out = torch.cat(outs)
    assert out.mean().item() == pytest.approx(0.0, abs=0.03)
    # First-order ancestral steps under-disperse a little at 60 steps (weak order 1).
    rel = 0.08 if name in ("euler_ancestral", "ddpm") else 0.05
    assert out.std().item() == pytest.approx(s, rel=rel)


def test_lcm_variance_follows_its_recursion():
    """LCM with a posterior-mean denoiser: Var' = (s^2/(s^2+sigma^2))^2 Var + sigma_next^2."""
    s = 0.5
    sigmas = calculate_sigmas(SPACE, "karras", 8)
    variance = s**2 + float(sigmas[0]) ** 2
    for sigma, sigma_next in zip(sigmas[:-1].tolist(), sigmas[1:].tolist(), strict=True):
        variance = (s**2 / (s**2 + sigma**2)) ** 2 * variance + sigma_next**2
    x = torch.randn(4, 4, 32, 32, generator=torch.Generator().manual_seed(9)) * variance**0
    x = x * (s**2 + float(sigmas[0]) ** 2) ** 0.5
    out = SAMPLERS["lcm"](GaussianDenoiser(s), x, sigmas, extra_args={"seed": 2})
    assert out.std().item() == pytest.approx(variance**0.5, rel=0.03)


def test_stochastic_mixture_modes():
    den = MixtureDenoiser((-1.0, 1.0), 0.2)
    sigma_max = float(SPACE.sigma_max)
    sigmas = calculate_sigmas(SPACE, "karras", 30)
    x = (
        torch.randn(1, 1, 64, 64, generator=torch.Generator().manual_seed(5))
        * (1 + sigma_max**2) ** 0.5
    )
    for name in ("euler_ancestral", "dpmpp_2m_sde", "dpmpp_sde"):
        out = SAMPLERS[name](den, x, sigmas, extra_args={"seed": 1})
        assert (out > 0).float().mean().item() == pytest.approx(0.5, abs=0.05)
        assert out.abs().mean().item() == pytest.approx(1.0, abs=0.08)


@pytest.mark.parametrize("power", [0, 1, 2])
def test_lms_coefficients_integrate_polynomials_exactly(power):
    """Order-3 weights on uneven nodes integrate u^0, u^1, u^2 exactly over [t_3, t_4]."""
    t = [4.0, 3.0, 1.5, 1.0, 0.25]
    approx = sum(lms_coefficient(3, t, 3, j) * t[3 - j] ** power for j in range(3))
    exact = (t[4] ** (power + 1) - t[3] ** (power + 1)) / (power + 1)
    assert approx == pytest.approx(exact, rel=1e-12)


def test_callback_payload():
    seen = []
    sigmas = calculate_sigmas(SPACE, "karras", 3)
    SAMPLERS["euler"](GaussianDenoiser(), torch.zeros(1, 1, 2, 2), sigmas, callback=seen.append)
    assert [p["i"] for p in seen] == [0, 1, 2]
    assert set(seen[0]) == {"x", "i", "sigma", "sigma_hat", "denoised"}


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_no_steps_returns_the_input(name):
    x = torch.randn(1, 2, 3, 3, generator=torch.Generator().manual_seed(0))
    for sigmas in (torch.zeros(0), torch.tensor([3.0])):
        assert torch.equal(SAMPLERS[name](GaussianDenoiser(), x, sigmas, extra_args={"seed": 1}), x)
