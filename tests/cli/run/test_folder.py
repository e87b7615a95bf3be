"""The run folder's parts without a model: the lock (one writer), the manifest (verified
resume), `--overwrite` clearing only a run folder's own files, the numeric environment check,
damaged run files named with the way out."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from seqsampler.cli.run.folder import RunFolder, check_out, read_json
from seqsampler.cli.run.lock import LOCK_NAME, RunFolderBusy, folder_lock
from seqsampler.cli.run.manifest import append_entry, read_manifest, verified_prefix
from seqsampler.cli.run.numerics import check_environment, numeric_environment
from seqsampler.cli.spec.fields import SpecError

from ..interrupt import as_from_a_terminal


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _frames(folder: RunFolder, count: int) -> None:
    for i in range(count):
        latent, png = f"latent {i}".encode(), f"png {i}".encode()
        folder.latent_path(i).parent.mkdir(exist_ok=True)
        folder.frame_path(i).parent.mkdir(exist_ok=True)
        folder.latent_path(i).write_bytes(latent)
        folder.frame_path(i).write_bytes(png)
        append_entry(folder.manifest_path, i, _sha(latent), _sha(png))


def test_lock_is_exclusive_names_the_holder_and_is_released(tmp_path):
    with folder_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(RunFolderBusy, match=rf"another seqsampler \(pid {os.getpid()}\)"):
            with folder_lock(tmp_path):
                pass
    with folder_lock(tmp_path):  # released on exit
        pass


def test_lock_is_released_when_its_holder_is_killed(tmp_path):
    code = (
        "import sys, time; from pathlib import Path\n"
        "from seqsampler.cli.run.lock import folder_lock\n"
        "with folder_lock(Path(sys.argv[1])):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, env=env
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
    with pytest.raises(RunFolderBusy, match=rf"pid {holder.pid}\)"):
        with folder_lock(tmp_path):
            pass
    holder.kill()
    holder.wait()
    with folder_lock(tmp_path):
        pass


def test_manifest_verifies_each_frame_and_names_the_first_failure(tmp_path):
    folder = RunFolder(tmp_path)
    _frames(folder, 4)
    entries = read_manifest(folder.manifest_path)
    assert [e.frame for e in entries] == [0, 1, 2, 3]
    assert verified_prefix(entries, folder.latent_path, folder.frame_path, 4) == (4, None)
    folder.latent_path(2).write_bytes(b"zeros")
    done, why = verified_prefix(entries, folder.latent_path, folder.frame_path, 4)
    assert done == 2 and "latent 00002.safetensors does not match" in why
    folder.frame_path(1).unlink()
    assert verified_prefix(entries, folder.latent_path, folder.frame_path, 4) == (
        1,
        "its PNG 00001.png is missing",
    )
    assert folder.complete_frames(4) == 1
    assert len(read_manifest(folder.manifest_path)) == 1  # cut back to the verified prefix


def test_a_torn_last_line_is_ignored_and_a_bad_line_is_named(tmp_path):
    folder = RunFolder(tmp_path)
    _frames(folder, 2)
    with folder.manifest_path.open("a") as handle:
        handle.write('{"frame": 2, "lat')  # killed mid-append
    assert folder.complete_frames(3) == 2
    assert folder.manifest_path.read_text().endswith("}\n")
    lines = folder.manifest_path.read_text().splitlines()
    folder.manifest_path.write_text(lines[0] + "\nnot json\n")
    with pytest.raises(SpecError, match=r"manifest.jsonl' is damaged \(line 2: .*--overwrite"):
        folder.complete_frames(3)


def test_frames_without_a_manifest_are_rendered_again(tmp_path):
    folder = RunFolder(tmp_path)
    _frames(folder, 2)
    folder.manifest_path.unlink()
    assert folder.complete_frames(2) == 0


def test_overwrite_clears_only_a_run_folders_own_files(tmp_path):
    folder = RunFolder(tmp_path)
    _frames(folder, 2)
    (tmp_path / "spec.json").write_text("{}")
    (tmp_path / "frames" / "my_edit.png").write_text("mine")
    (tmp_path / "notes.txt").write_text("mine")
    folder.clear()
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert left == ["frames", "frames/my_edit.png", "notes.txt"]


def test_overwrite_refuses_a_folder_that_is_not_a_run_folder(tmp_path):
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "00000.png").write_text("the user's")
    for overwrite in (False, True):
        with pytest.raises(SpecError, match="not a run folder"):
            check_out(tmp_path, overwrite)
    assert (tmp_path / "frames" / "00000.png").read_text() == "the user's"
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(SpecError, match="is a file; accepted: a folder"):
        check_out(file, False)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / LOCK_NAME).write_text("")
    (empty / ".spec.json.abc.tmp").write_text("")  # left by a killed first write
    check_out(empty, False)


def test_numeric_environment_differences_are_named(tmp_path):
    now = numeric_environment("cpu")
    assert now["device"] == "cpu" and now["dtype"] == "float32" and now["threads"] >= 1
    path = tmp_path / "environment.json"
    path.write_text(json.dumps(now))
    check_environment(path, now, tmp_path)
    other = {**now, "threads": now["threads"] + 1}
    with pytest.raises(SpecError) as info:
        check_environment(path, other, tmp_path)
    message = str(info.value)
    assert f"threads: then {now['threads']}, now {now['threads'] + 1}" in message
    assert f"(--threads {now['threads']})" in message and "--overwrite" in message
    with pytest.raises(SpecError, match="torch: then '0.1', now"):
        path.write_text(json.dumps({**now, "torch": "0.1"}))
        check_environment(path, now, tmp_path)


def test_damaged_json_is_named(tmp_path):
    path = tmp_path / "spec.json"
    path.write_text("{oops")
    with pytest.raises(SpecError, match=r"spec.json' is damaged .*pass --overwrite"):
        read_json(path)


def _wait_for_torch(process, limit_s: float = 120.0) -> None:
    """Wait until the child maps libtorch, i.e. it is importing torch inside the command.

    Before that it may still be in the interpreter's own start-up (seconds on a loaded
    machine), where no program can print anything but Python's traceback."""
    import time

    maps = Path(f"/proc/{process.pid}/maps")
    end = time.monotonic() + limit_s
    while time.monotonic() < end and process.poll() is None:
        try:
            if "libtorch" in maps.read_text():
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"the command did not start importing torch within {limit_s} s")


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux's /proc/PID/maps")
@pytest.mark.parametrize("delay", [0.0, 1.0])
def test_ctrl_c_during_start_up_is_one_line(tmp_path, delay):
    """Ctrl-C while the command imports torch (delay 0) or loads the model: one line, 130."""
    import signal
    import time

    spec = tmp_path / "spec.toml"
    spec.write_text('model = "embedded"\nprompts = "a red circle"\nframe_count = 2\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "seqsampler.cli", "render", str(spec), "-q"]
    command += ["--out", str(tmp_path / "run")]
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, env=env, preexec_fn=as_from_a_terminal
    )
    _wait_for_torch(process)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    text = err.decode()
    if process.returncode == 0:
        pytest.skip("the render finished before the signal")
    assert process.returncode == 130, text
    assert text.strip().splitlines() == [
        "seqsampler: interrupted; run the same command again to resume"
    ], text
