import pytest
import torch

from seqsampler.conditioning import Conditioning
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.noise import prepare_noise
from seqsampler.sampling import SAMPLERS, sd_sigma_space
from seqsampler.sampling.ksampler import ksampler_sigmas
from seqsampler.sequence import FrameCall

SPACE = sd_sigma_space()
POS = Conditioning(torch.full((1, 77, 4), 1.0))
NEG = Conditioning(torch.zeros(1, 77, 4))


class GaussianModel:
    """Exact posterior mean for N(0, s^2) data, conditioning ignored; counts calls."""

    sigma_space = SPACE

    def __init__(self, s=0.5):
        self.s, self.calls = s, 0

    def __call__(self, x, sigma, cond):
        self.calls += 1
        return x * self.s**2 / (self.s**2 + sigma.reshape(-1, 1, 1, 1) ** 2)


def latent(seed=0):
    return torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(seed)) * 0.5


def test_names_are_validated_at_construction():
    with pytest.raises(ValueError, match="supported samplers: .*euler"):
        StandaloneFrameSampler(GaussianModel(), "euler_a", "normal")
    with pytest.raises(ValueError, match="supported schedulers: .*karras"):
        StandaloneFrameSampler(GaussianModel(), "euler", "Karras")


def test_denoise_zero_and_start_past_end_return_the_input():
    fs = StandaloneFrameSampler(GaussianModel(), "euler", "normal")
    x = latent()
    call = FrameCall(POS, NEG, seed=1, steps=4, cfg=7.0)
    assert fs.sample(x, call, denoise=0.0) is x
    assert fs.sample(x, call, add_noise=False, start_step=4) is x
    assert fs.unsample(x, call, start_step=4) is x
    assert fs.model_evaluations == 0


@pytest.mark.parametrize("sampler", ["euler", "dpmpp_2m_sde", "uni_pc"])
def test_sample_is_ksampler(sampler):
    """sample() = the sampler over KSampler's sigmas from latent + sqrt(1+sigma_0^2) noise."""
    model = GaussianModel()
    fs = StandaloneFrameSampler(model, sampler, "karras")
    x = latent()
    out = fs.sample(x, FrameCall(POS, NEG, seed=42, steps=5, cfg=1.0))
    sigmas = ksampler_sigmas(SPACE, "karras", sampler, 5)
    x0 = x + prepare_noise(x, 42) * torch.sqrt(1 + sigmas[0] ** 2)
    ref = SAMPLERS[sampler](
        lambda x, s, **_: model(x, s, None), x0, sigmas, extra_args={"seed": 42}
    )
    assert torch.equal(out, ref)


def test_partial_denoise_starts_at_sigma_not_sqrt():
    model = GaussianModel()
    fs = StandaloneFrameSampler(model, "euler", "normal")
    x = latent()
    seen = []
    fs.callback = seen.append
    fs.sample(x, FrameCall(POS, NEG, seed=3, steps=2, cfg=1.0), denoise=0.5)
    sigmas = ksampler_sigmas(SPACE, "normal", "euler", 2, 0.5)
    assert torch.equal(seen[0]["x"], x + prepare_noise(x, 3) * sigmas[0])
    assert (
        [s["i"] for s in seen] == [0, 1] and seen[0]["total"] == 2 and seen[0]["phase"] == "sample"
    )


def test_model_evaluations_counts_calls_and_cfg_batches():
    model = GaussianModel()
    fs = StandaloneFrameSampler(model, "heun", "normal")
    fs.sample(latent(), FrameCall(POS, NEG, seed=0, steps=4, cfg=5.0))
    assert fs.model_evaluations == 7 == model.calls  # heun: 2 per step, 1 on the last


def test_same_seed_is_bit_identical_and_seeds_differ():
    run = lambda seed: StandaloneFrameSampler(GaussianModel(), "euler_ancestral", "normal").sample(  # noqa: E731
        latent(), FrameCall(POS, NEG, seed=seed, steps=4, cfg=3.0)
    )
    assert torch.equal(run(5), run(5)) and not torch.equal(run(5), run(6))


