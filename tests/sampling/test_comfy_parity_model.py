"""End-to-end parity with ComfyUI's KSampler on a real (tiny, random) SD1.5 UNet.

ComfyUI's `nodes.common_ksampler` (its whole path: prepare_noise, CFGGuider, cond batching,
model sampling with timestep quantisation, process_latent_in/out) against
`StandaloneFrameSampler` over `DiscreteDenoiser` wrapping the same UNet. Needs COMFYUI_PATH:
    make test-comfy   # or: COMFYUI_PATH=/path/to/ComfyUI /path/to/comfy-venv/bin/python -m pytest tests/sampling/test_comfy_parity_model.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import torch

from seqsampler.conditioning import Conditioning
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.models.denoiser import DiscreteDenoiser
from seqsampler.sampling import SAMPLERS, sd_sigma_space
from seqsampler.sequence import FrameCall

COMFYUI_PATH = os.environ.get("COMFYUI_PATH")
pytestmark = [
    pytest.mark.comfyui,
    pytest.mark.skipif(not COMFYUI_PATH, reason="COMFYUI_PATH is not set (a ComfyUI checkout)"),
]
TOL = 1e-4
WORST: dict[str, float] = {}
SD15_SCALE = 0.18215  # ComfyUI's SD1.5 latent_format.scale_factor (process_latent_in / out)


@pytest.fixture(scope="module")
def comfy_model():
    sys.path.insert(0, COMFYUI_PATH)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "comfy_adapter"))
    import comfy.cli_args

    comfy.cli_args.args.cpu = True
    import comfy.model_management  # noqa: F401
    import nodes
    import tiny_comfy

    yield nodes, tiny_comfy, tiny_comfy.tiny_model(seed=4)
    path = os.environ.get("SEQSAMPLER_PARITY_MODEL_TABLE")
    if path and WORST:
        rows = [f"| `{name}` | {err:.2e} |" for name, err in sorted(WORST.items())]
        Path(path).write_text(
            "\n".join(["| sampler | worst relative error |", "| --- | --- |", *rows]) + "\n"
        )


def denoiser_for(patcher) -> DiscreteDenoiser:
    unet = patcher.model.diffusion_model

    def network(x_in, timestep, cond):
        with torch.no_grad():
            return unet(x_in, timestep, context=cond.tokens)

    return DiscreteDenoiser(network, sd_sigma_space(), "epsilon")


CASES = [  # scheduler, steps, cfg, denoise, start_step, add_noise, empty latent, negative tokens
    ("karras", 5, 7.5, 1.0, 0, True, True, 77),
    ("normal", 4, 5.0, 0.5, 0, True, False, 154),
    ("simple", 6, 1.0, 1.0, 2, False, False, 77),
]


@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-cfg{c[2]}-d{c[3]}-k{c[4]}")
def test_common_ksampler_matches(comfy_model, name, case):
    nodes, tiny, patcher = comfy_model
    scheduler, steps, cfg, denoise, start_step, add_noise, empty, neg_tokens = case
    positive, negative = tiny.tiny_conditioning(1), tiny.tiny_conditioning(2, tokens=neg_tokens)
    latent = torch.zeros(2, 4, 8, 8) if empty else tiny.tiny_latent(3, batch=2)["samples"]
    seed = 987654321
    if add_noise:
        (out,) = nodes.common_ksampler(patcher, seed, steps, cfg, name, scheduler, positive, negative,
                                       {"samples": latent}, denoise=denoise)  # fmt: skip
    else:  # KSamplerAdvanced: add_noise disable, start_at_step k, end 10000, no leftover noise
        (out,) = nodes.common_ksampler(patcher, seed, steps, cfg, name, scheduler, positive, negative,
                                       {"samples": latent}, denoise=1.0, disable_noise=True,
                                       start_step=start_step, last_step=10000, force_full_denoise=True)  # fmt: skip
    theirs = out["samples"]

    fs = StandaloneFrameSampler(denoiser_for(patcher), name, scheduler)
    ours = fs.sample(
        latent * (0.0 if empty else SD15_SCALE),  # ComfyUI skips process_latent_in for zeros
        FrameCall(Conditioning.from_comfy(positive[0]), Conditioning.from_comfy(negative[0]),
                  seed=seed, steps=steps, cfg=cfg),
        denoise=denoise, start_step=start_step, add_noise=add_noise,
    ) / SD15_SCALE  # fmt: skip
    err = float((ours - theirs).abs().max() / theirs.abs().max())
    WORST[name] = max(WORST.get(name, 0.0), err)
    assert err <= TOL, err


@pytest.mark.parametrize("name", ["euler", "ddim", "dpmpp_2m_sde", "uni_pc", "lcm"])
def test_common_ksampler_with_noise_mask_matches(comfy_model, name):
    nodes, tiny, patcher = comfy_model
    positive, negative = tiny.tiny_conditioning(1), tiny.tiny_conditioning(2)
    latent = tiny.tiny_latent(5, batch=1)["samples"]
    mask = torch.zeros(1, 32, 32)
    mask[:, 8:24, 4:28] = 1.0
    (out,) = nodes.common_ksampler(patcher, 4242, 5, 6.0, name, "karras", positive, negative,
                                   {"samples": latent, "noise_mask": mask}, denoise=0.75)  # fmt: skip
    fs = StandaloneFrameSampler(denoiser_for(patcher), name, "karras")
    ours = fs.sample(
        latent * SD15_SCALE,
        FrameCall(Conditioning.from_comfy(positive[0]), Conditioning.from_comfy(negative[0]),
                  seed=4242, steps=5, cfg=6.0, noise_mask=mask),
        denoise=0.75,
    ) / SD15_SCALE  # fmt: skip
    err = float((ours - out["samples"]).abs().max() / out["samples"].abs().max())
    WORST[f"{name} (noise_mask)"] = err
    assert err <= TOL, err
