"""Faults on the embedded model: seeded kill points, a full disk, a read-only folder, a corrupted
manifest entry, two writers at once. After each, rendering again gives the uninterrupted run's
frames and latents bit for bit, or the failure is one line naming the file and the way out.

Kill points: a forked child (the model already imported, so each trial costs one short render)
renders with `os.replace` and `os.write` wrapped; it SIGKILLs itself at a seeded I/O event:
before or after a latent, PNG or run-file `os.replace`, before or after a manifest append, or
half-way through one (a torn manifest line).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqsampler.cli import main
from seqsampler.cli.run.writers import load_latent

from .test_render import HAS_EMBEDDED, write_spec

pytestmark = [
    pytest.mark.slow,  # each test renders on the embedded model (seconds each)
    pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/"),
    pytest.mark.skipif(not hasattr(os, "fork"), reason="kill points fork the test process"),
]

FRAMES = 5
EXTRA = {
    "use_latent_interpolation": True,
    "inject_noise": True,
    "noise_strength": 0.1,
    "seed_keying": True,
    "seed_keying_mode": "modulo",
}
KILL_TRIALS = 20


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    """(spec path, reference run folder): an uninterrupted render."""
    root = tmp_path_factory.mktemp("faults")
    spec = write_spec(root / "spec.toml", "embedded", frames=FRAMES, steps=2, **EXTRA)
    text = spec.read_text().replace('formats = ["mp4", "gif", "webp"]', "formats = []")
    spec.write_text(text)  # no videos: each trial is one short render
    reference = root / "reference"
    assert main(["render", str(spec), "--out", str(reference), "-q"]) == 0
    return spec, reference


def assert_same_run(out: Path, reference: Path) -> None:
    for i in range(FRAMES):
        name = f"{i:05d}"
        assert (out / "frames" / f"{name}.png").read_bytes() == (
            reference / "frames" / f"{name}.png"
        ).read_bytes(), f"frame {i}"
        assert load_latent(out / "latents" / f"{name}.safetensors").equal(
            load_latent(reference / "latents" / f"{name}.safetensors")
        ), f"latent {i}"
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert [json.loads(line)["frame"] for line in lines] == list(range(FRAMES))
    assert not list(out.rglob(".*.tmp*"))


def _render_and_die(args: list[str], kill_at: int) -> int:
    """Fork; the child renders and SIGKILLs itself at I/O event `kill_at`. Returns the child's
    wait status."""
    pid = os.fork()
    if pid:
        _, status = os.waitpid(pid, 0)
        return status
    try:  # the child: never returns into pytest
        events = [0]
        real_replace, real_write = os.replace, os.write

        def event() -> None:
            events[0] += 1
            if events[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

        def replace(src, dst, *a, **k):
            event()
            real_replace(src, dst, *a, **k)
            event()

        def write(fd, data):
            event()
            if events[0] + 1 == kill_at and len(data) > 8:  # a torn write: half, then killed
                real_write(fd, data[: len(data) // 2])
                event()
            written = real_write(fd, data)
            event()
            return written

        os.replace, os.write = replace, write  # type: ignore[assignment]
        main(args)
    finally:
        os._exit(0)


@pytest.mark.parametrize("seed", range(KILL_TRIALS))
def test_seeded_kill_point_resumes_bit_identical(embedded_run, tmp_path, seed):
    spec, reference = embedded_run
    out = tmp_path / "killed"
    args = ["render", str(spec), "--out", str(out), "-q"]
    # Four run files (2 events each) then per frame: latent, PNG (2 each), manifest (2-3).
    kill_at = random.Random(seed).randint(1, 8 + 6 * FRAMES)
    status = _render_and_die(args, kill_at)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (kill_at, status)
    assert main(args) == 0
    assert_same_run(out, reference)


def test_corrupted_manifest_entry_renders_again_from_that_frame(embedded_run, tmp_path, caplog):
    spec, reference = embedded_run
    out = tmp_path / "run"
    args = ["render", str(spec), "--out", str(out), "-q"]
    assert main(args) == 0
    lines = (out / "manifest.jsonl").read_text().splitlines()
    entry = json.loads(lines[2])
    entry["png"] = "0" * 64
    lines[2] = json.dumps(entry)
    (out / "manifest.jsonl").write_text("\n".join(lines) + "\n")
    (out / "frames" / "00003.png").write_bytes(b"not a png")  # damaged, and after the bad entry
    assert main(args) == 0
    assert "frame 2 fails its check (its PNG 00002.png does not match" in caplog.text
    assert_same_run(out, reference)


def test_a_zeroed_latent_is_caught_and_rendered_again(embedded_run, tmp_path, caplog):
    import torch
    from safetensors.torch import save_file

    spec, reference = embedded_run
    out = tmp_path / "run"
    args = ["render", str(spec), "--out", str(out), "-q"]
    assert main(args) == 0
    path = out / "latents" / "00001.safetensors"
    save_file({"latent": torch.zeros_like(load_latent(path))}, str(path))
    (out / "frames" / "00004.png").unlink()
    assert main(args) == 0
    assert "frame 1 fails its check (its latent 00001.safetensors" in caplog.text
    assert_same_run(out, reference)


@pytest.mark.parametrize(
    "name, content",
    [
        ("manifest.jsonl", "this is not json\n"),
        ("spec.json", "{not json"),
        ("plan.json", '{"frames": [tru'),
        ("plan.json", '{"frames": 3}'),
        ("model.json", "\x00\x01"),
    ],
)
def test_a_damaged_run_file_is_named_with_the_way_out(
    embedded_run, tmp_path, capsys, name, content
):
    spec, _ = embedded_run
    out = tmp_path / "run"
    args = ["render", str(spec), "--out", str(out), "-q"]
    assert main(args) == 0
    (out / name).write_text(content)
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and "is damaged" in err and "--overwrite" in err
    assert main([*args, "--overwrite"]) == 0


@contextlib.contextmanager
def _tmpfs(path: Path, size: str):
    """A tmpfs of `size` at `path` (root on Linux only); skip where it cannot be mounted."""
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _can_mount() -> bool:
    return sys.platform == "linux" and os.geteuid() == 0


def test_full_disk_is_one_line_and_resumes(embedded_run, tmp_path, capsys, monkeypatch):
    spec, reference = embedded_run
    args_for = lambda out: ["render", str(spec), "--out", str(out), "-q"]  # noqa: E731
    if _can_mount():
        with _tmpfs(tmp_path / "small", "48k") as disk:
            out = disk / "run"
            assert main(args_for(out)) == 1
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "No space left on device" in err
            assert "run the same command again to resume" in err
            assert not list(out.rglob(".*.tmp*"))
            done = len((out / "manifest.jsonl").read_text().splitlines())
            assert done < FRAMES
            moved = tmp_path / "moved"
            subprocess.run(["cp", "-a", str(out), str(moved)], check=True)
        assert main(args_for(moved)) == 0
        assert_same_run(moved, reference)
        return
    import errno

    import seqsampler.cli.run.writers as writers

    real = writers.atomic_write_bytes
    calls = [0]

    def full(path, data):
        calls[0] += 1
        if calls[0] > 7:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(writers, "atomic_write_bytes", full)
    out = tmp_path / "run"
    assert main(args_for(out)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    monkeypatch.setattr(writers, "atomic_write_bytes", real)
    assert main(args_for(out)) == 0
    assert_same_run(out, reference)


def test_read_only_folder_is_one_line(embedded_run, tmp_path, capsys):
    spec, reference = embedded_run
    out = tmp_path / "run"
    args = ["render", str(spec), "--out", str(out), "-q", "--formats", '["gif"]']
    if not _can_mount():
        out.mkdir()
        out.chmod(0o555)
        try:
            assert main(args) == 1
        finally:
            out.chmod(0o755)
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Permission denied" in err
        return
    with _tmpfs(out, "8m"):
        assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        capsys.readouterr()
        assert main(args) == 1  # a new format to write into a read-only folder
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Read-only file system" in err
        assert "choose another folder (--out)" in err


def test_two_writers_at_once(embedded_run, tmp_path, capsys):
    spec, reference = embedded_run
    out = tmp_path / "run"
    out.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from seqsampler.cli.run.lock import folder_lock\n"
            "with folder_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(60)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        args = ["render", str(spec), "--out", str(out), "-q"]
        for extra in ([], ["--overwrite"]):
            assert main([*args, *extra]) == 2
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and "is being written by another seqsampler" in err
            assert f"pid {holder.pid}" in err
        assert not (out / "frames").exists()
    finally:
        holder.kill()  # SIGKILL: the OS releases the lock
        holder.wait()
    deadline = time.monotonic() + 10
    while main(["render", str(spec), "--out", str(out), "-q"]) != 0:
        assert time.monotonic() < deadline
    assert_same_run(out, reference)


def test_resume_under_another_thread_count_is_refused(embedded_run, tmp_path, capsys):
    spec, reference = embedded_run
    out = tmp_path / "run"
    args = ["render", str(spec), "--out", str(out), "-q"]
    status = _render_and_die([*args, "--threads", "1"], 8 + 6 * 2)  # killed during frame 2
    assert os.WIFSIGNALED(status)
    capsys.readouterr()
    assert main([*args, "--threads", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "threads: then 1, now 2" in err
    assert "(--threads 1)" in err
    assert main([*args, "--threads", "1"]) == 0  # the same settings again: resumes
    assert_same_run(out, reference)


def test_overwrite_while_a_render_runs_is_refused_and_the_render_finishes(tmp_path, capsys):
    """The issue's case: `render --overwrite` into a folder a render is writing."""
    spec = write_spec(tmp_path / "spec.toml", "embedded", frames=40, steps=2)
    spec.write_text(spec.read_text().replace('formats = ["mp4", "gif", "webp"]', "formats = []"))
    out = tmp_path / "run"
    args = ["render", str(spec), "--out", str(out), "-q"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.Popen(
        [sys.executable, "-m", "seqsampler.cli", *args], stderr=subprocess.PIPE, env=env
    )
    deadline = time.monotonic() + 120
    while not (out / "frames" / "00001.png").exists() and first.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    capsys.readouterr()
    assert main([*args, "--overwrite", "--cfg", "5"]) == 2
    err = capsys.readouterr().err
    assert first.poll() is None, "the first render must still be running"
    assert f"is being written by another seqsampler (pid {first.pid})" in err
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err.decode()
    lines = (out / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 40 and json.loads((out / "spec.json").read_text())["cfg"] == 3.0
    assert main(args) == 0  # complete and verified: nothing to render again
