"""The `seqsampler` command: render a spec, print its plan, measure or view a run, render the
demo, or import Deforum / Parseq settings.

    seqsampler render SPEC [--out DIR] [--overwrite] [--dry-run] [--FIELD VALUE ...]
        [--sweep FIELD=VALUES ...] [--jobs local|ray] [--workers N] [--ray-address ADDR] [--batch K]
    seqsampler plan SPEC [--format json|table] [--chart PNG] [--sweep ...] [--FIELD VALUE ...]
    seqsampler demo [--out runs/demo] [--overwrite] [--FIELD VALUE ...]
    seqsampler metrics RUN_FOLDER
    seqsampler view RUN_FOLDER [--serve [--port N]]
    seqsampler import deforum|parseq FILE [-o SPEC] [--overwrite]

Every spec field is also a flag (its name in kebab-case) whose value overrides the spec's; the
value is read as TOML (`--cfg 7.5`, `--inject-noise false`, `--formats '["mp4"]'`) or else taken
as text (`--denoise-seq "0:(0.4), 12:(0.6)"`, `--prompts "a red circle"`). Bad input exits with
status 2 and one message naming the field, the value and what is accepted. docs/cli.md has the
walk-through.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .output import command_output, printable
from .parser import build_parser

log = logging.getLogger("seqsampler.cli")

DEMO_SPEC = "demo.toml"


def demo_spec_text() -> str:
    """The bundled demo spec (`seqsampler/cli/demo.toml`, a link to the repo's examples/demo.toml)."""
    return resources.files("seqsampler.cli").joinpath(DEMO_SPEC).read_text(encoding="utf-8")


def _load(args: argparse.Namespace, check: bool = True) -> Any:
    """The resolved spec, checked as `render` checks it (`check_spec`, the one gate) before any
    model work (`check=False`: the caller renders, and `render` runs the gate); each field
    another one overrides is logged as a warning."""
    from .spec.checks import check_spec
    from .spec.fields import EMBEDDED
    from .spec.file import apply_overrides, flag_overrides, load_spec_file, tomllib
    from .spec.resolve import resolve_spec

    data = tomllib.loads(demo_spec_text()) if args.command == "demo" else load_spec_file(args.spec)
    # `plan` alone may plan for a model that is not on this machine (its prompts then go
    # unmeasured); `render --dry-run` refuses exactly what `render` refuses.
    check_model = args.command != "plan"
    spec = resolve_spec(apply_overrides(data, flag_overrides(args)), check_model=check_model)
    for message in spec.warnings:
        log.warning("warning: %s", message)
    model = spec.fields["model"]
    if not check_model and model != EMBEDDED and not Path(model).exists():
        log.info("model %s is not here: its prompts are not measured against its tokenizer", model)
    if check:
        check_spec(spec)
    return spec


def _cmd_plan(args: argparse.Namespace) -> int:
    from .spec.fields import SpecError, short_repr
    from .sweep.cli import cmd_sweep_plan, is_sweep
    from .view.chart import plan_chart, plan_table

    chart = Path(args.chart) if args.chart else None
    if chart is not None and (chart.is_dir() or args.chart.endswith(("/", "\\"))):
        raise SpecError(
            f"chart: {short_repr(args.chart, 240)} is a folder; accepted: a .png file path"
        )
    if is_sweep(args):
        return cmd_sweep_plan(args)
    spec = _load(args)
    the_plan = spec.plan()
    if args.format == "json":
        sys.stdout.write(the_plan.to_json() + "\n")
    else:
        sys.stdout.write(plan_table(the_plan) + "\n")
    if chart is not None:
        plan_chart(the_plan, spec.positive, chart)
        log.info("chart written to %s", args.chart)
    return 0


def _cmd_view(args: argparse.Namespace) -> int:
    from .view.page import write_view
    from .view.server import serve

    folder = Path(args.folder)
    page = write_view(folder)
    sys.stdout.write(f"{printable(str(page))}\n")
    if args.serve:
        return serve(folder, args.port)
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from .run.render import render
    from .sweep.cli import cmd_sweep_render, is_sweep

    if args.command == "render" and is_sweep(args):
        return cmd_sweep_render(args)
    if getattr(args, "batch", 1) != 1:
        from .spec.fields import SpecError

        raise SpecError(
            f"batch: {args.batch} without a sweep; accepted: --batch K with --sweep or a [sweep] "
            "table, e.g. --sweep seed=1..4 --batch 4"
        )
    if getattr(args, "dry_run", False):
        args.format, args.chart = "json", None
        return _cmd_plan(args)
    from ..threads import torch_threads

    spec = _load(args, check=False)  # render() runs check_spec
    out = args.out or str(Path("runs") / Path(args.spec).stem)
    with torch_threads(args.threads) as threads:  # put back after: main() may run in-process
        log.debug("torch threads: %d", threads)
        result = render(
            spec, Path(out), overwrite=args.overwrite, progress=not args.quiet, device=args.device
        )
    sys.stdout.write(f"{printable(str(result.folder.root))}\n")
    for path in result.outputs:
        sys.stdout.write(f"{printable(str(path))}\n")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    """`seqsampler import`: the fields carried are those the CLI takes (`all_fields`)."""
    from ..importing import cmd_import
    from .spec.fields import all_fields

    return cmd_import(args, all_fields())


def _cmd_metrics(args: argparse.Namespace) -> int:
    from ..metrics import run_metrics, summary_table
    from ..motion.knobs import knobs_from
    from ..motion.transform import frame_matrix

    def motion_matrix(record: dict[str, Any], width: int, height: int) -> Any:
        return frame_matrix(knobs_from(record), width, height)

    result = run_metrics(Path(args.run_folder), motion_matrix=motion_matrix)
    sys.stdout.write(summary_table(result) + "\n")
    for path in result["outputs"]:
        sys.stdout.write(f"{printable(str(path))}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `seqsampler` console script; returns the exit status: 0, 2 for bad
    input, 1 for a file the system could not read or write (disk full, read-only), 130 for
    Ctrl-C. Each failure is one line on stderr."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        sys.stderr.write("seqsampler: interrupted; run the same command again to resume\n")
        if argv is None:  # the command itself: end now, so no exit hook adds lines (an
            # import cut short can leave torch printing its cache statistics at exit)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    quiet, models = getattr(args, "quiet", False), args.command in ("render", "demo")
    with command_output(verbose=args.verbose, quiet=quiet, models=models):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "plan":
            return _cmd_plan(args)
        if args.command == "metrics":
            return _cmd_metrics(args)
        if args.command == "view":
            return _cmd_view(args)
        if args.command == "import":
            return _cmd_import(args)
        return _cmd_render(args)
    except ValueError as exc:  # SpecError and the library's validation errors
        sys.stderr.write(f"seqsampler: error: {printable(_one_line(str(exc)))}\n")
        return 2
    except OSError as exc:  # disk full, read-only folder, permissions, a path through a file
        sys.stderr.write(f"seqsampler: error: {printable(os_error_text(exc))}\n")
        return 1


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


ERRNO_HINTS = {
    errno.ENOSPC: "free some space and run the same command again to resume",
    errno.EDQUOT: "free some space and run the same command again to resume",
    errno.EROFS: "the file system is read-only; choose another folder (--out)",
    errno.EACCES: "choose a folder you can write (--out)",
    errno.EPERM: "choose a folder you can write (--out)",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


def os_error_text(exc: OSError) -> str:
    """One line for an OSError: the file, the system's reason, and what to do."""
    where = f"{exc.filename}: " if exc.filename else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    hint = ERRNO_HINTS.get(exc.errno or 0)
    return _one_line(f"cannot write or read {where}{reason}" + (f"; {hint}" if hint else ""))
