import pytest
import torch

from seqsampler.conditioning import Conditioning
from seqsampler.models.denoiser import DiscreteDenoiser, cfg_model, concat_conditioning
from seqsampler.sampling import sd_sigma_space
from seqsampler.sampling.sigma_space import SigmaSpace

SPACE = sd_sigma_space()


def test_sigma_space_round_trip_and_quantisation():
    t = torch.tensor([0.0, 17.0, 500.0, 999.0])
    assert torch.equal(SPACE.timestep(SPACE.sigma(t)), t.long())
    # Between two table entries, the nearest in log sigma wins.
    mid = (SPACE.sigmas[10].log() * 0.3 + SPACE.sigmas[11].log() * 0.7).exp()
    assert int(SPACE.timestep(mid)) == 11
    assert float(SPACE.sigma(torch.tensor(10.5))) == pytest.approx(
        float((SPACE.log_sigmas[10] / 2 + SPACE.log_sigmas[11] / 2).exp()), rel=1e-6
    )


def test_sigma_space_validation():
    with pytest.raises(ValueError):
        SigmaSpace(torch.tensor([2.0, 1.0]))
    with pytest.raises(ValueError, match="prediction"):
        DiscreteDenoiser(lambda x, t, c: x, SPACE, "x0")


@pytest.mark.parametrize("prediction", ["epsilon", "v_prediction"])
def test_perfect_network_gives_the_analytic_denoiser(prediction):
    """With data N(0, s^2) the ideal eps / v networks make D the exact posterior mean."""
    s = 0.7
    x = torch.randn(3, 2, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    sigma = SPACE.sigmas[[50, 400, 999]].double()

    def network(x_in, timestep, cond):
        sig = SPACE.sigmas[timestep.long()].double().reshape(-1, 1, 1, 1)
        x_ve = x_in * (sig**2 + 1) ** 0.5
        x0 = x_ve * s**2 / (s**2 + sig**2)
        eps = (x_ve - x0) / sig
        if prediction == "epsilon":
            return eps
        alpha, sigma_vp = 1 / (sig**2 + 1) ** 0.5, sig / (sig**2 + 1) ** 0.5
        return alpha * eps - sigma_vp * x0  # v = alpha eps - sigma_vp x0

    den = DiscreteDenoiser(network, SPACE, prediction)
    expected = x * s**2 / (s**2 + sigma.reshape(-1, 1, 1, 1) ** 2)
    assert torch.allclose(den(x, sigma, Conditioning(torch.zeros(3, 1, 1))), expected, atol=1e-10)


def test_concat_conditioning_repeats_to_common_length():
    a = Conditioning(torch.ones(1, 77, 8), {"pooled_output": torch.ones(1, 5)})
    b = Conditioning(torch.zeros(1, 154, 8), {"pooled_output": torch.zeros(1, 5)})
    cat = concat_conditioning([a, b], batch=2)
    assert cat.tokens.shape == (4, 154, 8) and cat.pooled.shape == (4, 5)
    assert torch.equal(cat.tokens[0, 77:], a.tokens[0])
    odd = Conditioning(torch.arange(2.0).reshape(2, 1, 1).expand(2, 77, 8))
    assert concat_conditioning([odd], batch=3).tokens[:, 0, 0].tolist() == [0.0, 1.0, 0.0]
    assert concat_conditioning([odd], batch=1).tokens.shape[0] == 1


class Recorder:
    sigma_space = SPACE

    def __init__(self):
        self.batches = []

    def __call__(self, x, sigma, cond):
        self.batches.append((x.shape[0], cond.tokens.shape[0]))
        return x * cond.tokens.mean(dim=(1, 2)).reshape(-1, 1, 1, 1)


def test_cfg_batches_cond_and_uncond_in_one_call():
    rec = Recorder()
    pos, neg = Conditioning(torch.full((1, 77, 4), 2.0)), Conditioning(torch.full((1, 77, 4), 1.0))
    x = torch.ones(2, 1, 2, 2)
    out = cfg_model(rec, pos, neg, 7.5)(x, torch.ones(2))
    assert rec.batches == [(4, 4)]
    assert torch.allclose(out, torch.full_like(x, 1.0 + (2.0 - 1.0) * 7.5))
    rec.batches.clear()
    out = cfg_model(rec, pos, neg, 1.0)(x, torch.ones(2))
    assert rec.batches == [(2, 2)] and torch.allclose(out, 2 * x)
