"""Parity with ComfyUI's own schedules, samplers and KSampler step logic (needs COMFYUI_PATH).

Run under a venv that can import ComfyUI:
    make test-comfy   # or: COMFYUI_PATH=/path/to/ComfyUI /path/to/comfy-venv/bin/python -m pytest tests/sampling/test_comfy_parity.py
Both sides run the same analytic denoiser (a Gaussian mixture's posterior mean), the same model
sigma table, seed and settings; ComfyUI's KSampler.sample is driven through its real sigma
logic (set_steps, slicing, sampler_object, KSAMPLER.sample with noise scaling and inpainting),
with only the CFG/model plumbing replaced by the denoiser. SEQSAMPLER_PARITY_TABLE=path writes
the worst relative error per name as a markdown table.
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict

import pytest
import torch
from sampling_analytic import MixtureDenoiser

from seqsampler.conditioning import Conditioning
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.models.denoiser import cfg_model, concat_conditioning
from seqsampler.sampling import SAMPLERS, SCHEDULERS, calculate_sigmas, sd_sigma_space
from seqsampler.sequence import FrameCall

COMFYUI_PATH = os.environ.get("COMFYUI_PATH")
pytestmark = [
    pytest.mark.comfyui,
    pytest.mark.skipif(not COMFYUI_PATH, reason="COMFYUI_PATH is not set (a ComfyUI checkout)"),
]
SAMPLER_TOL, SCHEDULE_TOL = 1e-4, 1e-6
WORST: dict[tuple[str, str], float] = defaultdict(float)
POS = Conditioning(torch.zeros(1, 77, 8))


@pytest.fixture(scope="module")
def comfy():
    sys.path.insert(0, COMFYUI_PATH)
    import comfy.cli_args

    comfy.cli_args.args.cpu = True
    import comfy.model_management  # noqa: F401
    import comfy.model_sampling
    import comfy.sample
    import comfy.sampler_helpers
    import comfy.samplers

    yield comfy
    _write_table()


def relative_error(ours: torch.Tensor, theirs: torch.Tensor) -> float:
    return float(
        (ours.double() - theirs.double()).abs().max() / theirs.double().abs().max().clamp_min(1e-12)
    )


class _Harness:
    """ComfyUI's KSampler over `denoiser`: a model patcher and model wrapper that expose only
    what ComfyUI's sampling code reads (model_sampling, scale_latent_inpaint, the call)."""

    def __init__(self, comfy, denoiser):
        class ModelSampling(comfy.model_sampling.ModelSamplingDiscrete, comfy.model_sampling.EPS):
            pass

        self.comfy, self.denoiser = comfy, denoiser
        self.model_sampling = ModelSampling()
        harness = self

        class Base:
            model_sampling = harness.model_sampling

            def scale_latent_inpaint(self, sigma, noise, latent_image, **_):
                sigma = sigma.reshape([sigma.shape[0]] + [1] * (noise.ndim - 1))
                return harness.model_sampling.noise_scaling(sigma, noise, latent_image)

        class Patcher:
            def get_model_object(self, name):
                assert name == "model_sampling"
                return harness.model_sampling

            def is_dynamic(self):  # what newer ComfyUI's CFG guider asks a model patcher
                return False

        class Wrap:
            inner_model = Base()
            model_patcher = Patcher()

            def __call__(self, x, sigma, model_options=None, seed=None, **_):
                return harness.denoiser(x, sigma)

        self.patcher, self.wrap = Patcher(), Wrap()

    def ksampler(
        self, latent, sampler, scheduler, seed, steps, denoise, start_step, add_noise, mask
    ):
        comfy = self.comfy
        if add_noise:
            noise = comfy.sample.prepare_noise(latent, seed)
        else:
            noise = torch.zeros_like(latent)

        def sample(model, noise, positive, negative, cfg, device, sampler_obj, sigmas, model_options=None,
                   latent_image=None, denoise_mask=None, callback=None, disable_pbar=False, seed=None):  # fmt: skip
            if denoise_mask is not None:
                denoise_mask = comfy.sampler_helpers.prepare_mask(denoise_mask, noise.shape, "cpu")
            extra_args = {"model_options": {}, "seed": seed}
            return sampler_obj.sample(
                self.wrap, sigmas, extra_args, None, noise, latent_image, denoise_mask, True
            )

        original = comfy.samplers.sample
        comfy.samplers.sample = sample
        try:
            ks = comfy.samplers.KSampler(self.patcher, steps, "cpu", sampler, scheduler, denoise)
            last = None if add_noise else 10000
            return ks.sample(noise, None, None, 1.0, latent_image=latent, start_step=None if add_noise else start_step,
                             last_step=last, force_full_denoise=not add_noise, denoise_mask=mask, seed=seed)  # fmt: skip
        finally:
            comfy.samplers.sample = original


class _Ours:
    sigma_space = sd_sigma_space()

    def __init__(self, denoiser):
        self.denoiser = denoiser

    def __call__(self, x, sigma, cond):
        return self.denoiser(x, sigma)


def test_sigma_tables_match(comfy):
    harness = _Harness(comfy, None)
    assert torch.equal(harness.model_sampling.sigmas, sd_sigma_space().sigmas)


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_schedules_match(comfy, name):
    ms = _Harness(comfy, None).model_sampling
    for steps in (1, 2, 3, 5, 10, 20, 37, 40, 100):
        if name == "kl_optimal" and steps == 1:
            continue  # ComfyUI 0.3.64 divides by steps - 1 (NaN); ours gives [sigma_max, 0]
        theirs = comfy.samplers.calculate_sigmas(ms, name, steps)
        ours = calculate_sigmas(sd_sigma_space(), name, steps)
        assert ours.shape == theirs.shape, (steps, ours, theirs)
        err = relative_error(ours, theirs)
        WORST[("schedule", name)] = max(WORST[("schedule", name)], err)
        assert err <= SCHEDULE_TOL, (steps, ours, theirs)


