"""bench/gpu_pareto.py (bench/gpu.sh's third step): the CUDA path's choices (SD 1.5 UNet, fp16,
latent 64x64) and, on the CPU, the same code with an fp16 UNet at the tiny size, counted."""

from __future__ import annotations

import pytest
import torch
from bench_modules import load_bench


@pytest.fixture(scope="module")
def gp():
    return load_bench("gpu_pareto")


def test_cuda_setup_is_sd15_fp16_at_512(gp):
    from gpu import SD15, TINY, setup

    cuda, cpu = setup(True), setup(False)
    assert (cuda.device, cuda.dtype, cuda.config, cuda.size, cuda.width) == (
        "cuda", torch.float16, SD15, 64, 768
    )  # fmt: skip
    assert (cpu.device, cpu.dtype, cpu.config, cpu.size) == ("cpu", torch.float32, TINY, 8)
    assert gp.defaults(True) == {"steps": 20, "repeats": 3}


def test_sd15_config_builds_the_sd15_unet(gp):
    from diffusers import UNet2DConditionModel
    from gpu import SD15

    with torch.device("meta"):  # shapes only: no memory, no weights
        unet = UNet2DConditionModel(**SD15)
    assert sum(p.numel() for p in unet.parameters()) == 859_520_964  # SD 1.5's UNet


@pytest.mark.slow  # 9 settings x 7 frames through the tiny UNet twice: ~15 s at load 6
def test_fp16_unet_on_cpu_counts_the_planned_evaluations(gp):
    from _pareto_measure import Evaluations
    from gpu import TINY, Setup, build_unet

    s = Setup(False, "cpu", torch.float16, TINY, "tiny fp16 CPU")  # the CUDA path's casts
    unet = build_unet(s)
    assert next(unet.parameters()).dtype == torch.float16
    results = gp.measure(gp.jobs(unet, s, 7, 2, (1, 2)), Evaluations(unet), 7, 1)
    # S = 2: frame 0 at d = 1 runs 2 steps, frames 1-6 at d = 0.5 one (loop: round(S d)),
    # every step guided (batch 2); ComfyUI's denoise runs S steps on every frame
    assert results["loop"][0] == pytest.approx((2 * 2 + 6 * 2) / 7)
    assert results["steps c1 full"][0] == results["loop"][0]
    assert results["comfyui c1 full"][0] == pytest.approx(4.0)
    assert results["comfyui c1 once"][0] == pytest.approx(3.0)  # S + 1 per frame
    for mode in ("comfyui", "steps"):
        for g in ("full", "once"):
            assert results[f"{mode} c2 {g}"][0] < results[f"{mode} c1 {g}"][0]
    assert all(w > 0 for _, w in results.values())
