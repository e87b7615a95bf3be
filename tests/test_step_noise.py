"""A stochastic sampler's per-step noise under noise_warp (seqsampler.step_noise): L layers are
enough for every registered sampler at any steps / denoise / path, the sampler takes layer k at
its k-th draw, deterministic samplers and the inversion ignore them, and too few is an error."""

from __future__ import annotations

import itertools

import pytest
import torch
from test_frame_sampler import NEG, POS, SPACE, GaussianModel, latent

import seqsampler.frame_sampler as frame_sampler_module
from seqsampler import SequenceConfig, plan
from seqsampler.camera_noise import FrameNoise
from seqsampler.frame_call import run_frame
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.noise import prepare_noise
from seqsampler.sampling import SAMPLERS
from seqsampler.sampling.ksampler import ksampler_sigmas
from seqsampler.sequence import FrameCall
from seqsampler.step_noise import NOISE_CALLS_PER_STEP, runs_sampler, step_layers

STOCHASTIC = [name for name, entry in SAMPLERS.items() if entry.stochastic]


def test_the_table_knows_exactly_the_registered_stochastic_samplers():
    known = {name for name in SAMPLERS if name in NOISE_CALLS_PER_STEP}
    assert known == set(STOCHASTIC) and len(STOCHASTIC) >= 8
    assert step_layers(plan(SequenceConfig(sampler_name="euler", steps=9))) == 0


def counting(monkeypatch):
    """Count the draws every layered noise sampler the frame sampler builds hands out."""
    counts = []
    original = frame_sampler_module.layered_noise_sampler

    def spy(layers, like, name):
        inner = original(layers, like, name)
        counts.append(0)

        def draw(sigma, sigma_next):
            counts[-1] += 1
            return inner(sigma, sigma_next)

        return draw

    monkeypatch.setattr(frame_sampler_module, "layered_noise_sampler", spy)
    return counts


@pytest.mark.parametrize("sampler", STOCHASTIC)
def test_l_layers_are_enough_for_every_stochastic_sampler(sampler, monkeypatch):
    """Every path (KSampler's denoise, A1111's steps, unsample + resample) at steps 1 to 7 and
    denoise from 0.05 to 1 draws at most L = step_layers(plan) times, and does draw."""
    counts = counting(monkeypatch)
    fs = StandaloneFrameSampler(GaussianModel(), sampler, "karras")
    grid = itertools.product((1, 2, 3, 7), (1.0, 0.5, 0.3, 0.05), ("comfyui", "steps", "unsample"))
    for steps, denoise, path in grid:
        config = SequenceConfig(
            frame_count=2, sampler_name=sampler, steps=steps, denoise_seq=denoise,
            denoise_sine=False, unsample_latents=path == "unsample",
        )  # fmt: skip
        p = plan(config, denoise_mode="steps" if path == "steps" else "comfyui")
        layers = step_layers(p)
        for frame in p.frames:
            x = latent(frame.frame)
            noises = FrameNoise(steps=torch.randn((layers, *x.shape)))
            run_frame(frame, fs, POS, NEG, x, noises=noises)  # ValueError past L
            assert all(c <= layers for c in counts), (steps, denoise, path, counts, layers)
    assert max(counts) > 0
    assert layers == NOISE_CALLS_PER_STEP[sampler] * max(f.sample_steps for f in p.frames)


@pytest.mark.parametrize("sampler", ["euler_ancestral", "dpmpp_sde", "ddpm"])
def test_the_sampler_takes_layer_k_at_its_kth_draw(sampler):
    model = GaussianModel()
    x, steps = latent(), 4
    layers = torch.randn((2 * steps, *x.shape), generator=torch.Generator().manual_seed(5))
    call = FrameCall(POS, NEG, seed=3, steps=steps, cfg=1.0, step_noise=layers)
    out = StandaloneFrameSampler(model, sampler, "karras").sample(x, call, denoise=0.6)
    sigmas = ksampler_sigmas(SPACE, "karras", sampler, steps, 0.6)
    x0 = x + prepare_noise(x, 3) * sigmas[0]
    draws = iter(layers)
    ref = SAMPLERS[sampler](
        lambda x, s, **_: model(x, s, None), x0, sigmas, noise_sampler=lambda s, t: next(draws)
    )
    assert torch.equal(out, ref)
    seeded = StandaloneFrameSampler(model, sampler, "karras").sample(
        x, FrameCall(POS, NEG, seed=3, steps=steps, cfg=1.0), denoise=0.6
    )
    assert not torch.allclose(out, seeded)  # the seed's draws are not used


@pytest.mark.parametrize("sampler", ["euler", "dpmpp_2m", "uni_pc"])
def test_deterministic_samplers_and_the_inversion_ignore_the_layers(sampler):
    x = latent()
    layers = torch.randn((8, *x.shape))
    given = FrameCall(POS, NEG, seed=3, steps=4, cfg=1.0, step_noise=layers)
    plain = FrameCall(POS, NEG, seed=3, steps=4, cfg=1.0)
    fs = StandaloneFrameSampler(GaussianModel(), sampler, "karras")
    assert torch.equal(fs.sample(x, given, denoise=0.5), fs.sample(x, plain, denoise=0.5))
    stochastic = StandaloneFrameSampler(GaussianModel(), "euler_ancestral", "karras")
    inverted = stochastic.unsample(x, given, start_step=2)
    assert torch.equal(inverted, stochastic.unsample(x, plain, start_step=2))


def test_too_few_layers_is_an_error_naming_the_sampler_and_l():
    x = latent()
    call = FrameCall(POS, NEG, seed=3, steps=4, cfg=1.0, step_noise=torch.randn((2, *x.shape)))
    fs = StandaloneFrameSampler(GaussianModel(), "euler_ancestral", "karras")
    with pytest.raises(ValueError, match=r"euler_ancestral asked .* 3 times.*L = 2"):
        fs.sample(x, call)
    wrong = FrameCall(POS, NEG, seed=3, steps=4, cfg=1.0, step_noise=torch.randn((4, 2, 4, 8, 8)))
    with pytest.raises(ValueError, match=r"step noise layers must be \[L, \*\(1, 4, 8, 8\)\]"):
        fs.sample(x, wrong)


def test_l_is_for_the_longest_pass_and_copies_run_none():
    config = SequenceConfig(frame_count=3, sampler_name="lcm", steps=5, denoise_seq=0.0,
                            denoise_sine=False, schedules={"steps": (5, 30, 9)})  # fmt: skip
    p = plan(config)
    assert [runs_sampler(f) for f in p.frames] == [True, False, False]
    assert step_layers(p) == 5  # the 30 steps of frame 1 are never run: it is a copy
    dpmpp_sde = plan(SequenceConfig(frame_count=3, sampler_name="dpmpp_sde", denoise_seq=0.5,
                                    schedules={"steps": (5, 30, 9)}))  # fmt: skip
    assert step_layers(dpmpp_sde) == 2 * 30