CASES = [  # scheduler, steps, denoise, start_step, add_noise
    ("karras", 6, 1.0, 0, True),
    ("normal", 5, 0.6, 0, True),
    ("exponential", 1, 1.0, 0, True),
    ("simple", 8, 1.0, 3, False),
    ("sgm_uniform", 4, 0.3, 0, True),
    ("ddim_uniform", 5, 1.0, 0, True),
    ("beta", 3, 0.02, 0, True),
    ("linear_quadratic", 6, 0.8, 0, True),
    ("kl_optimal", 4, 1.0, 1, False),
    ("karras", 1, 0.5, 0, True),
]


def test_comfy_lists_our_names(comfy):
    assert set(SAMPLERS) <= set(comfy.samplers.KSampler.SAMPLERS)
    assert set(SCHEDULERS) == set(comfy.samplers.KSampler.SCHEDULERS)


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[1]}-d{c[2]}-k{c[3]}")
def test_ksampler_matches(comfy, name, case):
    scheduler, steps, denoise, start_step, add_noise = case
    denoiser = MixtureDenoiser((-1.0, 0.5, 1.5), 0.3)
    latent = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(11)) * 0.8
    seed = 123456789
    theirs = _Harness(comfy, denoiser).ksampler(
        latent, name, scheduler, seed, steps, denoise, start_step, add_noise, None
    )
    fs = StandaloneFrameSampler(_Ours(denoiser), name, scheduler)
    ours = fs.sample(latent, FrameCall(POS, POS, seed=seed, steps=steps, cfg=1.0),
                     denoise=denoise, start_step=start_step, add_noise=add_noise)  # fmt: skip
    err = relative_error(ours, theirs)
    WORST[("sampler", name)] = max(WORST[("sampler", name)], err)
    assert err <= SAMPLER_TOL, err


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_noise_mask_matches(comfy, name):
    denoiser = MixtureDenoiser((-1.0, 1.0), 0.4)
    latent = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(3))
    mask = torch.zeros(1, 16, 16)
    mask[:, 4:12, 2:14] = 1.0
    theirs = _Harness(comfy, denoiser).ksampler(latent, name, "karras", 77, 6, 0.7, 0, True, mask)
    fs = StandaloneFrameSampler(_Ours(denoiser), name, "karras")
    ours = fs.sample(
        latent, FrameCall(POS, POS, seed=77, steps=6, cfg=1.0, noise_mask=mask), denoise=0.7
    )
    err = relative_error(ours, theirs)
    WORST[("mask", name)] = max(WORST[("mask", name)], err)
    assert err <= SAMPLER_TOL, err


def _write_table():
    path = os.environ.get("SEQSAMPLER_PARITY_TABLE")
    if not path or not WORST:
        return
    lines = ["| kind | name | worst relative error |", "| --- | --- | --- |"]
    lines += [f"| {kind} | `{name}` | {err:.2e} |" for (kind, name), err in sorted(WORST.items())]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def test_cross_attention_concat_matches(comfy):
    import comfy.conds

    a = torch.randn(2, 77, 8, generator=torch.Generator().manual_seed(1))
    b = torch.randn(2, 154, 8, generator=torch.Generator().manual_seed(2))
    theirs = comfy.conds.CONDCrossAttn(a).concat([comfy.conds.CONDCrossAttn(b)])
    ours = concat_conditioning([Conditioning(a), Conditioning(b)], batch=2).tokens
    assert torch.equal(ours, theirs)


def test_cfg_matches(comfy):
    cond, uncond = torch.randn(2, 4, 2, 2), torch.randn(2, 4, 2, 2)

    class Split:
        sigma_space = sd_sigma_space()

        def __call__(self, x, sigma, c):
            return torch.cat([cond, uncond]) if x.shape[0] == 4 else cond

    ours = cfg_model(Split(), POS, POS, 6.5)(torch.zeros(2, 4, 2, 2), torch.ones(2))
    theirs = comfy.samplers.cfg_function(None, cond, uncond, 6.5, None, None)
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("prediction", ["epsilon", "v_prediction"])
def test_discrete_denoiser_matches_model_sampling(comfy, prediction):
    """DiscreteDenoiser = ComfyUI's calculate_input, timestep quantisation, calculate_denoised."""
    from seqsampler.models.denoiser import DiscreteDenoiser

    kind = (
        comfy.model_sampling.EPS if prediction == "epsilon" else comfy.model_sampling.V_PREDICTION
    )

    class ModelSampling(comfy.model_sampling.ModelSamplingDiscrete, kind):
        pass

    ms = ModelSampling()
    weight = torch.randn(4, 4, generator=torch.Generator().manual_seed(0))

    def network(x_in, timestep, cond):
        return torch.einsum("oc,bchw->bohw", weight, x_in) * (
            1 + timestep.reshape(-1, 1, 1, 1) / 1000
        )

    x = torch.randn(3, 4, 5, 5, generator=torch.Generator().manual_seed(1)) * 3
    sigma = torch.tensor([14.6, 1.2345, 0.05])
    theirs = ms.calculate_denoised(
        sigma, network(ms.calculate_input(sigma, x), ms.timestep(sigma).float(), None), x
    )
    ours = DiscreteDenoiser(network, sd_sigma_space(), prediction)(x, sigma, POS)
    assert relative_error(ours, theirs) <= 1e-6
