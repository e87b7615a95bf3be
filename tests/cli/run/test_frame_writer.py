"""The background frame writer: frames written in order with their manifest entries, a write
error raised in the rendering thread with the earlier frames left complete on disk (and the
manifest a verified prefix), frames handed over before a failure of the caller still written."""

from __future__ import annotations

import errno
import threading

import numpy as np
import pytest
import torch

import seqsampler.cli.run.writers as writers
from seqsampler.cli.run.folder import RunFolder
from seqsampler.cli.run.frame_writer import FrameFiles, FrameWriter
from seqsampler.cli.run.manifest import read_manifest, verified_prefix
from seqsampler.cli.run.writers import load_latent, read_png_metadata


def frame(index: int) -> FrameFiles:
    image = np.full((4, 4, 3), index * 10, dtype=np.uint8)
    latent = torch.full((1, 3, 4, 4), float(index))
    return FrameFiles(index, latent, image, {"seqsampler.plan": f'{{"frame": {index}}}'})


def complete(folder: RunFolder, count: int) -> int:
    done, _ = verified_prefix(
        read_manifest(folder.manifest_path), folder.latent_path, folder.frame_path, count
    )
    return done


def test_frames_are_written_in_order_with_their_entries(tmp_path):
    folder = RunFolder(tmp_path)
    with FrameWriter(folder, depth=2) as frames:
        for i in range(5):
            frames.put(frame(i))
    assert [e.frame for e in read_manifest(folder.manifest_path)] == list(range(5))
    assert complete(folder, 5) == 5
    assert load_latent(folder.latent_path(3)).equal(torch.full((1, 3, 4, 4), 3.0))
    assert read_png_metadata(folder.frame_path(3)) == {"seqsampler.plan": {"frame": 3}}


def test_a_write_error_is_raised_and_earlier_frames_stay_complete(tmp_path, monkeypatch):
    folder = RunFolder(tmp_path)
    real = writers.save_png

    def full_disk(path, image, text):
        if path == folder.frame_path(2):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, image, text)

    monkeypatch.setattr(writers, "save_png", full_disk)
    with pytest.raises(OSError, match="No space left on device") as raised:
        with FrameWriter(folder, depth=1) as frames:
            for i in range(20):  # the error reaches a later put (or the close): sampling stops
                frames.put(frame(i))
    assert raised.value.filename == str(folder.frame_path(2))
    assert complete(folder, 20) == 2  # frames 0 and 1, nothing after the failed one
    assert not folder.frame_path(3).exists() and not folder.latent_path(3).exists()


def test_an_error_of_the_last_frame_is_raised_at_close(tmp_path, monkeypatch):
    folder = RunFolder(tmp_path)

    def read_only(path, latent):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(writers, "save_latent", read_only)
    with pytest.raises(OSError, match="Read-only file system"):
        with FrameWriter(folder) as frames:
            frames.put(frame(0))
    assert read_manifest(folder.manifest_path) == []


def test_frames_handed_over_are_written_when_the_caller_fails(tmp_path, monkeypatch):
    folder = RunFolder(tmp_path)
    release = threading.Event()
    real = writers.save_latent

    def slow(path, latent):
        release.wait(timeout=30)
        return real(path, latent)

    monkeypatch.setattr(writers, "save_latent", slow)
    with pytest.raises(KeyboardInterrupt):
        with FrameWriter(folder, depth=4) as frames:
            for i in range(3):
                frames.put(frame(i))
            release.set()
            raise KeyboardInterrupt
    assert complete(folder, 3) == 3


def test_a_failed_prepare_is_raised_before_any_frame_is_written(tmp_path):
    folder = RunFolder(tmp_path)

    def missing() -> None:
        raise ImportError("no module named av")

    with pytest.raises(ImportError, match="no module named av"):
        with FrameWriter(folder, prepare=missing) as frames:
            frames.put(frame(0))
    assert read_manifest(folder.manifest_path) == []
