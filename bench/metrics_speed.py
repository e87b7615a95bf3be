"""Speed of `seqsampler.metrics.sequence_metrics` on synthetic 512x512 frames, one CPU core.

A smooth random texture panned 3 px per frame (so the optical flow has real work), with one
segment start in the middle. OpenCV is held to one thread; run with OMP_NUM_THREADS=1.
Goal: at least 10 frames/s at 512x512 on one core.

    OMP_NUM_THREADS=1 .venv/bin/python bench/metrics_speed.py [--frames 48] [--size 512] [--repeats 3]
"""

from __future__ import annotations

import argparse
import platform
import time

import cv2
import numpy as np

from seqsampler.metrics import sequence_metrics


def synthetic_frames(count: int, size: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    width = size + 3 * count
    noise = rng.integers(0, 256, (size, width, 3), dtype=np.uint8).astype(np.float32)
    base = cv2.GaussianBlur(noise, (0, 0), 4.0)
    base = ((base - base.min()) / (base.max() - base.min()) * 255).astype(np.uint8)
    grain = rng.integers(-6, 7, (count, size, size, 3), dtype=np.int16)
    return [
        np.clip(base[:, 3 * k : 3 * k + size].astype(np.int16) + grain[k], 0, 255).astype(np.uint8)
        for k in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    frames = synthetic_frames(args.frames, args.size)
    starts = [0, args.frames // 2]
    sequence_metrics(frames[:3], [0])  # warm-up (imports, OpenCV init)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        sequence_metrics(frames, starts)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(
        f"sequence_metrics: {args.frames} frames {args.size}x{args.size}, one OpenCV thread, "
        f"{platform.processor() or platform.machine()}"
    )
    print(f"best of {args.repeats}: {best:.3f} s = {args.frames / best:.1f} frames/s")
    print(f"all runs (s): {', '.join(f'{t:.3f}' for t in times)}")


if __name__ == "__main__":
    main()
