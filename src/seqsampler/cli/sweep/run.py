"""Run a sweep: check every job's folder, skip the done jobs, hand the rest to an executor,
track them in `sweep.json` with one progress bar over jobs x frames, write the contact sheet.

Re-running the same command resumes the sweep: done jobs are skipped, the others resume their
run folders (`render` continues after the last complete frame).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...planning import plan
from ..run.folder import RunFolder, prepare_folder
from ..spec.fields import SpecError
from .executors import Executor
from .index import INDEX, SHEET, check_sweep_folder, read_index, write_index, write_sheet
from .jobs import ResolvedJob
from .worker import (
    WORKERS_DIR,
    BatchTask,
    JobTask,
    Task,
    read_worker_record,
    worker_record_path,
)

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
INDEX_SECONDS = 2.0  # at most this often while only frame counts change


@dataclass
class SweepResult:
    """What a sweep did: its folder, the index's job entries, the contact sheet, the time."""

    root: Path
    jobs: list[dict[str, Any]]
    sheet: Path | None
    seconds: float
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def _entry(job: ResolvedJob, done: int, previous: dict[str, Any] | None) -> dict[str, Any]:
    n = job.spec.frame_count
    entry: dict[str, Any] = {
        "name": job.name,
        "folder": job.name,
        "values": job.job.values,
        "frame_count": n,
        "frames_done": done,
        "status": "pending",
        "error": None,
    }
    if previous and previous.get("status") == "done" and done == n:
        entry.update({k: v for k, v in previous.items() if k not in entry or k == "status"})
    return entry


def _clear(root: Path, jobs: Sequence[ResolvedJob]) -> None:
    for job in jobs:
        RunFolder(root / job.name).clear()
    for name in (INDEX, SHEET):
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / WORKERS_DIR, ignore_errors=True)


def prepare_sweep(root: Path, jobs: Sequence[ResolvedJob], overwrite: bool) -> list[dict[str, Any]]:
    """Check the sweep folder and every job's run folder (before any rendering); the index
    entries, done jobs kept as done."""
    check_sweep_folder(root, overwrite)
    if overwrite:
        _clear(root, jobs)
    previous = {j["name"]: j for j in (read_index(root) or {}).get("jobs", [])}
    entries = []
    for job in jobs:
        folder = root / job.name
        done = 0
        if folder.exists():
            try:
                _, done = prepare_folder(job.spec, folder, False, plan(job.spec.config))
            except ValueError as exc:
                raise SpecError(f"sweep: job {job.name!r}: {exc}") from None
        entry = _entry(job, done, previous.get(job.name))
        if entry["status"] != "done":  # a record left by an interrupted run is stale
            worker_record_path(root, job.name).unlink(missing_ok=True)
        entries.append(entry)
    return entries


class _Bar:
    """One tqdm bar over every job's frames, with the jobs' counts in its postfix."""

    def __init__(self, entries: list[dict[str, Any]], enabled: bool) -> None:
        from tqdm import tqdm

        total = sum(e["frame_count"] for e in entries)
        self.bar = tqdm(total=total, desc="sweep", unit="frame", disable=not enabled)
        self.update(entries)

    def update(self, entries: list[dict[str, Any]]) -> None:
        counts = {s: sum(e["status"] == s for e in entries) for s in ("done", "running", "failed")}
        self.bar.n = sum(e["frames_done"] for e in entries)
        self.bar.set_postfix_str(
            f"jobs {counts['done']}/{len(entries)} done, {counts['running']} running"
            + (f", {counts['failed']} failed" if counts["failed"] else ""),
            refresh=False,
        )
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def run_sweep(
    root: Path,
    jobs: Sequence[ResolvedJob],
    executor: Executor,
    *,
    overwrite: bool = False,
    progress: bool = True,
    device: str = "cpu",
    threads: int = 1,
    batch: int = 1,
) -> SweepResult:
    """Render every job not yet done into `root/<job>/` with `executor`; returns the result
    (failed jobs are listed, not raised). With `batch` K > 1, jobs equal but for their seeds
    render up to K at a time as one batch (`render_batch.group_jobs`). The executor is closed
    at the end."""
    started = time.perf_counter()
    root = Path(root).absolute()
    # 1. Check every job's folder (a refusal closes the executor); make the sweep folder.
    entries = _prepared(root, jobs, overwrite, executor)
    # 2. Skip the jobs already done; the index lists every job.
    by_name = {e["name"]: e for e in entries}
    skipped = sum(e["status"] == "done" for e in entries)
    if skipped:
        log.info("sweep: %d of %d jobs already done; skipping them", skipped, len(entries))
    write_index(root, entries)
    # 3. Hand the rest to the executor and follow them to the end (the executor is closed).
    pending = [job for job in jobs if by_name[job.name]["status"] != "done"]
    _render_jobs(root, entries, pending, executor, progress, (device, threads, batch))
    # 4. The contact sheet and the result.
    sheet = write_sheet(root, entries)
    failed = [e["name"] for e in entries if e["status"] == "failed"]
    seconds = time.perf_counter() - started
    log.info(
        "sweep: %d jobs in %s (%.1f s)%s",
        len(entries),
        root,
        seconds,
        f"; {len(failed)} failed: {', '.join(failed)}" if failed else "",
    )
    return SweepResult(root, entries, sheet, seconds, skipped, failed)


