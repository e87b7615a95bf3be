"""How much of the noise's coarse structure `warp_noise` keeps over many small camera steps
(issue 29; docs/quality.md "Camera motion").

A noise moved K times by a per-frame matrix m (offsets carried, as `camera_noise.NoiseWarp` does)
should, at coarse scales, be the first noise moved once by m^K. For 64x64x3 standard normal noise
and K = 5, 10, 20: the correlation of the 2-px Gaussian low-pass of (a) the K-step warp, (b) one
warp_noise call by m^K, and (c) the noise left where it was (a fixed seed), each against the
low-pass of the first noise bilinearly warped by m^K (`motion.warp`), over the frame less 16 px
at each edge. Also the share of destination cells that, at step 12, receive two or more sources
(merged) or none (filled by a copy): a pure zoom-in of 1.02 enlarges the area by 4% per step.
Deterministic (seeded); no timing.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/noise_warp_coherence.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from _common import machine  # noqa: E402

from seqsampler.motion.knobs import Knobs  # noqa: E402
from seqsampler.motion.noise_warp import _forward, warp_noise  # noqa: E402
from seqsampler.motion.transform import Matrix, compose, frame_matrix  # noqa: E402
from seqsampler.motion.warp import as_tensor, warp  # noqa: E402

SIZE, EDGE, STEPS = 64, 16, (5, 10, 20)
MOVES = {"pan 0.5 px": Knobs(translation_x=0.5), "zoom 1.02": Knobs(zoom=1.02),
         "zoom 1.02 + rotate 1": Knobs(zoom=1.02, angle=1.0)}  # fmt: skip


def low_pass(x: torch.Tensor, s: float = 2.0) -> torch.Tensor:
    """x [B, C, H, W] blurred by a Gaussian of s px (separable, replicated border), cropped."""
    r = torch.arange(-3 * int(s), 3 * int(s) + 1, dtype=x.dtype)
    k = torch.exp(-(r**2) / (2 * s * s))
    k, c, p = k / k.sum(), x.shape[1], len(r) // 2
    x = F.conv2d(F.pad(x, (p, p, 0, 0), mode="replicate"), k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)  # fmt: skip
    x = F.conv2d(F.pad(x, (0, 0, p, p), mode="replicate"), k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)  # fmt: skip
    return x[..., EDGE:-EDGE, EDGE:-EDGE]


def corr(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).mean() / (a.std() * b.std()))


def power(m: Matrix, k: int) -> Matrix:
    out = m
    for _ in range(k - 1):
        out = compose(m, out)
    return out


def main() -> None:
    torch.set_num_threads(1)
    print(f"# {machine()}")
    print(f"# low-pass correlation with the first noise warped by m^K, {SIZE}x{SIZE}x3")
    print(f"{'move':<22} {'K':>3} {'K steps':>8} {'one step':>8} {'stuck':>6}  merged  holes")
    for name, knobs in MOVES.items():
        m = frame_matrix(knobs, SIZE, SIZE)
        n0 = torch.randn((1, 3, SIZE, SIZE), generator=torch.Generator().manual_seed(5))
        noise, offset, history = n0, None, {}
        for k in range(1, max(STEPS) + 1):
            if k == 12:  # the cells' sources at this step, before the move
                start = torch.zeros((2, SIZE, SIZE), dtype=torch.float64)
                target, _ = _forward(as_tensor(m), start if offset is None else offset)
                count = torch.bincount(target[target >= 0], minlength=SIZE * SIZE)
                shares = (float((count >= 2).double().mean()), float((count == 0).double().mean()))
            moved = warp_noise(noise, m, torch.Generator().manual_seed(100 + k), offset)
            noise, offset = moved.noise, moved.offset
            history[k] = noise
        for k in STEPS:
            mk = power(m, k)
            reference = low_pass(warp(n0, mk))
            once = warp_noise(n0, mk, torch.Generator().manual_seed(1)).noise
            print(
                f"{name:<22} {k:>3} {corr(low_pass(history[k]), reference):8.3f} "
                f"{corr(low_pass(once), reference):8.3f} {corr(low_pass(n0), reference):6.3f}"
                + (f"  {shares[0]:6.3f} {shares[1]:6.3f}" if k == STEPS[0] else "")
            )


if __name__ == "__main__":
    main()
