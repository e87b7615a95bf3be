"""Sampler overhead: wall time of a StandaloneFrameSampler call over the denoiser's own time.

A small diffusers UNet2DConditionModel (random weights) on CPU, eps-prediction on SD's sigma
table, cfg 7 (cond and uncond batched), 20 steps. For each sampler the network's calls are
timed one by one; overhead = (wall - sum of network calls) / sum of network calls. Target < 3%.

    OMP_NUM_THREADS=1 .venv/bin/python bench/sampler_overhead.py
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from seqsampler.conditioning import Conditioning
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.models.denoiser import DiscreteDenoiser
from seqsampler.sampling import sd_sigma_space
from seqsampler.sequence import FrameCall


def small_unet() -> torch.nn.Module:
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=32,
        in_channels=4,
        out_channels=4,
        block_out_channels=(32, 64),
        layers_per_block=1,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=64,
        attention_head_dim=8,
        norm_num_groups=16,
    ).eval()


class TimedNetwork:
    def __init__(self, unet: torch.nn.Module):
        self.unet, self.seconds, self.calls = unet, 0.0, 0

    def __call__(self, x_in, timestep, cond):
        start = time.perf_counter()
        with torch.no_grad():
            out = self.unet(x_in, timestep, encoder_hidden_states=cond.tokens).sample
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=32, help="latent height and width")
    parser.add_argument(
        "--samplers", default="euler,heun,dpmpp_2m,dpmpp_2m_sde,dpmpp_3m_sde,uni_pc,lcm"
    )
    args = parser.parse_args()
    network = TimedNetwork(small_unet())
    denoiser = DiscreteDenoiser(network, sd_sigma_space(), "epsilon")
    pos = Conditioning(torch.randn(1, 77, 64, generator=torch.Generator().manual_seed(1)))
    neg = Conditioning(torch.zeros(1, 77, 64))
    x = torch.zeros(1, 4, args.size, args.size)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s), latent {tuple(x.shape)}, {args.steps} steps, cfg 7")  # fmt: skip
    print(f"{'sampler':<14} {'calls':>5} {'wall s':>8} {'network s':>9} {'overhead':>8}")
    for name in args.samplers.split(","):
        fs = StandaloneFrameSampler(denoiser, name, "karras")
        fs.sample(x, FrameCall(pos, neg, seed=1, steps=2, cfg=7.0))  # warm-up
        best = None
        for _ in range(3):
            network.seconds, network.calls = 0.0, 0
            start = time.perf_counter()
            fs.sample(x, FrameCall(pos, neg, seed=1, steps=args.steps, cfg=7.0))
            wall = time.perf_counter() - start
            overhead = (wall - network.seconds) / network.seconds
            if best is None or overhead < best[3]:
                best = (network.calls, wall, network.seconds, overhead)
        calls, wall, net, overhead = best
        print(f"{name:<14} {calls:>5} {wall:>8.3f} {net:>9.3f} {overhead:>7.2%}")


if __name__ == "__main__":
    main()
