"""Peak memory of the output stage (videos and contact sheet) against the frame count, with a
large upscale: N random 32x32 frame PNGs, written as MP4 and GIF and a contact sheet at
`--upscale` (1024x1024 frames at 32), each N in a fresh process, peak RSS from getrusage.

    OMP_NUM_THREADS=1 python bench/output_memory.py [--counts 64 256 512] [--upscale 32]

A benchmark, not a test: the figures go into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one(count: int, factor: int, formats: list[str]) -> dict[str, float]:
    import numpy as np

    from seqsampler.cli.run.videos import write_video
    from seqsampler.cli.run.writers import LazyFrames, contact_sheet, save_image

    folder = Path(tempfile.mkdtemp(prefix="seqsampler-outmem-"))
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        path = folder / f"{i:05d}.png"
        save_image(path, rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
        paths.append(path)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    frames = LazyFrames(paths, factor)
    for fmt in formats:
        write_video(folder / f"video.{fmt}", frames, 8, fmt)
    save_image(folder / "contact_sheet.png", contact_sheet(frames))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "frames": count,
        "upscale": factor,
        "frame_side": 32 * factor,
        "seconds": round(time.perf_counter() - started, 1),
        "rss_before_mib": round(base, 1),
        "peak_rss_mib": round(peak, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[64, 256, 512])
    parser.add_argument("--upscale", type=int, default=32)
    parser.add_argument("--formats", nargs="+", default=["mp4", "gif"])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.upscale, args.formats)))
        return 0
    for count in args.counts:
        command = [sys.executable, __file__, "--one", str(count), "--upscale", str(args.upscale)]
        command += ["--formats", *args.formats]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        print(done.stdout.strip(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
