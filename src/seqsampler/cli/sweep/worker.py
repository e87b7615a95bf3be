"""Where a sweep's jobs run: this process, a local process pool, or a Ray cluster.

One job = one task: `run_job(task)` renders one run folder with the resumable renderer
(`render.render`) and returns a `JobOutcome`. It first records the process that took it in
`OUT/.workers/<job>.json` (host, pid, attempt), which is how the driver knows a job is running
and a test finds the process to kill. Every executor has `submit(task) -> handle`,
`wait(handles, timeout) -> {handle: JobOutcome}` and `close()`. Torch's threads are set to
`task.threads` in the worker (1 by default, as the CLI's tests render), so a job's frames are
the same bytes whichever executor renders it. A `BatchTask` (`--batch K`) is K jobs rendered as
one batch through the model (`render_batch`); `run_task` runs either kind and returns a list of
outcomes, one per job.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import socket
import threading
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from ..spec.fields import SpecError, short_text
from ..spec.resolve import ResolvedSpec

log = logging.getLogger(__name__)

WORKERS_DIR = ".workers"
EXECUTORS = ("local", "ray")


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


class Executor(Protocol):
    def submit(self, task: Task) -> Any: ...

    def wait(self, handles: Sequence[Any], timeout: float) -> dict[Any, list[JobOutcome]]: ...

    def close(self) -> None: ...


class InProcessExecutor:
    """Jobs one after another in a daemon thread of this process (`--jobs local --workers 1`)."""

    def __init__(self) -> None:
        self._tasks: queue.Queue[tuple[int, Task]] = queue.Queue()
        self._done: dict[int, list[JobOutcome]] = {}
        self._cond = threading.Condition()
        self._next = 0
        self._thread = threading.Thread(target=self._loop, name="seqsampler-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            handle, task = self._tasks.get()
            if handle < 0:
                return
            outcomes = run_task(task)
            with self._cond:
                self._done[handle] = outcomes
                self._cond.notify_all()

    def submit(self, task: Task) -> int:
        handle, self._next = self._next, self._next + 1
        self._tasks.put((handle, task))
        return handle

    def wait(self, handles: Sequence[Any], timeout: float) -> dict[Any, list[JobOutcome]]:
        with self._cond:
            if not any(h in self._done for h in handles):
                self._cond.wait(timeout)
            return {h: self._done.pop(h) for h in handles if h in self._done}

    def close(self) -> None:
        self._tasks.put((-1, None))  # type: ignore[arg-type]


class ProcessPoolJobs:
    """Jobs in a pool of `workers` spawned processes on this machine (`--workers N`)."""

    def __init__(self, workers: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no forked torch state
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

    def submit(self, task: Task) -> Future:
        return self._pool.submit(run_task, task)

    def wait(self, handles: Sequence[Any], timeout: float) -> dict[Any, list[JobOutcome]]:
        done, _ = futures_wait(handles, timeout=timeout, return_when=FIRST_COMPLETED)
        out = {}
        for future in done:
            try:
                out[future] = future.result()
            except Exception as exc:  # a worker process died (BrokenProcessPool)
                message = short_text(f"{type(exc).__name__}: {exc}", 500)
                out[future] = [JobOutcome("", "failed", message)]
        return out

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class RayJobs:
    """Jobs as Ray tasks (`--jobs ray`): one task per job, `num_cpus` 1 (and `num_gpus`), retried
    `max_retries` times when its worker dies (the retry resumes the run folder).

    `address`: None starts a local Ray instance on 127.0.0.1 with `workers` CPUs (unless Ray is
    already initialised in this process, which is then used); `auto` or `HOST:PORT` joins a
    running cluster, once `ray_address.check_ray_address` has found one answering there.
    `quiet` (`-q`): Ray's own log lines below ERROR are not shown.
    """

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        num_gpus: float = 0.0,
        max_retries: int = 3,
        quiet: bool = False,
    ) -> None:
        try:
            import ray
        except ImportError:
            raise SpecError(
                "jobs: 'ray' needs the ray package; accepted: pip install 'seqsampler[ray]', or "
                "--jobs local"
            ) from None
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            level = logging.ERROR if quiet else logging.INFO
            if address is None:
                ray.init(
                    address="local",
                    num_cpus=workers,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    log_to_driver=False,
                    logging_level=level,
                )
            else:
                from .ray_address import check_ray_address

                where = check_ray_address(address)
                ray.init(address=where, log_to_driver=False, logging_level=level)
            self._started = True
        self._remote = ray.remote(run_task).options(
            num_cpus=1, num_gpus=num_gpus, max_retries=max_retries, retry_exceptions=False
        )

    def submit(self, task: Task) -> Any:
        return self._remote.remote(task)

    def wait(self, handles: Sequence[Any], timeout: float) -> dict[Any, list[JobOutcome]]:
        ray = self._ray
        ready, _ = ray.wait(list(handles), num_returns=1, timeout=timeout)
        out = {}
        for ref in ready:
            try:
                out[ref] = ray.get(ref)
            except Exception as exc:  # the task's worker died more than max_retries times
                message = short_text(f"{type(exc).__name__}: {exc}".replace("\n", " "), 500)
                out[ref] = [JobOutcome("", "failed", message)]
        return out

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_executor(
    kind: str,
    workers: int | None = 1,
    ray_address: str | None = None,
    num_gpus: float = 0.0,
    max_retries: int = 3,
    quiet: bool = False,
) -> Executor:
    """The executor for `--jobs KIND` (`local`: in this process for 1 worker, else a pool;
    `ray`: `workers` CPUs of a local instance, None for all)."""
    if kind not in EXECUTORS:
        raise SpecError(f"jobs: got {kind!r}; accepted: {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise SpecError(f"workers: got {workers}; accepted: an int >= 1")
    if kind == "ray":
        return RayJobs(ray_address, workers, num_gpus, max_retries, quiet)
    if num_gpus:
        raise SpecError("gpus_per_job: only with --jobs ray; accepted: --jobs ray, or 0")
    return InProcessExecutor() if (workers or 1) == 1 else ProcessPoolJobs(workers or 1)
