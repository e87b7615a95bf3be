"""A sweep's worker: one task rendered (a job, or a batch of jobs) and the process that took it.

One job = one task: `run_job(task)` renders one run folder with the resumable renderer
(`render.render`) and returns a `JobOutcome`. It first records the process that took it in
`OUT/.workers/<job>.json` (host, pid, attempt), which is how the driver knows a job is running
and a test finds the process to kill. Torch's threads are set to `task.threads` in the worker
(1 by default, as the CLI's tests render), so a job's frames are the same bytes whichever
executor (`executors`) renders it. A `BatchTask` (`--batch K`) is K jobs rendered as one batch
through the model (`render_batch`); `run_task` runs either kind and returns a list of outcomes,
one per job.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..spec.fields import short_text
from ..spec.resolve import ResolvedSpec

log = logging.getLogger(__name__)

WORKERS_DIR = ".workers"


@dataclass(frozen=True)
class JobTask:
    """What a worker needs: the job's name, its validated spec, its run folder, the sweep
    folder (for the worker record), the device and torch's thread count."""

    name: str
    spec: ResolvedSpec
    out: str
    sweep_root: str
    device: str = "cpu"
    threads: int = 1


@dataclass(frozen=True)
class BatchTask:
    """Jobs that render as one batch (equal specs but for their seeds): one task, one worker."""

    tasks: tuple[JobTask, ...]

    @property
    def name(self) -> str:
        return "+".join(t.name for t in self.tasks)


Task = JobTask | BatchTask


@dataclass
class JobOutcome:
    """A finished job: `done` or `failed` (with the error), and what the render did."""

    name: str
    status: str
    error: str | None = None
    frame_count: int = 0
    resumed_from: int = 0
    rendered: int = 0
    seconds: float = 0.0
    host: str = ""
    pid: int = 0
    attempt: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def worker_record_path(sweep_root: Path | str, name: str) -> Path:
    return Path(sweep_root) / WORKERS_DIR / f"{name}.json"


def read_worker_record(sweep_root: Path | str, name: str) -> dict[str, Any] | None:
    try:
        return json.loads(worker_record_path(sweep_root, name).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def _write_worker_record(task: JobTask) -> int:
    from ..run.writers import atomic_write_text

    path = worker_record_path(task.sweep_root, task.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = read_worker_record(task.sweep_root, task.name) or {}
    attempt = int(previous.get("attempt", 0)) + 1 if previous.get("active") else 1
    record = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "attempt": attempt,
        "active": True,
        "started": time.time(),
    }
    atomic_write_text(path, json.dumps(record))
    return attempt


def _close_worker_record(task: JobTask) -> None:
    from ..run.writers import atomic_write_text

    record = read_worker_record(task.sweep_root, task.name) or {}
    record["active"] = False
    atomic_write_text(worker_record_path(task.sweep_root, task.name), json.dumps(record))


def run_job(task: JobTask) -> JobOutcome:
    """Render one job's run folder (resuming it); a failure is returned, not raised."""
    import torch

    from ..run.render import render

    attempt = _write_worker_record(task)
    host, pid = socket.gethostname(), os.getpid()
    threads = torch.get_num_threads()
    torch.set_num_threads(task.threads)
    try:
        result = render(task.spec, Path(task.out), progress=False, device=task.device)
    except Exception as exc:  # reported in sweep.json; the other jobs go on
        if not isinstance(exc, ValueError):
            log.debug("job %s failed:\n%s", task.name, traceback.format_exc())
        message = short_text(f"{type(exc).__name__}: {exc}".replace("\n", " "), 500)
        _close_worker_record(task)
        return JobOutcome(task.name, "failed", message, host=host, pid=pid, attempt=attempt)
    finally:
        torch.set_num_threads(threads)
    _close_worker_record(task)
    return _done(task, result, host, pid, attempt)


def _done(task: Any, result: Any, host: str, pid: int, attempt: Any) -> JobOutcome:
    """The outcome of a job whose render finished."""
    return JobOutcome(
        task.name,
        "done",
        None,
        result.frame_count,
        result.resumed_from,
        result.rendered,
        round(result.seconds, 3),
        host,
        pid,
        attempt,
    )


def run_batch(batch: BatchTask) -> list[JobOutcome]:
    """Render a batch's jobs as one batch (resuming their folders); a failure fails every job
    of the batch, returned, not raised."""
    import torch

    from ..run.render_batch import render_batch

    tasks = batch.tasks
    attempts = [_write_worker_record(t) for t in tasks]
    host, pid = socket.gethostname(), os.getpid()
    threads = torch.get_num_threads()
    torch.set_num_threads(tasks[0].threads)
    try:
        results = render_batch(
            [t.spec for t in tasks], [Path(t.out) for t in tasks], device=tasks[0].device
        )
    except Exception as exc:  # reported in sweep.json; the other jobs go on
        if not isinstance(exc, ValueError):
            log.debug("batch %s failed:\n%s", batch.name, traceback.format_exc())
        message = short_text(f"{type(exc).__name__}: {exc}".replace("\n", " "), 500)
        for task in tasks:
            _close_worker_record(task)
        return [
            JobOutcome(t.name, "failed", message, host=host, pid=pid, attempt=a)
            for t, a in zip(tasks, attempts, strict=True)
        ]
    finally:
        torch.set_num_threads(threads)
    outcomes = []
    for task, attempt, result in zip(tasks, attempts, results, strict=True):
        _close_worker_record(task)
        outcomes.append(_done(task, result, host, pid, attempt))
    return outcomes


def run_task(task: Task) -> list[JobOutcome]:
    """One executor task: a job (`run_job`) or a batch of jobs (`run_batch`); one outcome per job."""
    if isinstance(task, BatchTask):
        return run_batch(task)
    return [run_job(task)]
