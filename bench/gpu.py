"""Full-size SD 1.5 UNet (random weights, no download) per-frame latency against bare UNet calls.

On CUDA: UNet2DConditionModel with SD 1.5's config, fp16, 512x512 (latent 64x64), cfg 7 (batch
2), euler, S steps; a frame through `StandaloneFrameSampler` against the same number of bare
UNet calls on the same shapes, interleaved. `--compile` wraps the UNet in torch.compile.
Without CUDA it runs the same code at a tiny size on the CPU (a smoke test, not a figure).

    bench/gpu.sh [--compile]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import Row, best_median, load, machine  # noqa: E402

from seqsampler.conditioning import Conditioning  # noqa: E402
from seqsampler.frame_sampler import StandaloneFrameSampler  # noqa: E402
from seqsampler.models.denoiser import DiscreteDenoiser  # noqa: E402
from seqsampler.sampling import sd_sigma_space  # noqa: E402
from seqsampler.sequence import FrameCall  # noqa: E402

SD15 = dict(
    sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
    block_out_channels=(320, 640, 1280, 1280), cross_attention_dim=768, attention_head_dim=8,
    down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
    up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
)  # fmt: skip
TINY = dict(
    sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
    block_out_channels=(32, 64), cross_attention_dim=64, attention_head_dim=8,
    down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
    up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
)  # fmt: skip


def run(steps: int = 20, repeats: int = 5, compile_: bool = False) -> list[Row]:
    from diffusers import UNet2DConditionModel

    cuda = torch.cuda.is_available()
    device, dtype, cfg = ("cuda", torch.float16, SD15) if cuda else ("cpu", torch.float32, TINY)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        unet = UNet2DConditionModel(**cfg).to(device, dtype).eval()
    forward = torch.compile(unet) if compile_ else unet
    size, width = cfg["sample_size"], cfg["cross_attention_dim"]
    sync = torch.cuda.synchronize if cuda else (lambda: None)

    @torch.no_grad()
    def network(x_in: torch.Tensor, t: torch.Tensor, cond: Conditioning) -> torch.Tensor:
        out = forward(x_in.to(device, dtype), t.to(device), encoder_hidden_states=cond.tokens.to(device, dtype)).sample  # fmt: skip
        return out.to(x_in.dtype)

    fs = StandaloneFrameSampler(DiscreteDenoiser(network, sd_sigma_space()), "euler", "normal")
    pos, neg = Conditioning(torch.randn(1, 77, width)), Conditioning(torch.zeros(1, 77, width))
    x = torch.zeros(1, 4, size, size, device=device)
    call = FrameCall(pos, neg, 1, steps, 7.0)
    xb = torch.randn(2, 4, size, size, device=device, dtype=dtype)
    tb = torch.full((2,), 500.0, device=device)
    cb = torch.randn(2, 77, width, device=device, dtype=dtype)

    def frame() -> None:
        fs.sample(x, call)
        sync()

    @torch.no_grad()
    def bare() -> None:
        for _ in range(steps):
            forward(xb, tb, encoder_hidden_states=cb)
        sync()

    for _ in range(2 if compile_ else 1):
        frame(), bare()
    times: dict[str, list[float]] = {"frame": [], "bare": []}
    for _ in range(repeats):
        for name, fn in (("frame", frame), ("bare", bare)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    f, b = best_median(times["frame"])[1], best_median(times["bare"])[1]
    what = "SD 1.5 UNet fp16 512x512" if cuda else "tiny UNet fp32 CPU (smoke test)"
    name = torch.cuda.get_device_name() if cuda else "cpu"
    print(f"# gpu: {what} on {name}, S={steps}, cfg 7, compile={compile_}; {load()}")
    print(f"frame {1e3 * f:.1f} ms, bare UNet calls {1e3 * b:.1f} ms, ratio {f / b:.3f}")
    return [Row("gpu", f"frame / {steps} bare UNet calls, {what}, compile={compile_}", f, b)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compile", action="store_true", help="torch.compile the UNet")
    args = parser.parse_args()
    print("#", machine())
    run(args.steps, args.repeats, args.compile)


if __name__ == "__main__":
    main()
