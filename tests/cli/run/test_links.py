"""A run folder is untrusted input: symbolic links in it are never followed for writing or
deleting. Each test plants real links to a user's file or folder (in tmp_path) and checks
that the target's bytes and names are untouched, and that the command says so in one line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from seqsampler.cli import main
from seqsampler.cli.run.folder import RunFolder, check_out
from seqsampler.cli.run.lock import LOCK_NAME, folder_lock
from seqsampler.cli.run.manifest import append_entry
from seqsampler.cli.run.videos import write_video
from seqsampler.cli.run.writers import atomic_write_text
from seqsampler.cli.spec.fields import SpecError
from seqsampler.files import NotOwnFile, links_outside
from seqsampler.metrics import run_metrics

from .test_render import HAS_EMBEDDED, write_spec

USER_TEXT = "the user's own notes\n"
embedded = pytest.mark.skipif(
    not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/"
)


@pytest.fixture
def user_file(tmp_path) -> Path:
    path = tmp_path / "home" / "notes.txt"
    path.parent.mkdir()
    path.write_text(USER_TEXT)
    return path


@pytest.fixture
def user_folder(tmp_path) -> Path:
    """A user's folder of numbered PNGs, as `frames/` holds (what --overwrite would delete)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i:05d}.png").write_bytes(b"user photo %d" % i)
    (folder / ".keep.tmp").write_text("a temporary-looking file of the user's")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, Path]:
    """(spec, run folder): a real 2-frame, 1-step render with a GIF (a few seconds)."""
    if not HAS_EMBEDDED:
        pytest.skip("the embedded model's weights are not in assets/")
    root = tmp_path_factory.mktemp("links")
    spec = write_spec(root / "spec.toml", "embedded", frames=2, steps=1)
    spec.write_text(spec.read_text().replace('["mp4", "gif", "webp"]', '["gif"]'))
    out = root / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    return spec, out