def _prepared(
    root: Path, jobs: Sequence[ResolvedJob], overwrite: bool, executor: Executor
) -> list[dict[str, Any]]:
    """The index entries (`prepare_sweep`: every job's folder checked) and the sweep folder;
    the executor is closed when a job is refused."""
    try:
        entries = prepare_sweep(root, jobs, overwrite)
    except BaseException:
        executor.close()
        raise
    root.mkdir(parents=True, exist_ok=True)
    return entries


def _render_jobs(
    root: Path,
    entries: list[dict[str, Any]],
    pending: Sequence[ResolvedJob],
    executor: Executor,
    progress: bool,
    how: tuple[str, int, int],
) -> None:
    """Submit the pending jobs' tasks (`how`: device, threads, batch) and follow them until
    every one has finished, with one progress bar; then (also when interrupted) a running job
    goes back to pending, the index is written and the executor closed."""
    by_name = {e["name"]: e for e in entries}
    bar = _Bar(entries, progress)
    redirect = contextlib.ExitStack()
    if progress:  # log lines (the in-process jobs' too) above the bar, not through it
        from tqdm.contrib.logging import logging_redirect_tqdm

        redirect.enter_context(logging_redirect_tqdm())
    try:
        handles: dict[Any, list[str]] = {}
        for task in sweep_tasks(root, pending, *how):
            names = [t.name for t in task.tasks] if isinstance(task, BatchTask) else [task.name]
            handles[executor.submit(task)] = names
        _follow(root, entries, by_name, handles, executor, bar)
    finally:
        for entry in entries:
            if entry["status"] == "running":  # interrupted: it resumes on the next run
                entry["status"] = "pending"
        bar.close()
        redirect.close()
        write_index(root, entries)
        executor.close()


def _follow(
    root: Path,
    entries: list[dict[str, Any]],
    by_name: dict[str, dict[str, Any]],
    handles: dict[Any, list[str]],
    executor: Executor,
    bar: _Bar,
) -> None:
    """Wait for the submitted tasks, recording each job's outcome and the workers' progress in
    the index (written on a change, or every INDEX_SECONDS)."""
    written = time.monotonic()
    while handles:
        finished = executor.wait(list(handles), POLL_SECONDS)
        changed = bool(finished)
        for handle, outcomes in finished.items():
            names = handles.pop(handle)
            if len(outcomes) != len(names):  # a worker died: one failure for all its jobs
                outcomes = outcomes[:1] * len(names)
            for name, outcome in zip(names, outcomes, strict=True):
                changed |= _finish(root, by_name[name], outcome.to_dict())
        changed |= _poll(root, entries)
        bar.update(entries)
        if changed or time.monotonic() - written > INDEX_SECONDS:
            write_index(root, entries)
            written = time.monotonic()


def sweep_tasks(
    root: Path, jobs: Sequence[ResolvedJob], device: str, threads: int, batch: int
) -> list[Task]:
    """One task per job, or with `batch` K > 1 one per group of jobs that batch together."""
    from ..run.render_batch import group_jobs

    def task(job: ResolvedJob) -> JobTask:
        return JobTask(job.name, job.spec, str(root / job.name), str(root), device, threads)

    if batch == 1:
        return [task(job) for job in jobs]
    groups = group_jobs(jobs, batch)
    log.info(
        "sweep: %d jobs in %d batches of up to %d (sizes %s)",
        len(jobs),
        len(groups),
        batch,
        ", ".join(str(len(g)) for g in groups),
    )
    return [task(g[0]) if len(g) == 1 else BatchTask(tuple(task(j) for j in g)) for g in groups]


def _finish(root: Path, entry: dict[str, Any], outcome: dict[str, Any]) -> bool:
    record = read_worker_record(root, entry["name"]) or {}
    for key in ("host", "pid", "attempt"):
        outcome[key] = outcome.get(key) or record.get(key)
    outcome.pop("name", None)
    entry.update(outcome)
    entry["frames_done"] = RunFolder(root / entry["folder"]).complete_frames(entry["frame_count"])
    if entry["status"] == "failed":
        log.warning("sweep: job %s failed: %s", entry["name"], entry["error"])
    return True


def _poll(root: Path, entries: list[dict[str, Any]]) -> bool:
    """Mark jobs that a worker took as running, and count their complete frames."""
    changed = False
    for entry in entries:
        if entry["status"] in ("done", "failed"):
            continue
        if entry["status"] == "pending":
            record = read_worker_record(root, entry["name"])
            if not (record and record.get("active")):
                continue
            entry.update(status="running", host=record.get("host"), pid=record.get("pid"))
            changed = True
        folder = RunFolder(root / entry["folder"])
        entry["frames_done"] = folder.complete_frames(entry["frame_count"])
    return changed
