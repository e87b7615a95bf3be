"""Sharpness over 100 frames of loopback zoom (issue 29, "Keep it sharp"): the variance of the
Laplacian of a textured image warped frame after frame by zoom 1.02 (bilinear, replicate border),
without and with the unsharp mask after each warp (kernel 5, sigma 1, Deforum's order: warp,
then sharpen), beside the one-shot reference (the original warped once by the cumulative zoom,
what a blur-free chain would show).

The image: a 256x256 checkerboard of 16-pixel squares (0.2 / 0.8) plus Gaussian grain (sd 0.05,
seeded), 3 channels in [0, 1]. Deterministic; no timing.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/motion_sharpness.py [--amounts 0.02 0.05] [--zoom 1.0025]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _common import Row, machine  # noqa: E402

from seqsampler.motion.knobs import Knobs  # noqa: E402
from seqsampler.motion.sharpen import unsharp_mask  # noqa: E402
from seqsampler.motion.transform import frame_matrix  # noqa: E402
from seqsampler.motion.warp import warp  # noqa: E402

SIZE, FRAMES, REPORT = 256, 100, (0, 25, 50, 100)


def test_image(seed: int = 0) -> torch.Tensor:
    """[1, 3, 256, 256] in [0, 1]: checkerboard of 16-px squares plus seeded grain."""
    ys, xs = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing="ij")
    board = 0.2 + 0.6 * (((xs // 16) + (ys // 16)) % 2).float()
    grain = 0.05 * torch.randn((1, 3, SIZE, SIZE), generator=torch.Generator().manual_seed(seed))
    return (board + grain).clamp(0, 1)


def laplacian_variance(x: torch.Tensor) -> float:
    """Variance of the 4-neighbour Laplacian over the valid interior, all channels."""
    k = torch.tensor([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]]).reshape(1, 1, 3, 3)
    return float(F.conv2d(x.reshape(-1, 1, *x.shape[-2:]), k).var())


def chain(image: torch.Tensor, m: torch.Tensor, amount: float) -> dict[int, float]:
    x, out = image, {0: laplacian_variance(image)}
    for frame in range(1, FRAMES + 1):
        x = unsharp_mask(warp(x, m, "replicate"), amount, 5, 1.0)
        if frame in REPORT:
            out[frame] = laplacian_variance(x)
    return out


def run(amounts: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2), zoom: float = 1.02) -> list[Row]:
    torch.set_num_threads(1)
    image = test_image()
    m = frame_matrix(Knobs(zoom=zoom), SIZE, SIZE)
    reference = {
        f: laplacian_variance(warp(image, torch.linalg.matrix_power(torch.tensor(m), f)))
        for f in REPORT
    }
    columns = {"one-shot": reference, "amount 0": chain(image, m, 0.0)}
    columns |= {f"amount {a:g}": chain(image, m, a) for a in amounts}
    print(f"# motion_sharpness: variance of the Laplacian, {SIZE}x{SIZE}, zoom {zoom} per frame")
    print(f"{'frame':>5} " + " ".join(f"{name:>11}" for name in columns))
    for f in REPORT:
        print(f"{f:>5} " + " ".join(f"{col[f]:11.5f}" for col in columns.values()))
    return [
        Row("sharpness", f"frame {FRAMES}, {name} / one-shot", col[FRAMES], reference[FRAMES], "")
        for name, col in columns.items()
        if name != "one-shot"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amounts", type=float, nargs="*", default=[0.02, 0.05, 0.1, 0.2])
    parser.add_argument("--zoom", type=float, default=1.02)
    args = parser.parse_args()
    print(f"# {machine()}")
    for row in run(tuple(args.amounts), args.zoom):
        print(f"{row.compares}: {row.ratio:.2f}")


if __name__ == "__main__":
    main()
