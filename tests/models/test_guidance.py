"""Guidance with one unconditional pass (`cfg_mode="once"`, `OnceGuidance`) on analytic models.

TwoBranch is an exact denoiser per branch, picked per batch item by its conditioning: each branch
is the posterior mean of Gaussian data N(mu, s^2) per element (s = 0: all data at mu), or the
uncond branch has a noise estimate E constant in x and sigma (D_u = x - sigma E). `once` must be
exact where the uncond noise estimate does not change along the path (constant E; or cond =
uncond = all data at one point, where the path is x = mu + sigma e and eps_u = e), and close
where it changes little (data concentrated: s << sigma, and cond near uncond).
"""

from __future__ import annotations

import pytest
import torch

from seqsampler.conditioning import Conditioning
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.models.denoiser import OnceGuidance, cfg_model
from seqsampler.planning.fields import check_cfg_mode
from seqsampler.planning.names import CFG_MODES
from seqsampler.sampling import sd_sigma_space
from seqsampler.sequence import FrameCall

SPACE = sd_sigma_space()
POS = Conditioning(torch.ones(1, 4, 8, dtype=torch.float64))
NEG = Conditioning(torch.zeros(1, 4, 8, dtype=torch.float64))
SHAPE = (2, 3, 8, 8)
E = torch.randn(SHAPE[1:], generator=torch.Generator().manual_seed(3), dtype=torch.float64)
SAMPLERS = ["euler", "heun", "dpmpp_2m", "euler_ancestral", "dpmpp_2s_ancestral", "dpmpp_sde"]


def gaussian_posterior_mean(x, sigma_, mu, s):
    """E[x0 | x] for x0 ~ N(mu, s^2) per element and x = x0 + sigma eps."""
    return mu + (x - mu) * s**2 / (s**2 + sigma_**2)


class TwoBranch:
    """Cond: N(mu_c, s_c^2); uncond: N(mu_u, s_u^2), or eps_u = E when s_u is None."""

    sigma_space = SPACE

    def __init__(self, mu_c=0.4, s_c=0.3, mu_u=-0.2, s_u=None):
        self.mu_c, self.s_c, self.mu_u, self.s_u = mu_c, s_c, mu_u, s_u
        self.batches = []

    def __call__(self, x, sigma, cond):
        self.batches.append(x.shape[0])
        sigma_ = sigma.reshape(-1, 1, 1, 1).to(x.dtype)
        d_c = gaussian_posterior_mean(x, sigma_, self.mu_c, self.s_c)
        if self.s_u is None:
            d_u = x - sigma_ * E
        else:
            d_u = gaussian_posterior_mean(x, sigma_, self.mu_u, self.s_u)
        is_cond = cond.tokens.mean(dim=(1, 2)).reshape(-1, 1, 1, 1) > 0.5
        return torch.where(is_cond, d_c, d_u)


