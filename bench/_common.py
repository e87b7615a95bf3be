"""Shared helpers of the benchmarks: the machine line, interleaved timing, a UNet call counter,
and the tiny random SD pipeline the tests build (tests/tiny_pipelines.py).

Every figure a benchmark reports is a ratio of two things measured in the same run, their
repeats interleaved (A B A B ...), best and median of the repeats.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TINY_DIR = Path(os.environ.get("SEQSAMPLER_BENCH_TMP", "/tmp/seqsampler-bench")) / "tiny-sd"


@dataclass
class Row:
    """One line of the benchmark table: `ratio` = a / b (what each is: `compares`)."""

    bench: str
    compares: str
    a: float
    b: float
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.a / self.b if self.b else float("nan")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f} (1/5 min)"


def machine() -> str:
    import diffusers
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{now}; {cpu_model()}, {cores} cores, {load()}; python {platform.python_version()}, "
        f"torch {torch.__version__}, diffusers {diffusers.__version__}"
    )


def interleaved(
    fns: dict[str, Callable[[], Any]], repeats: int, warmup: bool = True
) -> dict[str, list[float]]:
    """Seconds of each callable, `repeats` rounds of A B C ... (one warm-up round first unless
    `warmup` is False: the caller warmed up on something smaller)."""
    for fn in fns.values() if warmup else ():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def best_median(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


class Counter:
    """Counts and times a module's forward calls (hooks), and the batch sizes it saw."""

    def __init__(self, module: Any):
        self.calls, self.seconds, self.batches = 0, 0.0, []
        self._start = 0.0
        module.register_forward_pre_hook(self._pre)
        module.register_forward_hook(self._post)

    def _pre(self, module: Any, args: Any) -> None:
        self._start = time.perf_counter()
        self.batches.append(int(args[0].shape[0]) if args else -1)

    def _post(self, module: Any, args: Any, out: Any) -> None:
        self.seconds += time.perf_counter() - self._start
        self.calls += 1

    def reset(self) -> None:
        self.calls, self.seconds, self.batches = 0, 0.0, []


class Timer:
    """Wraps `obj.name` (a method) to sum its seconds and calls."""

    def __init__(self, obj: Any, name: str):
        self.seconds, self.calls = 0.0, 0
        inner = getattr(obj, name)

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        setattr(obj, name, wrapped)

    def reset(self) -> None:
        self.seconds, self.calls = 0.0, 0


def tiny_pipeline() -> Path:
    """The tests' tiny random SD 1.x folder (built once under TINY_DIR)."""
    if not (TINY_DIR / "model_index.json").is_file():
        sys.path.insert(0, str(ROOT / "tests"))
        import shutil

        from tiny_pipelines import save_tiny_pipeline

        shutil.rmtree(TINY_DIR, ignore_errors=True)
        save_tiny_pipeline(TINY_DIR)
    return TINY_DIR


def table(rows: list[Row]) -> str:
    lines = [
        f"{'benchmark':<14} {'a':>10} {'b':>10} {'a / b':>7}  compares (a vs b); note",
    ]
    for r in rows:
        fmt = (lambda v: f"{v:10.4g}") if r.unit != "count" else (lambda v: f"{v:10.1f}")
        lines.append(
            f"{r.bench:<14} {fmt(r.a)} {fmt(r.b)} {r.ratio:7.2f}  {r.compares}"
            + (f"; {r.note}" if r.note else "")
        )
    return "\n".join(lines)
