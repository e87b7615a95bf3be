"""Time per noise warp (`seqsampler.motion.integral_noise`: `IntegralNoise.moved(m).settle(g)`,
what `camera_noise.NoiseWarp` does per frame) of a 4x128x128 latent (an SDXL latent's size) on
one CPU core, beside plain nearest-neighbour transport of the same noise (the ablation that does
not keep it Gaussian). Goal (issue 29): under 0.1 s per warp.

The motion is zoom 1.02 with 1 degree of rotation, the particles carried from call to call as in
a sequence; rounds of [integral, nearest] after a warm-up round, median of the rounds.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/noise_warp.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _common import Row, best_median, interleaved, machine  # noqa: E402

from seqsampler.motion.integral_noise import IntegralNoise  # noqa: E402
from seqsampler.motion.knobs import Knobs  # noqa: E402
from seqsampler.motion.transform import frame_matrix  # noqa: E402
from seqsampler.motion.warp import source_coordinates  # noqa: E402

GOAL_S = 0.1


def run(repeats: int = 50, size: int = 128, channels: int = 4) -> list[Row]:
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    m = frame_matrix(Knobs(zoom=1.02, angle=1.0), size, size)
    state = {"field": IntegralNoise.start(torch.randn((channels, size, size), generator=g), g)}

    def integral() -> None:
        state["field"], _ = state["field"].moved(m).settle(g)

    noise = torch.randn((1, channels, size, size), generator=g)

    def nearest() -> None:
        uv = source_coordinates(m, size, size, noise.device)
        grid = torch.stack([2 * uv[..., 0] / (size - 1) - 1, 2 * uv[..., 1] / (size - 1) - 1], -1)
        F.grid_sample(noise, grid.float()[None], mode="nearest", align_corners=True)

    times = interleaved({"integral": integral, "nearest": nearest}, repeats)
    med = {name: best_median(values)[1] for name, values in times.items()}
    print(f"# noise_warp: {channels}x{size}x{size}, 1 thread, {repeats} rounds, zoom 1.02 + 1 deg")
    for name, values in times.items():
        best, median = best_median(values)
        print(f"{name:<11} median {1e3 * median:6.2f} ms, best {1e3 * best:6.2f} ms per warp")
    verdict = "meets" if med["integral"] < GOAL_S else "MISSES"
    print(f"integral noise {verdict} the goal of {GOAL_S} s per warp")
    return [
        Row(
            "noise_warp",
            f"integral noise / nearest transport, {channels}x{size}x{size}",
            med["integral"],
            med["nearest"],
            note=f"integral median {1e3 * med['integral']:.1f} ms (goal < {1e3 * GOAL_S:.0f})",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    print(f"# {machine()}")
    for row in run(args.repeats, args.size):
        print(f"{row.compares}: {row.ratio:.2f}; {row.note}")


if __name__ == "__main__":
    main()
