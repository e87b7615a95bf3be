"""noise_warp moves a stochastic sampler's per-step noise in ComfyUI too (step_noise): ComfyUI's
own k-diffusion sampler gets a noise_sampler whose draws at frame 1 are frame 0's moved with a
1-cell pan, and step_noise's table of noise calls per step holds for ComfyUI's samplers (never
short; the samplers outside it use no per-step noise as KSampler runs them)."""

from __future__ import annotations

import inspect

import pytest
import torch
from test_comfy_motion import _run

pytestmark = pytest.mark.comfyui


def spy_draws(monkeypatch, name):
    """Wrap ComfyUI's sample_<name>: the draws its noise_sampler handed out, one list per call
    (None where it got no noise_sampler: the seed drives it)."""
    from comfy.k_diffusion import sampling

    passes = []
    original = getattr(sampling, f"sample_{name}")

    def spy(*args, noise_sampler=None, **kwargs):
        if noise_sampler is None:
            passes.append(None)
            return original(*args, **kwargs)
        drawn = []
        passes.append(drawn)

        def draw(sigma, sigma_next):
            drawn.append(noise_sampler(sigma, sigma_next).clone())
            return drawn[-1]

        return original(*args, noise_sampler=draw, **kwargs)

    monkeypatch.setattr(sampling, f"sample_{name}", spy)
    return passes


def test_an_ancestral_samplers_step_noise_moves_with_a_one_cell_pan(
    comfy, model, tiny, monkeypatch
):
    passes = spy_draws(monkeypatch, "euler_ancestral")
    pan = {"translation_x_schedule": "8", "seed_mode_seq": "fixed", "inject_noise": False,
           "denoise_schedule": "0:(1.0), 1:(0.6)", "steps_schedule": "3",
           "sampler_name": "euler_ancestral", "frame_count": 2}  # fmt: skip
    _run(comfy, model, tiny, noise_warp=True, **pan)
    assert len(passes) == 2 and all(p is not None and len(p) >= 2 for p in passes)
    first, second = passes
    assert torch.equal(second[1][..., 1:], first[1][..., :-1])  # step 2, moved by one cell
    assert not torch.equal(second[1][..., :1], first[1][..., :1])  # the entering column
    passes.clear()
    _run(comfy, model, tiny, **pan)
    assert passes == [None, None]  # without noise_warp ComfyUI draws from the seed, as before


def _call(tiny, steps):
    from seqsampler.conditioning import Conditioning
    from seqsampler.sequence import FrameCall

    positive = Conditioning.from_comfy(tiny.tiny_conditioning(10)[0])
    negative = Conditioning.from_comfy(tiny.tiny_conditioning(50)[0])
    return FrameCall(positive, negative, seed=0, steps=steps, cfg=1.0)


def test_the_noise_calls_table_holds_for_comfyuis_samplers(comfy, model, tiny, monkeypatch):
    """Every sampler in the table takes a noise_sampler and draws at most its calls per step
    times the steps (a layered sampler of exactly that many layers never runs short); every
    other one that takes a noise_sampler leaves the frame unchanged by it."""
    import dataclasses

    import comfy.samplers
    from comfy.k_diffusion import sampling

    from seqsampler.comfy_adapter.frame_sampler import ComfyFrameSampler
    from seqsampler.step_noise import NOISE_CALLS_PER_STEP

    assert set(NOISE_CALLS_PER_STEP) <= set(comfy.samplers.KSampler.SAMPLERS)
    x = tiny.tiny_latent(seed=2)["samples"]
    steps = 3
    for name in comfy.samplers.KSampler.SAMPLERS:
        function = getattr(sampling, f"sample_{name}", None)
        takes = function is not None and "noise_sampler" in inspect.signature(function).parameters
        if name in NOISE_CALLS_PER_STEP:
            assert takes, name
            layers = NOISE_CALLS_PER_STEP[name] * steps
            call = dataclasses.replace(_call(tiny, steps), step_noise=torch.randn(layers, *x.shape))
            passes = spy_draws(monkeypatch, name)
            with torch.inference_mode():
                for denoise, start in ((1.0, 0), (0.5, 0), (1.0, 1)):  # ValueError past L
                    ComfyFrameSampler(model, name, "karras").sample(
                        x, call, denoise=denoise, start_step=start
                    )
            assert all(p is not None and len(p) <= layers for p in passes), name
            assert max(len(p) for p in passes) > 0, name
        elif takes and name != "dpm_fast":  # dpm_fast's KSampler wrapper takes no options
            assert unused_noise(model, tiny, x, name, steps), name


def unused_noise(model, tiny, x, name, steps):
    """Whether ComfyUI's `name` gives the same frame with a noise_sampler of 1000s as without."""
    import comfy.sample
    import comfy.samplers

    sigmas = comfy.samplers.KSampler(model, steps, "cpu", name, "karras", 1.0).sigmas
    conds = (tiny.tiny_conditioning(10), tiny.tiny_conditioning(50))
    outs = []
    for options in ({}, {"noise_sampler": lambda s, t: torch.full_like(x, 1e3)}):
        sampler = comfy.samplers.ksampler(name, options)
        with torch.inference_mode():
            noise = torch.zeros_like(x)
            outs.append(comfy.sample.sample_custom(model, noise, 1.0, sampler, sigmas, *conds, x))
    return torch.equal(outs[0], outs[1])
