"""Output interpolation, measured (issue 30, item 4; docs/quality.md "Output interpolation").

Two sequences of 24 frames at twice the frame rate, both from the embedded model with the
demo's prompts, sampler and colour coherence, the camera moving zoom 1.02 and translation_x
0.5 px per frame:

- `chain`: the camera in the chain (the plan's frames given that motion record and the
  chain's own pixel-space warp, `camera.MotionFeedback`; the spec's motion fields are issue
  29's). The embedded model redraws its centred shapes every frame, so its output barely
  follows the camera: content that stands still while the camera record says it moves.
- `moved`: the same render without the camera, frame i then moved by the camera's i-th power
  (`motion.warp`): the content changes as the chain makes it, the camera is exact. A
  synthetic but honest stand-in for a model whose output follows the camera.

Every other frame is dropped and made again from its two neighbours (t = 1/2, the camera
between them the two frames' matrices composed) by each way; PSNR and SSIM (scikit-image)
against the dropped frame on the uint8 frames a run folder holds (32x32), mean over the 11
dropped frames with two neighbours, and the worst frame's PSNR. `repeat` (the earlier
neighbour shown twice: a doubled frame rate without interpolation) is the floor; `flow, no
camera` is DIS alone. Deterministic (seeded); no timing.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/interpolation_quality.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

PROMPTS = {
    "0": "a big red circle in the center, blue background",
    "8": "a big yellow square in the center, blue background",
    "16": "a big green triangle in the center, black background",
}
SPEC: dict[str, Any] = {  # examples/demo.toml's fields, no videos
    "model": "embedded",
    "steps": 10,
    "cfg": 4.0,
    "sampler_name": "euler_ancestral",
    "scheduler": "karras",
    "seed": 7,
    "seed_mode_seq": "fixed",
    "denoise_start": 1.0,
    "denoise_seq": "0:(0.55), 8:(0.7), 16:(0.55 + 0.1*sin(2*pi*t/8))",
    "inject_noise": True,
    "noise_strength": 0.05,
    "use_conditioning_slerp": True,
    "cond_slerp_strength": 0.5,
    "use_latent_interpolation": True,
    "latent_interpolation_mode": "Blend",
    "latent_interp_strength": 0.8,
    "color_coherence": "lab",
    "color_coherence_anchor": "keyframe",
    "color_coherence_strength": 0.8,
    "formats": [],
    "prompts": PROMPTS,
}
MOTION = {"zoom": 1.02, "translation_x": 0.5}
WAYS = ("repeat", "crossfade", "motion", "flow", "flow, no camera")
SEQUENCES = ("chain", "moved")


def render_moving(frames: int = 24, camera: bool = True) -> tuple[list[torch.Tensor], list[Any]]:
    """The `chain` sequence (`camera` False: the same render without the camera): (frames
    [1, 3, H, W] in [0, 1], quantised to uint8 levels as the PNGs are; frame i's motion
    matrix, i-1 -> i, None for frame 0)."""
    from seqsampler.camera import MotionFeedback, chain_feedback, motion_matrix
    from seqsampler.cli.run.render import load_inputs
    from seqsampler.cli.spec.resolve import resolve_spec
    from seqsampler.coherence import CoherenceFeedback, mode_match, pixel_match, pixel_space_codec
    from seqsampler.frame_sampler import StandaloneFrameSampler
    from seqsampler.planning import FrameMotion
    from seqsampler.sequence import run_sequence

    spec = resolve_spec({**SPEC, "frame_count": frames})
    model, positive, negative, shape = load_inputs(spec, "cpu")
    size = (shape[-1], shape[-2])
    plan = spec.plan()
    motion = FrameMotion(**MOTION)
    plan = replace(
        plan, frames=tuple(replace(f, motion=motion if f.frame else None) for f in plan.frames)
    )
    matrices = [None if f.motion is None else motion_matrix(f.motion, size) for f in plan.frames]
    if not camera:
        plan = replace(plan, frames=tuple(replace(f, motion=None) for f in plan.frames))
    codec = pixel_space_codec()
    feedback = chain_feedback(
        MotionFeedback(plan, size, codec, latent_range=(-1.0, 1.0)) if camera else None,
        CoherenceFeedback(plan, mode_match(pixel_match(*codec))),
    )
    sampler = StandaloneFrameSampler(
        model.denoiser, spec.config.sampler_name, spec.config.scheduler
    )
    latents = run_sequence(plan, sampler, positive, negative, torch.zeros(shape), feedback=feedback)
    images = [
        model.decode(latents[i : i + 1]).clamp(0, 1).mul(255).round().div(255)
        for i in range(frames)
    ]
    return images, matrices


def moved_sequence(frames: int = 24) -> tuple[list[torch.Tensor], list[Any]]:
    """The `moved` sequence: the render without the camera, frame i moved by M^i (M the
    camera's per-frame matrix), quantised to uint8 levels."""
    from seqsampler.motion.power import matrix_power
    from seqsampler.motion.warp import warp

    images, matrices = render_moving(frames, camera=False)
    m = matrices[1]
    moved = [
        warp(image, matrix_power(m, i), "replicate").clamp(0, 1).mul(255).round().div(255)
        for i, image in enumerate(images)
    ]
    return moved, matrices


def remake(images: list[torch.Tensor], matrices: list[Any], j: int, way: str) -> torch.Tensor:
    """Frame j made from frames j-1 and j+1 at t = 1/2 the `way` named (`WAYS`)."""
    from seqsampler.inbetween import inbetween
    from seqsampler.motion.transform import compose

    a, b = images[j - 1], images[j + 1]
    m_ab = compose(matrices[j + 1], matrices[j])  # j-1 -> j, then j -> j+1
    if way == "repeat":
        return a.clone()
    if way == "crossfade":
        return inbetween(a, b, 0.5)
    if way == "flow, no camera":
        return inbetween(a, b, 0.5, flow=True)
    return inbetween(a, b, 0.5, m_ab=m_ab, flow=way == "flow")


def uint8(image: torch.Tensor) -> np.ndarray:
    return image[0].clamp(0, 1).mul(255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def measure(sequence: str, frames: int = 24) -> dict[str, dict[str, float]]:
    """way -> {'psnr': mean dB, 'ssim': mean, 'worst_psnr': min dB, 'count'} over the dropped
    frames of `sequence` (`SEQUENCES`)."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    images, matrices = render_moving(frames) if sequence == "chain" else moved_sequence(frames)
    dropped = range(1, frames - 1, 2)
    out = {}
    for way in WAYS:
        psnr, ssim = [], []
        for j in dropped:
            truth, made = uint8(images[j]), uint8(remake(images, matrices, j, way))
            psnr.append(peak_signal_noise_ratio(truth, made, data_range=255))
            ssim.append(structural_similarity(truth, made, channel_axis=2, data_range=255))
        out[way] = {
            "psnr": statistics.fmean(psnr),
            "ssim": statistics.fmean(ssim),
            "worst_psnr": min(psnr),
            "count": len(psnr),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=24)
    args = parser.parse_args()
    from _common import machine

    print(machine())
    print(f"\nevery other frame of {args.frames} dropped and remade at t = 1/2 (32x32)")
    print("| sequence | way | PSNR (dB) | SSIM | worst PSNR (dB) |\n|---|---|---|---|---|")
    for sequence in SEQUENCES:
        for way, row in measure(sequence, args.frames).items():
            print(
                f"| {sequence} | {way} | {row['psnr']:.2f} | {row['ssim']:.4f} | "
                f"{row['worst_psnr']:.2f} |"
            )


if __name__ == "__main__":
    main()
