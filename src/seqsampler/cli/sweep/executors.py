"""Where a sweep's jobs run: this process, a local process pool, or a Ray cluster.

Every executor has `submit(task) -> handle`, `wait(handles, timeout) -> {handle: [JobOutcome]}`
and `close()`; each runs `worker.run_task` on the tasks it is given (one outcome per job).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any, Protocol

from ..spec.fields import SpecError, short_text
from .worker import JobOutcome, Task, run_task

EXECUTORS = ("local", "ray")


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
