"""Soak: render 1,024 frames on the embedded model at a small size, sampling the render's
resident memory (RSS) over time, to show that memory stays flat in the frame count (frames are
written as they are made; videos and the contact sheet read the frames one at a time).

    OMP_NUM_THREADS=1 python bench/soak.py [--frames 1024] [--size 32] [--out /tmp/soak]

Prints a Markdown block for BENCHMARKS.md: the machine, the date, the time per frame, and the
peak RSS in each tenth of the render and in the output stage. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1024)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--upscale", type=int, default=4)
    parser.add_argument("--out", default=None, help="run folder [default: a temporary one]")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="seqsampler-soak-"))
    out = Path(args.out) if args.out else work / "run"
    if out.exists():
        shutil.rmtree(out)
    spec = work / "soak.toml"
    spec.write_text(
        "\n".join(
            [
                'model = "embedded"',
                f"frame_count = {args.frames}",
                f"steps = {args.steps}",
                f"width = {args.size}",
                f"height = {args.size}",
                'sampler_name = "euler"',
                "use_latent_interpolation = true",
                'formats = ["mp4", "gif"]',
                f"upscale = {args.upscale}",
                "[prompts]",
                '"0" = "a big red circle in the center, blue background"',
                f'"{args.frames // 2}" = "a small yellow square on the left, black background"',
            ]
        )
        + "\n"
    )
    command = [sys.executable, "-m", "seqsampler.cli", "render", str(spec), "--out", str(out), "-q"]
    started = time.monotonic()
    log_path = work / "render.log"  # a file, not a pipe: a full pipe would stall the render
    log = log_path.open("wb")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
    samples: list[tuple[float, int, float]] = []  # (seconds, frames done, RSS MiB)
    frames_dir = out / "frames"
    while process.poll() is None:
        rss = rss_mib(process.pid)
        done = len(list(frames_dir.glob("*.png"))) if frames_dir.is_dir() else 0
        if rss is not None:
            samples.append((time.monotonic() - started, done, rss))
        time.sleep(args.interval)
    seconds = time.monotonic() - started
    log.close()
    if process.returncode:
        sys.stderr.write(log_path.read_text(errors="replace")[-4000:])
        return process.returncode

    n = args.frames
    rendering = [s for s in samples if 0 < s[1] < n]
    output_stage = [s for s in samples if s[1] >= n]
    tenths = []
    for k in range(10):
        low, high = k * n // 10, (k + 1) * n // 10
        part = [s[2] for s in rendering if low <= s[1] < high]
        tenths.append(round(max(part), 1) if part else None)
    first = [s for s in rendering if s[1] > 0]
    per_frame = (first[-1][0] - first[0][0]) / max(1, first[-1][1] - first[0][1]) if first else 0
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}",
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "frames": n,
        "size": args.size,
        "steps": args.steps,
        "upscale": args.upscale,
        "seconds": round(seconds, 1),
        "seconds_per_frame": round(per_frame, 3),
        "peak_rss_mib_by_tenth": tenths,
        "peak_rss_mib_outputs": round(max((s[2] for s in output_stage), default=0), 1),
        "peak_rss_mib": round(max(s[2] for s in samples), 1),
        "samples": len(samples),
        "video_bytes": {p.name: p.stat().st_size for p in out.glob("video.*")},
        "contact_sheet_bytes": (out / "contact_sheet.png").stat().st_size,
    }
    (work / "soak.json").write_text(json.dumps({**result, "trace": samples}))
    print(json.dumps(result, indent=2))
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
