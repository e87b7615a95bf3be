"""Throughput of a sweep of K jobs on a local Ray instance with 1 and with 2 workers.

    OMP_NUM_THREADS=1 PYTHONPATH=src python bench/sweep_scaling.py [--jobs K] [--frames N]

Each run starts a fresh local Ray instance (127.0.0.1, `--workers` CPUs), renders K jobs of the
embedded model (seeds 1..K) into a new folder, and reports the wall time (Ray start and worker
start-up included) and the frames per second; docs/scale.md quotes it.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from seqsampler.cli.sweep.executors import RayJobs
from seqsampler.cli.sweep.jobs import build_jobs, resolve_jobs
from seqsampler.cli.sweep.run import run_sweep

SPEC = {
    "model": "embedded",
    "steps": 4,
    "cfg": 3.0,
    "formats": [],
    "prompts": {
        "0": "a big red circle in the center, blue background",
        "4": "a big yellow square in the center, blue background",
    },
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    base = {**SPEC, "frame_count": args.frames}
    jobs = resolve_jobs(base, build_jobs({"seed": list(range(1, args.jobs + 1))}, []))
    frames = args.jobs * args.frames
    for workers in args.workers:
        import ray

        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            executor = RayJobs(workers=workers)
            ready = time.perf_counter() - started
            result = run_sweep(Path(tmp) / "sweep", jobs, executor, progress=False)
            seconds = time.perf_counter() - started
            assert not result.failed, result.failed
            render_s = sorted(j["seconds"] for j in result.jobs)
            logging.warning(
                "%d workers: %d jobs x %d frames in %.1f s (Ray start %.1f s): %.2f frames/s; "
                "per job %.1f..%.1f s",
                workers,
                args.jobs,
                args.frames,
                seconds,
                ready,
                frames / seconds,
                render_s[0],
                render_s[-1],
            )
        assert not ray.is_initialized()


if __name__ == "__main__":
    main()
