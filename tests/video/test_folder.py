"""seqsampler.video.open_video on folders of numbered images."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from seqsampler.video import open_video
from seqsampler.video.folder import DEFAULT_FOLDER_FPS
from seqsampler.video.source import to_tensor

from .synthetic import pan_frames, write_folder


def flat(value: int, size: tuple[int, int] = (48, 64)) -> np.ndarray:
    return np.full((*size, 3), value, np.uint8)


def test_numbered_files_are_read_in_the_order_of_their_numbers(tmp_path):
    """frame_9 before frame_10 (not the names' order); png, jpg and webp mixed; other files skipped."""
    names = ["frame_8.png", "frame_9.jpg", "frame_10.webp", "frame_11.png", "take2_frame_12.png"]
    values = [10, 60, 110, 160, 210]
    folder = write_folder(tmp_path / "frames", [flat(v) for v in values], names)
    (folder / "notes.txt").write_text("not an image")
    (folder / ".hidden_1.png").write_bytes(b"")
    source = open_video(folder)
    assert (source.frame_count, source.size, source.has_audio) == (5, (64, 48), False)
    assert source.fps == DEFAULT_FOLDER_FPS == 24
    means = [round(float(f.mean()) * 255) for f in source.frames(64, 48)]
    assert all(abs(m - v) <= 2 for m, v in zip(means, values, strict=True)), (
        means
    )  # jpg: within 2 levels
    assert open_video(folder, fps=12.5).fps == 12.5


def test_lossless_frames_and_start(tmp_path):
    frames = pan_frames(6, 32, (1, 1), seed=1)
    folder = write_folder(tmp_path / "pan", frames, [f"{i:04d}.png" for i in range(6)])
    source = open_video(folder, fps=30)
    read = list(source.frames(32, 32))
    assert all(torch.equal(got, to_tensor(want)) for got, want in zip(read, frames, strict=True))
    assert all(
        torch.equal(a, b) for a, b in zip(source.frames(32, 32, start=4), read[4:], strict=True)
    )
    assert len(list(source.frames(32, 32, start=4))) == 2


def test_gap_in_the_numbers_names_both_files(tmp_path):
    folder = write_folder(
        tmp_path / "f", [flat(0)] * 4, ["f_1.png", "f_2.png", "f_5.png", "f_6.png"]
    )
    with pytest.raises(ValueError, match=r"f_2\.png is followed by f_5\.png: number 3 to 4 is missing; .*renumber"):  # fmt: skip
        open_video(folder)


def test_one_missing_number(tmp_path):
    folder = write_folder(tmp_path / "f", [flat(0)] * 3, ["1.png", "2.png", "4.png"])
    with pytest.raises(ValueError, match=r"2\.png is followed by 4\.png: number 3 is missing"):
        open_video(folder)


def test_same_number_twice(tmp_path):
    folder = write_folder(tmp_path / "f", [flat(0)] * 3, ["a_1.png", "a_01.jpg", "a_2.png"])
    with pytest.raises(ValueError, match=r"have the same number 1; .*rename one"):
        open_video(folder)


def test_image_without_a_number(tmp_path):
    folder = write_folder(tmp_path / "f", [flat(0)] * 2, ["1.png", "cover.png"])
    with pytest.raises(ValueError, match=r"cover\.png: an image with no number in its name"):
        open_video(folder)


def test_folder_without_images(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match=r"empty: no png, jpg or webp images; accepted"):
        open_video(tmp_path / "empty")


def test_unreadable_image_is_named_when_opened(tmp_path):
    folder = write_folder(tmp_path / "f", [flat(0)], ["1.png"])
    (folder / "2.png").write_text("not a png")
    with pytest.raises(ValueError, match=r"2\.png: cannot be read as an image"):
        open_video(folder)


def test_mixed_sizes_are_resized_with_a_note(tmp_path, caplog):
    images = [flat(50), flat(100, (30, 40)), flat(150), flat(200, (60, 80))]
    folder = write_folder(tmp_path / "f", images, ["1.png", "2.png", "3.png", "4.png"])
    with caplog.at_level(logging.WARNING, logger="seqsampler.video"):
        source = open_video(folder)
    assert len(caplog.records) == 1
    assert "2 of 4 images differ in size from 1.png (64x48), the first 2.png (40x30)" in caplog.text
    read = list(source.frames(32, 24))
    assert [f.shape for f in read] == [(1, 3, 24, 32)] * 4
    assert [round(float(f.mean()) * 255) for f in read] == [50, 100, 150, 200]


@pytest.mark.parametrize("fps", [0, -1, 1e6])
def test_bad_folder_fps(tmp_path, fps):
    folder = write_folder(tmp_path / "f", [flat(0)], ["1.png"])
    with pytest.raises(ValueError, match=r"f: frame rate .* fps; accepted: 0 < fps <= 1000"):
        open_video(folder, fps=fps)
