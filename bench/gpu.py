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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Setup:
    """Where and how the UNet runs: SD 1.5 fp16 512x512 on CUDA, else the tiny one fp32 on CPU."""

    cuda: bool
    device: str
    dtype: torch.dtype
    config: dict[str, Any]
    what: str

    @property
    def size(self) -> int:
        """The latent's side (64 for SD 1.5 at 512x512)."""
        return int(self.config["sample_size"])

    @property
    def width(self) -> int:
        """The text tokens' width D of the conditioning [B, 77, D]."""
        return int(self.config["cross_attention_dim"])

    def sync(self) -> None:
        """Waits for the device's queued work (CUDA), so wall times hold all of it."""
        if self.cuda:
            torch.cuda.synchronize()


def setup(cuda: bool) -> Setup:
    """The one place the device, dtype and size are chosen (`cuda`: a CUDA device is there)."""
    if cuda:
        return Setup(True, "cuda", torch.float16, SD15, "SD 1.5 UNet fp16 512x512")
    return Setup(False, "cpu", torch.float32, TINY, "tiny UNet fp32 CPU (smoke test)")


def build_unet(s: Setup) -> Any:
    """UNet2DConditionModel of `s.config` with random weights (seed 0), on s.device in s.dtype."""
    from diffusers import UNet2DConditionModel

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return UNet2DConditionModel(**s.config).to(s.device, s.dtype).eval()


def network_of(forward: Any, s: Setup) -> Any:
    """The eps network `network(x, t, cond)` of `DiscreteDenoiser` over a diffusers UNet: inputs
    moved to s.device in s.dtype, the output back in x's dtype ([B, 4, h, w])."""

    @torch.no_grad()
    def network(x_in: torch.Tensor, t: torch.Tensor, cond: Conditioning) -> torch.Tensor:
        tokens = cond.tokens.to(s.device, s.dtype)
        out = forward(x_in.to(s.device, s.dtype), t.to(s.device), encoder_hidden_states=tokens)
        return out.sample.to(x_in.dtype)

    return network


def run(steps: int = 20, repeats: int = 5, compile_: bool = False) -> list[Row]:
    cuda = torch.cuda.is_available()
    s = setup(cuda)
    device, dtype, size, width, sync = s.device, s.dtype, s.size, s.width, s.sync
    unet = build_unet(s)
    forward = torch.compile(unet) if compile_ else unet
    network = network_of(forward, s)
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
    what = s.what
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
