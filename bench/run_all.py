"""Run every benchmark, print one table, and write it into BENCHMARKS.md between the markers.

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/run_all.py [--quick] [--no-write]

Each benchmark also runs alone (`bench/<name>.py`). Every figure is a ratio of two things
measured in the same run, interleaved, median of repeats; the machine, versions, load and date
head the section.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, Row, machine, table  # noqa: E402

START = "<!-- bench/run_all.py: start (generated; do not edit by hand) -->"
END = "<!-- bench/run_all.py: end -->"


def benchmarks(quick: bool) -> list[tuple[str, dict]]:
    r = 2 if quick else 5
    return [
        ("startup", {"repeats": 2 if quick else 5}),
        ("evaluations", {}),
        ("vs_diffusers", {"repeats": r}),
        ("denoise_mode", {"repeats": r}),
        ("threads", {"repeats": 2 if quick else 3}),
        ("memory", {"sizes": (16, 64) if quick else (16, 256)}),
        ("variants", {"frames": 4 if quick else 8, "repeats": 2 if quick else 3}),
        ("gpu", {"repeats": r}),
        ("noise_warp", {}),
        ("motion_sharpness", {}),
        ("video_memory", {}),
        ("pareto", {"frames": 10 if quick else 12, "repeats": 2 if quick else 3}),
    ]


def write(text: str, path: Path = ROOT / "BENCHMARKS.md") -> None:
    doc = path.read_text()
    section = f"{START}\n{text}\n{END}"
    if START in doc and END in doc:
        head, rest = doc.split(START, 1)
        doc = head + section + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n## All benchmarks (`bench/run_all.py`)\n\n" + section + "\n"
    path.write_text(doc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--only", help="comma-separated benchmark names")
    args = parser.parse_args()
    head = machine()
    rows: list[Row] = []
    for name, kwargs in benchmarks(args.quick):
        if args.only and name not in args.only.split(","):
            continue
        start = time.perf_counter()
        rows += importlib.import_module(name).run(**kwargs)
        print(f"# {name}: {time.perf_counter() - start:.0f} s\n")
    text = f"Measured {head}; finished with {machine().split('; ')[1]}.\n\n```\n{table(rows)}\n```"
    print(text)
    if not args.no_write:
        write(text)


if __name__ == "__main__":
    main()
