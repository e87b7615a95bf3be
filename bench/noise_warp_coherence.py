"""How much of the noise's coarse structure `noise_warp`'s transport (`motion.integral_noise`)
keeps over many small camera steps (issue 29; docs/quality.md "Camera motion").

A noise moved K times by a per-frame matrix m (particles carried, as `camera_noise.NoiseWarp`
does) should, at coarse scales, be the first noise moved once by m^K. For 64x64x3 standard
normal noise and K = 5, 10, 20: the correlation of the 2-px Gaussian low-pass of (a) the K-step
transport, (b) one move by m^K, and (c) the noise left where it was (a fixed seed), each against
the low-pass of the first noise bilinearly warped by m^K (`motion.warp`), over the frame less
16 px at each edge. Also, at step 12, the share of cells re-drawn (fewer than k²/4 particles,
more than 4·k² or none) and the range of the other cells' particle counts (k² = 16 at rest).
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

from seqsampler.motion.integral_noise import IntegralNoise  # noqa: E402
from seqsampler.motion.knobs import Knobs  # noqa: E402
from seqsampler.motion.transform import Matrix, compose, frame_matrix  # noqa: E402
from seqsampler.motion.warp import warp  # noqa: E402

SIZE, EDGE, STEPS = 64, 16, (5, 10, 20)
MOVES = {"pan 0.5 px": Knobs(translation_x=0.5), "zoom 1.02": Knobs(zoom=1.02),
         "zoom 1.02 + rotate 1": Knobs(zoom=1.02, angle=1.0), "zoom 0.98": Knobs(zoom=0.98)}  # fmt: skip


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


def counts(field: IntegralNoise) -> torch.Tensor:
    """Particles per cell [h·w] after a move (before settling)."""
    cx = torch.floor(field.position[:, 0] + 0.5)
    cy = torch.floor(field.position[:, 1] + 0.5)
    inside = (cx >= 0) & (cx < field.width) & (cy >= 0) & (cy < field.height)
    index = (cy[inside] * field.width + cx[inside]).to(torch.int64)
    return torch.bincount(index, minlength=field.height * field.width)


def moved(n0: torch.Tensor, m: Matrix, k: int, seed: int) -> tuple[list[torch.Tensor], str]:
    """n0 [1, C, h, w] moved k times by m: the noise after each step, and the counts at 12."""
    g = torch.Generator().manual_seed(seed)
    field, history, shares = IntegralNoise.start(n0[0], g), [], ""
    for step in range(1, k + 1):
        field = field.moved(m)
        if step == 12:
            c, q = counts(field), field.k * field.k
            redo = (c < max(1, q // 4)) | (c > 4 * q)
            kept = c[~redo]
            shares = f"{float(redo.double().mean()):6.3f} {int(kept.min()):>3}-{int(kept.max())}"
        field, noise = field.settle(g)
        history.append(noise.float()[None])
    return history, shares


def main() -> None:
    torch.set_num_threads(1)
    print(f"# {machine()}")
    print(f"# low-pass correlation with the first noise warped by m^K, {SIZE}x{SIZE}x3")
    print(f"{'move':<22} {'K':>3} {'K steps':>8} {'one step':>8} {'stuck':>6}  redrawn counts")
    for name, knobs in MOVES.items():
        m = frame_matrix(knobs, SIZE, SIZE)
        n0 = torch.randn((1, 3, SIZE, SIZE), generator=torch.Generator().manual_seed(5))
        history, shares = moved(n0, m, max(STEPS), 100)
        for k in STEPS:
            mk = power(m, k)
            reference = low_pass(warp(n0, mk))
            once = moved(n0, mk, 1, 1)[0][0]
            print(
                f"{name:<22} {k:>3} {corr(low_pass(history[k - 1]), reference):8.3f} "
                f"{corr(low_pass(once), reference):8.3f} {corr(low_pass(n0), reference):6.3f}"
                + (f"  {shares}" if k == STEPS[0] else "")
            )


if __name__ == "__main__":
    main()
