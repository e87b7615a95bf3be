"""noise_warp on a model that follows the camera (issue 29 item 5's reading; docs/quality.md).

The embedded model redraws its shapes where it was trained to put them, so its frames do not
follow the camera and no noise policy changes its motion-compensated flicker much
(bench/motion_quality.py). This bench runs the same chain (plan -> `run_sequence` with the
camera's feedback, `StandaloneFrameSampler`, euler / karras, 10 steps, denoise 0.5 unless given,
inject_noise 0.05) on a stand-in model whose output does follow the camera: the exact posterior
mean of a stationary Gaussian texture prior (power spectrum P, a Gaussian of 3 px plus a little
white detail), i.e. the Wiener filter D(x, sigma) = F⁻¹[P / (P + sigma²) F x], which is
shift-equivariant and has no layout of its own. Frame 0 is a sample of that prior (64x64x3, std
0.3 in [-1, 1]). Each camera move, three seed policies (fixed, increment, increment with
noise_warp), the CLI's measure (`metrics.motion.compensated_change` on 8-bit frames) averaged
over frames 1..47, and camera_only = |f_(i-1) - warp(f_(i-1))| (the change if the frame stayed
put). Deterministic; no timing.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/motion_flicker_ideal.py [--denoise 0.5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine  # noqa: E402

SIZE, FRAMES = 64, 48
MOVES: dict[str, dict[str, float]] = {
    "pan 1 px": {"translation_x": 1.0},
    "pan 0.5 px": {"translation_x": 0.5},
    "zoom 1.02": {"zoom": 1.02},
    "zoom 1.02 + pan 0.5 px": {"zoom": 1.02, "translation_x": 0.5},
}
POLICIES = {"fixed": ("fixed", False), "increment": ("increment", False),
            "noise_warp": ("increment", True)}  # fmt: skip


def prior() -> Any:
    """P [SIZE, SIZE] (float64): the texture's power per FFT frequency, pixel variance 0.09."""
    import torch

    f = torch.fft.fftfreq(SIZE, dtype=torch.float64)
    power = torch.exp(-(f.view(-1, 1) ** 2 + f.view(1, -1) ** 2) * (2 * torch.pi * 3.0) ** 2 / 2)
    return power / power.mean() * 0.09 + 1e-4


class Wiener:
    """D(x [B, C, H, W], sigma) = F⁻¹[P / (P + sigma²) F x]: the posterior mean under the prior."""

    def __init__(self) -> None:
        import torch

        from seqsampler.sampling.sigma_space import SigmaSpace

        betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000) ** 2  # SD's scaled_linear
        self.sigma_space = SigmaSpace.from_betas(betas)
        self.power = prior()

    def __call__(self, x: Any, sigma: Any, cond: Any) -> Any:
        import torch

        gain = self.power / (self.power + float(sigma.flatten()[0]) ** 2)
        return torch.fft.ifft2(torch.fft.fft2(x.double()) * gain).real.to(x.dtype)


def first_frame() -> Any:
    """[1, 3, SIZE, SIZE]: a sample of the prior (seeded)."""
    import torch

    white = torch.randn((1, 3, SIZE, SIZE), generator=torch.Generator().manual_seed(3),
                        dtype=torch.float64)  # fmt: skip
    return torch.fft.ifft2(torch.fft.fft2(white) * prior().sqrt()).real.float()


def run(move: dict[str, float], mode: str, warped: bool, denoise: float) -> tuple[float, float]:
    """(mean change_motion, mean camera_only) over frames 1..FRAMES-1 of one chain."""
    import numpy as np
    import torch

    from seqsampler import SequenceConfig, plan, run_sequence
    from seqsampler.camera import MotionFeedback, motion_matrix
    from seqsampler.camera_noise import NoiseWarp
    from seqsampler.coherence import pixel_space_codec
    from seqsampler.conditioning import Conditioning
    from seqsampler.frame_sampler import StandaloneFrameSampler
    from seqsampler.metrics.motion import compensated_change

    config = SequenceConfig(
        frame_count=FRAMES, seed=7, seed_mode_seq=mode, seed_keying=False, steps=10, cfg=1.0,
        denoise_start=denoise, denoise_seq=denoise, denoise_sine=False, inject_noise=True,
        noise_strength=0.05, noise_warp=warped, **move,
    )  # fmt: skip
    the_plan, size = plan(config), (SIZE, SIZE)
    feedback = MotionFeedback(the_plan, size, pixel_space_codec(), (-1.0, 1.0))
    hook = NoiseWarp(the_plan, size) if warped else None
    cond = [Conditioning(torch.zeros(1, 1, 1), {})]
    sampler = StandaloneFrameSampler(Wiener(), "euler", "karras")
    out = run_sequence(the_plan, sampler, cond, cond, first_frame(), feedback=feedback, noise=hook)
    frames = ((out.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    moved, still = [], []
    for i in range(1, FRAMES):
        motion = the_plan.frames[i].motion
        assert motion is not None
        m = np.asarray(motion_matrix(motion, size))
        moved.append(compensated_change(frames[i - 1], frames[i], m))
        still.append(compensated_change(frames[i - 1], frames[i - 1], m))
    return float(np.mean(moved)), float(np.mean(still))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--denoise", type=float, default=0.5)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"# {machine()}")
    print(f"# Wiener stand-in model, {SIZE}x{SIZE}, {FRAMES} frames, denoise {args.denoise}")
    print(f"{'move':<24} {'fixed':>7} {'increment':>9} {'noise_warp':>10} {'camera_only':>11} "
          f"{'ratio':>6}")  # fmt: skip
    for name, move in MOVES.items():
        result = {p: run(move, *POLICIES[p], args.denoise) for p in POLICIES}
        best = min(result["fixed"][0], result["increment"][0])
        print(
            f"{name:<24} {result['fixed'][0]:7.4f} {result['increment'][0]:9.4f} "
            f"{result['noise_warp'][0]:10.4f} {result['noise_warp'][1]:11.4f} "
            f"{result['noise_warp'][0] / best:6.3f}"
        )
    print("ratio: noise_warp / the better of fixed and increment (the issue's goal: <= 0.8)")


if __name__ == "__main__":
    main()
