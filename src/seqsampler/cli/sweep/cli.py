"""The command line's sweep flags and commands (hooked into `main`):

    seqsampler render SPEC --sweep "seed=1..8" --sweep "cfg=4,6" [--jobs local|ray]
        [--workers N] [--ray-address auto|HOST:PORT] [--gpus-per-job G] [--max-retries R]
        [--batch K]
    seqsampler plan SPEC --sweep ...          # the job list (JSON, or --format table)

A spec with a `[sweep]` table, or any `--sweep` flag, makes `render` a sweep and `plan` a job
list (docs/cli.md "Sweeps", docs/scale.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ..spec.fields import SpecError, ascii_number

log = logging.getLogger("seqsampler.cli")


def add_sweep_flags(parser: argparse.ArgumentParser, executors: bool) -> None:
    group = parser.add_argument_group("sweeps (docs/cli.md, docs/scale.md)")
    group.add_argument(
        "--sweep",
        action="append",
        default=[],
        metavar="FIELD=VALUES",
        help="render every combination of the listed values, each into OUT/<values>/: "
        "'seed=1..8', 'cfg=4,6', 'prompts=[\"a\", \"b\"]' (repeatable; adds to the spec's [sweep])",
    )
    if not executors:
        return
    group.add_argument(
        "--jobs",
        choices=("local", "ray"),
        default="local",
        help="where a sweep's jobs run: this machine, or a Ray cluster [default: local]",
    )
    group.add_argument(
        "--workers",
        type=ascii_number(int),
        default=None,
        metavar="N",
        help="jobs at once: local processes (1: in this process), or the CPUs of the local Ray "
        "instance [default: 1 local, all CPUs for ray]",
    )
    group.add_argument(
        "--ray-address",
        default=None,
        metavar="auto|HOST:PORT",
        help="join a running Ray cluster [default: start a local Ray instance on 127.0.0.1]",
    )
    group.add_argument(
        "--gpus-per-job",
        type=ascii_number(float),
        default=0.0,
        metavar="G",
        help="GPUs each Ray task reserves [default: 0]",
    )
    group.add_argument(
        "--batch",
        type=ascii_number(int),
        default=1,
        metavar="K",
        help="render up to K jobs that differ only in seed (and fps, formats, upscale) as one "
        "batch through the model, each still into its own folder [default: 1, each job alone]",
    )
    group.add_argument(
        "--max-retries",
        type=ascii_number(int),
        default=3,
        metavar="R",
        help="Ray retries of a job whose worker died (the retry resumes its frames) [default: 3]",
    )


def is_sweep(args: argparse.Namespace) -> bool:
    """Whether this `render` / `plan` is a sweep: `--sweep` flags or a `[sweep]` table."""
    if getattr(args, "sweep", None):
        return True
    if getattr(args, "command", None) not in ("render", "plan"):
        return False
    from ..spec.file import load_spec_file

    return "sweep" in load_spec_file(args.spec)


def _jobs(args: argparse.Namespace, check_model: bool) -> list[Any]:
    from ..spec.file import apply_overrides, flag_overrides, load_spec_file
    from .jobs import build_jobs, resolve_jobs, split_sweep, sweep_axes

    base, table = split_sweep(load_spec_file(args.spec))
    axes, variants = sweep_axes(table, args.sweep)
    overrides = flag_overrides(args)
    clash = sorted(set(overrides) & (set(axes) | {k for v in variants for k in v}))
    if clash:
        raise SpecError(
            f"sweep: {', '.join(clash)} both swept and given as a flag; accepted: one of the two"
        )
    return resolve_jobs(
        apply_overrides(base, overrides), build_jobs(axes, variants), check_model=check_model
    )


def job_table(jobs: list[Any]) -> str:
    rows = [("job", "frames", "values")]
    rows += [(j.name, str(j.spec.frame_count), json.dumps(j.job.values)) for j in jobs]
    widths = [max(len(r[i]) for r in rows) for i in range(2)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]}" for r in rows)


def cmd_sweep_plan(args: argparse.Namespace) -> int:
    """`plan` of a sweep: the job list, each job's spec validated (no model is loaded)."""
    if getattr(args, "chart", None):
        raise SpecError(
            f"chart: {args.chart!r} with a sweep; accepted: --chart for one spec (plan a job by "
            "giving its values as field flags, without --sweep or [sweep])"
        )
    jobs = _jobs(args, check_model=False)
    if args.format == "table":
        sys.stdout.write(job_table(jobs) + "\n")
    else:
        listing = [
            {
                "name": j.name,
                "folder": j.name,
                "values": j.job.values,
                "frame_count": j.spec.frame_count,
            }
            for j in jobs
        ]
        sys.stdout.write(json.dumps({"jobs": listing}, indent=2) + "\n")
    return 0


def cmd_sweep_render(args: argparse.Namespace) -> int:
    """`render` of a sweep: every job into OUT/<job>/; exit 1 when a job failed."""
    from .executors import make_executor
    from .run import run_sweep

    if getattr(args, "dry_run", False):
        args.format = "json"
        return cmd_sweep_plan(args)
    from ..run.render_batch import check_batch_size

    check_batch_size(args.batch)
    jobs = _jobs(args, check_model=True)
    if args.max_retries < 0:
        raise SpecError(f"max_retries: got {args.max_retries}; accepted: an int >= 0")
    workers = args.workers if args.workers is not None else (None if args.jobs == "ray" else 1)
    executor = make_executor(
        args.jobs,
        workers,
        args.ray_address,
        args.gpus_per_job,
        args.max_retries,
        quiet=args.quiet,
    )
    from ...threads import choose_threads

    threads = 1 if args.threads is None else choose_threads(args.threads)
    out = Path(args.out or Path("runs") / Path(args.spec).stem)
    result = run_sweep(
        out,
        jobs,
        executor,
        overwrite=args.overwrite,
        progress=not args.quiet,
        device=args.device,
        threads=threads,
        batch=args.batch,
    )
    sys.stdout.write(f"{result.root}\n{result.root / 'sweep.json'}\n")
    if result.sheet:
        sys.stdout.write(f"{result.sheet}\n")
    if result.failed:
        sys.stderr.write(
            f"seqsampler: error: {len(result.failed)} of {len(result.jobs)} jobs failed "
            f"({', '.join(result.failed)}); see sweep.json, then run the same command again\n"
        )
        return 1
    return 0
