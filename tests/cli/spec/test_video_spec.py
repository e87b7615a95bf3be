"""The spec's video input: init_video made absolute and opened before any model work,
frame_count and fps taken from the input (one log line each), audio, and the one-line errors."""

from __future__ import annotations

import logging
from fractions import Fraction

import pytest
from video import synthetic  # tests/video/synthetic.py: tests/ is on sys.path

from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.spec.resolve import resolve_spec

PROMPT = "a big red circle in the center, blue background"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """12 frames of a pan at 30000/1001 fps, with a sine audio track."""
    folder = tmp_path_factory.mktemp("video")
    frames = synthetic.pan_frames(12, 32, (1, 0))
    return synthetic.write_video(
        folder / "clip.mp4", frames, fps=Fraction(30000, 1001), audio=synthetic.sine(0.5)
    )


@pytest.fixture(scope="module")
def silent(tmp_path_factory):
    folder = tmp_path_factory.mktemp("silent")
    return synthetic.write_video(folder / "silent.mkv", synthetic.pan_frames(5, 32, (0, 1)))


def test_frame_count_and_fps_come_from_the_input(clip, caplog, monkeypatch):
    monkeypatch.chdir(clip.parent)
    with caplog.at_level(logging.INFO, logger="seqsampler.cli"):
        spec = resolve_spec({"prompts": PROMPT, "init_video": "clip.mp4"})
    assert spec.fields["init_video"] == str(clip.resolve())  # relative to the current folder
    assert spec.frame_count == 12 and spec.fields["frame_count"] == 12
    assert spec.fields["fps"] == "30000/1001"
    assert spec.fields["audio"] is None
    assert "frame_count: 12, the input's frame count ('clip.mp4')" in caplog.text
    assert "fps: 30000/1001, the input's frame rate" in caplog.text
    frames = spec.plan().frames
    assert [f.video.frame for f in frames] == list(range(12))
    assert frames[0].video.mode == "init" and frames[1].video.mode == "hybrid"


def test_the_spec_frame_count_is_kept_when_the_input_has_as_many(clip, caplog):
    with caplog.at_level(logging.INFO, logger="seqsampler.cli"):
        short = resolve_spec({"prompts": PROMPT, "init_video": str(clip), "frame_count": 5, "fps": 12})  # fmt: skip
        long = resolve_spec({"prompts": PROMPT, "init_video": str(clip), "frame_count": 40})
    assert short.frame_count == 5 and short.fields["fps"] == 12
    assert long.frame_count == 12
    assert "frame_count: 5, the spec's (the input 'clip.mp4' has 12 frames)" in caplog.text
    assert "frame_count: 12, the input's frame count ('clip.mp4'; the spec asks for 40)" in caplog.text  # fmt: skip


def test_without_init_video_nothing_changes():
    spec = resolve_spec({"prompts": PROMPT, "frame_count": 3})
    assert spec.fields["init_video"] == "" and spec.fields["fps"] == 8
    assert all(f.video is None for f in spec.plan().frames)


@pytest.mark.parametrize("fps", ["30000/1001", "24", 25, "1/2"])
def test_fps_takes_ints_and_exact_fractions(fps):
    spec = resolve_spec({"prompts": PROMPT, "fps": fps})
    assert Fraction(str(spec.fields["fps"])) == Fraction(str(fps))


@pytest.mark.parametrize("fps", ["30/0", "241", "0/5", "a/b", "1.5", 0])
def test_bad_frame_rates_are_refused(fps):
    with pytest.raises(SpecError, match="fps: got .*; accepted: an int in \\[1, 240\\] or a fraction"):  # fmt: skip
        resolve_spec({"prompts": PROMPT, "fps": fps})


def test_a_non_ascii_frame_rate_is_named_fps():
    with pytest.raises(
        SpecError, match="^fps: '\u0663\u0660/1' holds the non-ASCII digit U\\+0663"
    ):
        resolve_spec({"prompts": PROMPT, "fps": "\u0663\u0660/1"})  # named fps, not "value"


def test_audio(clip, silent):
    assert resolve_spec({"prompts": PROMPT, "init_video": str(clip), "audio": False}).fields["audio"] is False  # fmt: skip
    with pytest.raises(SpecError, match="audio: true, but .*silent.mkv' has no audio track; accepted: audio = false"):  # fmt: skip
        resolve_spec({"prompts": PROMPT, "init_video": str(silent), "audio": True})
    with pytest.raises(SpecError, match="audio: true without init_video"):
        resolve_spec({"prompts": PROMPT, "audio": True})
    with pytest.raises(SpecError, match="audio: got 'yes'; accepted: true, false, or unset"):
        resolve_spec({"prompts": PROMPT, "init_video": str(clip), "audio": "yes"})


def test_bad_inputs_are_one_line_errors_naming_the_file(tmp_path):
    (tmp_path / "notes.mp4").write_text("not a video")
    missing = str(tmp_path / "missing.mp4")
    cases = {
        missing: "missing.mp4: no such file or folder; accepted: a video file",
        str(tmp_path / "notes.mp4"): "notes.mp4: not a video PyAV can read",
        str(tmp_path): "no png, jpg or webp images; accepted: a folder of png",
    }
    for path, needle in cases.items():
        with pytest.raises(SpecError) as err:
            resolve_spec({"prompts": PROMPT, "init_video": path})
        assert str(err.value).startswith("init_video: ") and needle in str(err.value)
        assert "\n" not in str(err.value)


def test_video_fields_without_effect_are_named(clip):
    spec = resolve_spec({"prompts": PROMPT, "video_strength": 0.8, "video_mode": "hybrid"})
    assert spec.warnings == (
        "video_mode = 'hybrid' has no effect while init_video is \"\" (no video input)",
        'video_strength = 0.8 has no effect while init_video is "" (no video input)',
    )
    data = {"prompts": PROMPT, "init_video": str(clip), "video_mode": "independent", "video_strength": 0.8}  # fmt: skip
    assert resolve_spec(data).warnings == (
        "video_strength = 0.8 has no effect while video_mode is independent (the input frame alone)",
    )


def test_a_larger_input_is_resized_with_a_note_before_any_model_work(tmp_path, caplog):
    from seqsampler.cli.spec.checks import check_spec
    from seqsampler.sequence import describe_plan

    big = synthetic.write_video(tmp_path / "big.mkv", synthetic.pan_frames(3, 96, (1, 0)))
    spec = resolve_spec({"prompts": PROMPT, "init_video": str(big)})
    with caplog.at_level(logging.INFO, logger="seqsampler.cli.spec.checks"):
        check_spec(spec)
    assert "init_video: 96x96 frames are resized to the render size 32x32, one at a time" in caplog.text  # fmt: skip
    assert "video hybrid 2 x0.5" in describe_plan(spec.plan())