@pytest.mark.parametrize("sampler", ["lms", "dpmpp_2m"])
def test_unsample_then_sample_reconstructs(sampler):
    """Inverting to sigma_k and integrating back recovers the latent (ODE reversibility)."""
    model = GaussianModel()
    fs = StandaloneFrameSampler(model, sampler, "karras")
    x = latent(1)
    call = FrameCall(POS, NEG, seed=9, steps=30, cfg=1.0)
    up = fs.unsample(x, call, start_step=15)
    back = fs.sample(up, call, add_noise=False, start_step=15)
    assert fs.model_evaluations == 2 * 15  # behaviour.md 7: 2 (S - k) evaluations
    assert (back - x).abs().max() < 0.03 * x.abs().max()


# (dpm_2 and uni_pc invert with euler too, over their own discard-penultimate schedule.)
@pytest.mark.parametrize("sampler", ["euler_ancestral", "dpmpp_2m_sde", "lcm", "heun"])
def test_stochastic_and_multi_evaluation_samplers_unsample_with_euler(sampler):
    """As the ComfyUI adapter does: only one-evaluation deterministic samplers invert alike."""
    call = FrameCall(POS, NEG, seed=9, steps=10, cfg=1.0)
    ours = StandaloneFrameSampler(GaussianModel(), sampler, "karras").unsample(
        latent(), call, start_step=4
    )
    euler = StandaloneFrameSampler(GaussianModel(), "euler", "karras").unsample(
        latent(), call, start_step=4
    )
    assert torch.equal(ours, euler)


def test_noise_mask_keeps_the_unmasked_region():
    fs = StandaloneFrameSampler(GaussianModel(), "euler", "normal")
    x = latent(2)
    mask = torch.zeros(8, 8)
    mask[:, 4:] = 1.0
    out = fs.sample(x, FrameCall(POS, NEG, seed=1, steps=4, cfg=1.0, noise_mask=mask))
    assert torch.allclose(out[..., :4], x[..., :4], atol=1e-6)
    assert not torch.allclose(out[..., 4:], x[..., 4:], atol=1e-2)


def test_bad_steps():
    fs = StandaloneFrameSampler(GaussianModel(), "euler", "normal")
    with pytest.raises(ValueError, match="steps"):
        fs.sample(latent(), FrameCall(POS, NEG, seed=1, steps=0, cfg=1.0))


def test_cfg_mode_once_applies_to_sample_passes_and_not_to_the_inversion():
    assert StandaloneFrameSampler(GaussianModel(), "euler", "normal").cfg_mode == "full"
    call = FrameCall(POS, NEG, seed=9, steps=10, cfg=5.0)
    by_mode = {m: StandaloneFrameSampler(GaussianModel(), "euler", "karras", cfg_mode=m)
               for m in ("full", "once")}  # fmt: skip
    up = {m: fs.unsample(latent(), call, start_step=4) for m, fs in by_mode.items()}
    assert torch.equal(up["once"], up["full"])
    back = {m: fs.sample(up[m], call, add_noise=False, start_step=4) for m, fs in by_mode.items()}
    assert not torch.allclose(back["once"], back["full"], atol=1e-4)  # once did run here
    assert by_mode["once"].model_evaluations == by_mode["full"].model_evaluations == 2 * 6


def test_noise_mask_keeps_the_unmasked_region_with_once():
    fs = StandaloneFrameSampler(GaussianModel(), "euler", "normal", cfg_mode="once")
    x = latent(2)
    mask = torch.zeros(8, 8)
    mask[:, 4:] = 1.0
    out = fs.sample(x, FrameCall(POS, NEG, seed=1, steps=4, cfg=4.0, noise_mask=mask))
    assert torch.allclose(out[..., :4], x[..., :4], atol=1e-6)
    assert not torch.allclose(out[..., 4:], x[..., 4:], atol=1e-2)
