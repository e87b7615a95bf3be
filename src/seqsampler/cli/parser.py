"""The `seqsampler` command's argument parser: its subcommands and their flags.

`build_parser()` makes the parser `app.main` reads: `render`, `plan`, `demo`, `metrics`, `view`
and `import`, each spec field a flag (`--FIELD VALUE`, kebab-case), and one-line errors (exit 2)
that suggest the nearest flag for an unknown one.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Any

from .output import printable

DEMO_OUT = Path("runs") / "demo"


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) that suggest the nearest flag for an unknown one."""

    def error(self, message: str) -> Any:
        if message.startswith("unrecognized arguments:"):
            unknown = [a.split("=")[0] for a in message.split(":", 1)[1].split() if a[:2] == "--"]
            known = _option_strings(self)
            for flag in unknown:
                near = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
                if near:
                    message += f" (did you mean {near[0]}?)"
                    break
        self.exit(2, f"{self.prog}: error: {printable(message)}\n")


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every long flag of `parser` and of its subcommands."""
    out: list[str] = []
    for action in parser._actions:
        out += [s for s in action.option_strings if s.startswith("--")]
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out += _option_strings(sub)
    return list(dict.fromkeys(out))


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add_field_flags(parser: argparse.ArgumentParser) -> None:
    from .spec.fields import all_fields
    from .spec.file import FLAG_PREFIX

    group = parser.add_argument_group("spec fields (override the spec file)")
    for name, (default, help_text) in all_fields().items():
        shown = "" if default is None else f" [default: {default!r}]"
        group.add_argument(
            _flag(name),
            dest=FLAG_PREFIX + name,
            metavar="VALUE",
            default=argparse.SUPPRESS,
            help=help_text.replace("%", "%%") + shown.replace("%", "%%"),
        )


def _add_run_flags(parser: argparse.ArgumentParser, default_out: str | None) -> None:
    from .spec.fields import ascii_number

    out_help = "run folder (frames, latents, videos, plan, spec)"
    out_help += f" [default: {default_out}]" if default_out else " [default: runs/<spec name>]"
    parser.add_argument("--out", "-o", default=default_out, help=out_help)
    parser.add_argument(
        "--overwrite", action="store_true", help="clear the run folder's outputs and start again"
    )
    parser.add_argument("--device", default="cpu", help="torch device [default: cpu]")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    parser.add_argument(
        "--threads",
        type=ascii_number(int),
        default=None,
        metavar="N",
        help="torch CPU threads [default: the free cores, at most 4, 1 on a busy machine]; "
        "frames may differ in the last bits between thread counts (docs/cli.md)",
    )


def build_parser() -> argparse.ArgumentParser:
    from ..importing import add_import_arguments
    from ..version import __version__
    from .sweep.cli import add_sweep_flags

    parser = Parser(
        prog="seqsampler",
        description="Keyframed sequence sampling (KSampler Sequence v2) without ComfyUI.",
    )
    parser.add_argument("--version", action="version", version=f"seqsampler {__version__}")
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    render = sub.add_parser("render", help="render a spec into a run folder (resumable)")
    render.add_argument("spec", help="a .toml or .yaml spec file")
    render.add_argument(
        "--dry-run", action="store_true", help="print the plan JSON and stop (same as `plan`)"
    )
    _add_run_flags(render, None)
    add_sweep_flags(render, executors=True)
    _add_field_flags(render)

    plan = sub.add_parser(
        "plan", help="print the per-frame plan (checked as render checks it; no model is loaded)"
    )
    plan.add_argument("spec", help="a .toml or .yaml spec file")
    plan.add_argument("--format", choices=("json", "table"), default="json")
    plan.add_argument("--chart", metavar="PNG", help="also draw the plan as a PNG chart")
    add_sweep_flags(plan, executors=False)
    _add_field_flags(plan)

    demo = sub.add_parser("demo", help="render the bundled example on the embedded model")
    _add_run_flags(demo, str(DEMO_OUT))
    _add_field_flags(demo)

    metrics = sub.add_parser(
        "metrics",
        help="measure a run folder's frames: flicker, SSIM, colour drift, flow residual, loop seam",
        description="Write metrics.json, metrics.csv and metrics.png into the run folder and "
        "print a summary (docs/quality.md defines each measure).",
    )
    metrics.add_argument("run_folder", help="a run folder (frames/*.png and plan.json)")
    view = sub.add_parser(
        "view", help="write view.html into a run folder: video, contact sheet, plan, frames"
    )
    view.add_argument("folder", metavar="RUN_FOLDER", help="a folder written by render or demo")
    view.add_argument(
        "--serve", action="store_true", help="serve the folder on 127.0.0.1 until Ctrl-C"
    )
    view.add_argument(
        "--port", type=_port, default=8000, help="port for --serve, 0 for any [default: 8000]"
    )
    add_import_arguments(
        sub.add_parser(
            "import",
            help="turn a Deforum settings file or a Parseq export into a spec (TOML)",
            description="Write a seqsampler spec from a Deforum settings file or Parseq's "
            "rendered JSON; each setting it cannot carry over is a comment in the spec.",
        )
    )
    return parser


def _port(text: str) -> int:
    """`--port`: an int in [0, 65535] in ASCII digits (argparse's one-line error otherwise)."""
    try:
        value = int(text) if text.strip().isascii() else None
    except ValueError:
        value = None
    if value is None:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}")
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"got {value}; accepted: an int in [0, 65535] (0: any free port)"
        )
    return value