def _copy(run: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    spec, out = run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    return spec, copy


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


# --- the lock ---------------------------------------------------------------------------------


def test_a_linked_lock_is_refused_and_its_target_is_not_truncated(tmp_path, user_file):
    (tmp_path / LOCK_NAME).symlink_to(user_file)
    with pytest.raises(NotOwnFile, match="is a symbolic link"):
        with folder_lock(tmp_path):
            pass
    assert user_file.read_text() == USER_TEXT


def test_a_hard_linked_lock_is_refused(tmp_path, user_file):
    os.link(user_file, tmp_path / LOCK_NAME)
    with pytest.raises(NotOwnFile, match=r"a file with 2 names \(a hard link\)"):
        with folder_lock(tmp_path):
            pass
    assert user_file.read_text() == USER_TEXT


def test_a_lock_that_is_a_folder_or_a_dangling_link_is_refused(tmp_path):
    (tmp_path / LOCK_NAME).mkdir()
    with pytest.raises(NotOwnFile, match="not a plain file"):
        with folder_lock(tmp_path):
            pass
    other = tmp_path / "other"
    other.mkdir()
    (other / LOCK_NAME).symlink_to(tmp_path / "nothing-yet")
    with pytest.raises(NotOwnFile, match="is a symbolic link"):
        with folder_lock(other):
            pass
    assert not (tmp_path / "nothing-yet").exists()  # O_CREAT did not create the link's target


@embedded
def test_render_refuses_a_lock_linked_outside(run, tmp_path, user_file, capsys):
    spec, out = _copy(run, tmp_path)
    (out / LOCK_NAME).unlink(missing_ok=True)
    (out / LOCK_NAME).symlink_to(user_file)
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    err = _one_line(capsys)
    assert "holds a symbolic link that leads outside it" in err and LOCK_NAME in err
    assert user_file.read_text() == USER_TEXT


# --- files written in place, and atomically -------------------------------------------------


def test_the_manifest_is_never_appended_through_a_link(tmp_path, user_file):
    folder = RunFolder(tmp_path)
    folder.manifest_path.symlink_to(user_file)
    with pytest.raises(NotOwnFile, match="is a symbolic link"):
        append_entry(folder.manifest_path, 0, "a" * 64, "b" * 64)
    assert user_file.read_text() == USER_TEXT


def test_atomic_writes_replace_a_link_and_leave_its_target(tmp_path, user_file):
    for name in ("plan.json", "spec.json", "view.html", "metrics.json"):
        (tmp_path / name).symlink_to(user_file)
        atomic_write_text(tmp_path / name, "{}")
        assert not (tmp_path / name).is_symlink() and (tmp_path / name).read_text() == "{}"
    assert user_file.read_text() == USER_TEXT


def test_a_video_replaces_a_link_and_leaves_its_target(tmp_path, user_file):
    pytest.importorskip("av")
    frames = [np.full((8, 8, 3), 40 * i, dtype=np.uint8) for i in range(3)]
    (tmp_path / "video.gif").symlink_to(user_file)
    (tmp_path / ".video.tmp.gif").symlink_to(user_file)  # the temporary's old fixed name
    write_video(tmp_path / "video.gif", frames, 4, "gif")
    assert not (tmp_path / "video.gif").is_symlink()
    assert (tmp_path / "video.gif").read_bytes()[:6] == b"GIF89a"
    assert user_file.read_text() == USER_TEXT
    assert [p.name for p in tmp_path.glob(".video.*")] == [".video.tmp.gif"]  # no leftovers


# --- the folder check: links leading outside ------------------------------------------------


def test_links_outside_finds_only_links_that_leave(tmp_path, user_file, user_folder):
    root = tmp_path / "run"
    (root / "frames").mkdir(parents=True)
    (root / "inside.json").write_text("{}")
    (root / "plan.json").symlink_to(root / "inside.json")  # inside: allowed
    (root / "frames" / "00000.png").symlink_to(user_file)
    (root / "latents").symlink_to(user_folder)
    (root / "up").symlink_to("..")
    found = {p.name: target for p, target in links_outside(root)}
    assert found == {"00000.png": str(user_file), "latents": str(user_folder), "up": ".."}


def test_check_out_refuses_a_folder_with_a_link_outside(tmp_path, user_file):
    out = tmp_path / "run"
    out.mkdir()
    (out / "spec.json").write_text("{}")
    (out / "plan.json").symlink_to(user_file)
    with pytest.raises(SpecError, match=r"^out: .* holds a symbolic link that leads outside it"):
        check_out(out, overwrite=False)


def test_clear_never_deletes_through_a_linked_frames_folder(tmp_path, user_folder):
    root = tmp_path / "run"
    root.mkdir()
    (root / "spec.json").write_text("{}")
    inside = root / "elsewhere"  # even a link inside the run folder is not followed
    shutil.copytree(user_folder, inside)
    (root / "frames").symlink_to(inside)
    before = _snapshot(inside)
    with pytest.raises(SpecError, match="frames' is a symbolic link; --overwrite deletes"):
        RunFolder(root).clear()
    assert _snapshot(inside) == before and (root / "spec.json").is_file()


@embedded
@pytest.mark.parametrize("name", ["frames", "latents"])
def test_overwrite_refuses_a_linked_folder_and_deletes_nothing(
    run, tmp_path, user_folder, capsys, name
):
    spec, out = _copy(run, tmp_path)
    shutil.rmtree(out / name)
    (out / name).symlink_to(user_folder)
    before = _snapshot(user_folder)
    assert main(["render", str(spec), "--out", str(out), "-q", "--overwrite"]) == 2
    err = _one_line(capsys)
    assert "holds a symbolic link that leads outside it" in err and f"/{name}'" in err
    assert _snapshot(user_folder) == before
    assert (out / "spec.json").is_file()  # nothing was cleared either


@embedded
@pytest.mark.parametrize(
    "name", ["spec.json", "plan.json", "manifest.jsonl", "video.gif", "frames/00001.png"]
)
def test_resume_refuses_a_run_file_linked_outside(run, tmp_path, user_file, capsys, name):
    spec, out = _copy(run, tmp_path)
    (out / name).unlink()
    (out / name).symlink_to(user_file)
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    err = _one_line(capsys)
    assert "holds a symbolic link that leads outside it" in err and name in err
    assert user_file.read_text() == USER_TEXT
    assert (out / name).is_symlink()  # refused before any work: not even replaced


@embedded
def test_view_and_metrics_refuse_a_frame_linked_outside(run, tmp_path, user_file, capsys):
    spec, out = _copy(run, tmp_path)
    (out / "frames" / "00001.png").unlink()
    (out / "frames" / "00001.png").symlink_to(user_file)
    assert main(["view", str(out)]) == 2
    assert _one_line(capsys).startswith("seqsampler: error: view: ")
    assert main(["metrics", str(out)]) == 2
    assert _one_line(capsys).startswith("seqsampler: error: run_folder: ")
    with pytest.raises(ValueError, match="leads outside it"):
        run_metrics(out)
    assert user_file.read_text() == USER_TEXT
    assert not (out / "metrics.json").exists()


@embedded
def test_a_sweep_refuses_a_job_folder_linked_outside(run, tmp_path, user_folder, capsys):
    spec, _ = run
    out = tmp_path / "sweep"
    out.mkdir()
    (out / "seed=1").symlink_to(user_folder)
    before = _snapshot(user_folder)
    argv = ["render", str(spec), "--out", str(out), "-q", "--sweep", "seed=1,2", "--overwrite"]
    assert main(argv) == 2
    assert "holds a symbolic link that leads outside it" in _one_line(capsys)
    assert _snapshot(user_folder) == before
