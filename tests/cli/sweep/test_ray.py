"""Sweeps on a local Ray cluster (127.0.0.1, 2 CPUs, started and stopped here): every job's
frames equal the job rendered alone; a worker killed mid-job is retried and resumes from its
last complete frame, and the sweep ends identical to a clean run."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from seqsampler.cli import main
from seqsampler.cli.run.folder import RunFolder
from seqsampler.cli.spec.file import load_spec_file
from seqsampler.cli.sweep.executors import RayJobs
from seqsampler.cli.sweep.jobs import build_jobs, resolve_jobs, split_sweep, sweep_axes
from seqsampler.cli.sweep.run import run_sweep
from seqsampler.cli.sweep.worker import read_worker_record
from seqsampler.models.embedded import EMBEDDED_DIR

from .helpers import assert_same_frames, render_alone, sweep_spec

ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'seqsampler[ray]')")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (EMBEDDED_DIR / "model_index.json").is_file(),
        reason="the embedded model's weights are not in assets/",
    ),
]


@pytest.fixture(scope="module")
def local_ray():
    ray.init(
        address="local",
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
    )
    yield
    ray.shutdown()


def test_ray_sweep_equals_each_job_alone(local_ray, tmp_path, capsys):
    spec = sweep_spec(tmp_path / "s.toml", sweep="[sweep]\nseed = [1, 2]\ncfg = [3, 6]\n")
    out = tmp_path / "sweep"
    started = time.monotonic()
    status: list[int] = []
    argv = ["render", str(spec), "--out", str(out), "-q", "--jobs", "ray"]
    thread = threading.Thread(target=lambda: status.append(main(argv)), daemon=True)
    thread.start()
    thread.join(timeout=120)  # bounded: a hung cluster fails the test instead of the suite
    assert status == [0], "the sweep did not finish in 120 s" if thread.is_alive() else status
    seconds = time.monotonic() - started
    jobs = json.loads((out / "sweep.json").read_text())["jobs"]
    assert [j["status"] for j in jobs] == ["done"] * 4
    assert (out / "contact_sheet.png").is_file()
    for job in jobs:
        alone = render_alone(spec, tmp_path / f"alone-{job['name']}", **job["values"])
        assert_same_frames(out / job["folder"], alone, 3)
    with capsys.disabled():
        print(f"\nray sweep: {len(jobs)} jobs x 3 frames in {seconds:.1f} s, identical to alone")


def test_killed_worker_is_retried_and_resumes(local_ray, tmp_path, capsys):
    frames = 10
    spec = sweep_spec(tmp_path / "s.toml", frames=frames, steps=3, sweep="[sweep]\nseed = [5]\n")
    base, table = split_sweep(load_spec_file(spec))
    jobs = resolve_jobs(base, build_jobs(*sweep_axes(table, [])))
    out = tmp_path / "sweep"
    result: dict = {}

    def sweep() -> None:
        result["sweep"] = run_sweep(out, jobs, RayJobs(max_retries=2), progress=False)

    thread = threading.Thread(target=sweep, daemon=True)
    thread.start()
    folder = RunFolder(out / "seed=5")
    deadline = time.monotonic() + 90
    index: dict = {"jobs": [{}]}
    while time.monotonic() < deadline:  # the driver marks the job running once a worker takes it
        if (out / "sweep.json").is_file():
            index = json.loads((out / "sweep.json").read_text())
            if index["jobs"][0]["status"] == "running":
                break
        time.sleep(0.01)
    assert index["jobs"][0].get("status") == "running", "the job did not start in time"
    while folder.complete_frames(frames) < 2 and time.monotonic() < deadline:
        time.sleep(0.002)
    record = read_worker_record(out, "seed=5")
    assert record and record["pid"] == index["jobs"][0]["pid"]
    before = folder.complete_frames(frames)
    os.kill(record["pid"], signal.SIGKILL)
    assert 2 <= before < frames - 1, before  # killed mid-job
    thread.join(timeout=120)
    assert not thread.is_alive(), "the sweep did not finish in time"

    (job,) = result["sweep"].jobs
    assert job["status"] == "done" and job["attempt"] == 2 and job["pid"] != record["pid"]
    # The retry resumed from the last frame the killed worker completed (the one it may have
    # finished between the count and the kill included), so only the frame it was making is
    # rendered again.
    killed_at = job["resumed_from"]
    assert before <= killed_at <= before + 1 and killed_at < frames
    assert job["rendered"] == frames - killed_at
    alone = render_alone(spec, tmp_path / "alone", seed=5)
    assert_same_frames(folder.root, alone, frames)
    with capsys.disabled():
        print(
            f"\nkilled pid {record['pid']} with {killed_at}/{frames} frames; attempt 2 (pid "
            f"{job['pid']}) resumed from frame {job['resumed_from']}, rendered {job['rendered']}; "
            "frames identical to a clean run"
        )