def latent(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(SHAPE, generator=g, dtype=torch.float64) * 0.5


def render(model, sampler, mode, *, steps=10, denoise=0.55, cfg=4.0, callback=None):
    fs = StandaloneFrameSampler(model, sampler, "karras", cfg_mode=mode, callback=callback)
    return fs.sample(latent(), FrameCall(POS, NEG, seed=5, steps=steps, cfg=cfg), denoise=denoise)


def once_error(sampler, **model):
    """(max |once - full|, max |full - input|) of one frame on TwoBranch(**model)."""
    full = render(TwoBranch(**model), sampler, "full")
    once = render(TwoBranch(**model), sampler, "once")
    return float((once - full).abs().max()), float((full - latent()).abs().max())


def test_cfg_mode_is_checked():
    assert CFG_MODES == ("full", "once")
    assert check_cfg_mode("once") == "once"
    for bad in ("Once", "twice", None, 1):
        with pytest.raises(ValueError, match="^cfg_mode: got .*; accepted: full, once$"):
            check_cfg_mode(bad)
    with pytest.raises(ValueError, match="cfg_mode: got 'half'"):
        StandaloneFrameSampler(TwoBranch(), "euler", "karras", cfg_mode="half")
    with pytest.raises(ValueError, match="cfg_mode"):
        cfg_model(TwoBranch(), POS, NEG, 4.0, "FULL")


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_once_is_exact_when_the_uncond_noise_estimate_is_constant(sampler):
    """eps_u = E everywhere: held from the first call it is the true value at every later call,
    at whatever x the sampler (multi-stage, stochastic) passes; only the cost changes."""
    full_model, once_model = TwoBranch(), TwoBranch()
    full = render(full_model, sampler, "full")
    once = render(once_model, sampler, "once")
    assert torch.allclose(once, full, rtol=0, atol=1e-12), float((once - full).abs().max())
    assert float((full - latent()).abs().max()) > 1.0  # the frame did change
    calls = len(full_model.batches)
    assert full_model.batches == [4] * calls
    assert once_model.batches == [4] + [2] * (calls - 1)


@pytest.mark.parametrize("sampler", ["euler", "heun", "dpmpp_2m"])
def test_once_is_exact_on_the_uncond_path_of_point_data(sampler):
    """cond = uncond = all data at mu: the ODE path is x = mu + sigma e, eps_u = e all along
    (measured: euler 2e-16, heun 8e-16; dpmpp_2m 7e-7, its steps' float32 sigma ratios leave
    the line by that much)."""
    error, moved = once_error(sampler, mu_c=0.3, s_c=0.0, mu_u=0.3, s_u=0.0)
    assert error < 1e-5 and moved > 1.0, (error, moved)


# Max |once - full| on Gaussian data (mu 0 both branches; latent std 0.5, 10 karras steps,
# denoise 0.55 from sigma 1.51 down to 0.029, cfg 4) as the data spread s shrinks below the
# pass's sigmas, s 0.1 / 0.03 / 0.01: euler 0.34 / 0.065 / 0.0091, heun 0.35 / 0.035 / 0.0070,
# dpmpp_2m 0.34 / 0.058 / 0.0084; the frame itself moves by 1.55. At s 0.01, a cond mean 0.01 /
# 0.1 away from the uncond's raises it to euler 0.039 / 0.31, heun 0.035 / 0.29, dpmpp_2m
# 0.22 / 2.1: the farther guidance takes the path from the uncond's own, the more eps_u moves.
@pytest.mark.parametrize("sampler", ["euler", "heun", "dpmpp_2m"])
def test_once_is_close_where_the_uncond_noise_estimate_changes_little(sampler):
    by_spread = [once_error(sampler, mu_c=0.0, s_c=s, mu_u=0.0, s_u=s) for s in (0.1, 0.03, 0.01)]
    errors = [e for e, _ in by_spread]
    assert errors[0] > errors[1] > errors[2] > 0, errors
    assert errors[2] < 0.02 and min(m for _, m in by_spread) > 1.5, by_spread
    by_gap = [once_error(sampler, mu_c=g, s_c=0.01, mu_u=0.0, s_u=0.01) for g in (0.0, 0.01, 0.1)]
    assert by_gap[0][0] < by_gap[1][0] < by_gap[2][0], by_gap


def test_noise_added_between_calls_is_weighted_cfg_not_1():
    """The docstring's caveat, exactly: on point data (D = mu per branch), x moved by delta
    after the first call leaves -(cfg - 1) delta in once's D, where full's D removes it."""
    model = TwoBranch(mu_c=0.4, s_c=0.0, mu_u=-0.2, s_u=0.0)
    cfg, x, sigma = 4.0, latent(1), torch.full((2,), 0.5, dtype=torch.float64)
    n = torch.randn(SHAPE, generator=torch.Generator().manual_seed(9), dtype=torch.float64)
    once, full = OnceGuidance(model, POS, NEG, cfg), cfg_model(model, POS, NEG, cfg)
    once(x, sigma)
    moved = x + 0.5 * n
    assert torch.allclose(once(moved, sigma) - full(moved, sigma), -(cfg - 1) * 0.5 * n)


def test_once_equals_full_at_the_first_step_and_for_a_one_step_frame():
    steps = {}
    for mode in CFG_MODES:
        seen = []
        render(TwoBranch(s_u=0.6), "euler", mode, callback=seen.append)
        steps[mode] = seen
    assert torch.equal(steps["once"][0]["denoised"], steps["full"][0]["denoised"])
    assert not torch.allclose(steps["once"][-1]["denoised"], steps["full"][-1]["denoised"])
    one = {m: render(TwoBranch(s_u=0.6), "euler", m, steps=1, denoise=1.0) for m in CFG_MODES}
    assert torch.equal(one["once"], one["full"])


def test_once_at_cfg_1_is_the_cond_model():
    for mode in CFG_MODES:
        model = TwoBranch(s_u=0.6)
        out = render(model, "euler", mode, cfg=1.0)
        assert model.batches == [2] * len(model.batches)
    assert torch.equal(out, render(TwoBranch(s_u=0.6), "euler", "full", cfg=1.0))


def test_a_first_call_at_sigma_zero_keeps_nothing():
    model = TwoBranch(s_u=0.6)
    guided = OnceGuidance(model, POS, NEG, 4.0)
    x = latent()
    zero, one = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    full = cfg_model(TwoBranch(s_u=0.6), POS, NEG, 4.0)
    assert torch.equal(guided(x, zero), full(x, zero))  # D(x, 0) = x for both branches
    assert guided.eps_u is None
    assert torch.equal(guided(x, one), full(x, one))  # still the first call that keeps eps_u
    assert model.batches == [4, 4]
    later = guided(x, zero)  # a later call at sigma 0: D_u = x, exact
    assert model.batches == [4, 4, 2] and torch.allclose(later, full(x, zero), atol=1e-15)
    with pytest.raises(ValueError, match=r"eps_u of shape \(2, 3, 8, 8\); got x of shape"):
        guided(x[:1], one[:1])
