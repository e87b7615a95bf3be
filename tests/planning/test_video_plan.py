"""The plan of a video input (docs/behaviour.md §14): each frame's `video` record."""

from __future__ import annotations

import json

import pytest

from seqsampler.planning import FrameVideo, Plan, SequenceConfig, plan


def test_without_an_input_video_the_plan_is_as_before():
    config = SequenceConfig(frame_count=4, color_coherence="lab")
    data = json.loads(plan(config).to_json())
    assert not {"init_video", "video_mode", "video_strength", "color_coherence_source"} & set(
        data["config"]
    )
    assert all("video" not in frame for frame in data["frames"])
    assert [f.get("color", {}).get("anchor") for f in data["frames"]] == [None, 0, 0, 0]


def test_hybrid_frames_follow_their_input_frame_with_the_scheduled_strength():
    config = SequenceConfig(
        frame_count=4, init_video="clip.mp4", schedules={"video_strength": [1, 0.2, 0.4, 0.6]}
    )
    frames = plan(config).frames
    assert frames[0].video == FrameVideo(0, "init", 1.0)
    assert [f.video for f in frames[1:]] == [
        FrameVideo(1, "hybrid", 0.2), FrameVideo(2, "hybrid", 0.4), FrameVideo(3, "hybrid", 0.6)
    ]  # fmt: skip
    assert plan(config).config.to_dict()["init_video"] == "clip.mp4"


def test_independent_frames_take_the_input_frame_alone():
    config = SequenceConfig(frame_count=3, init_video="in", video_mode="independent")
    assert [(f.video.mode, f.video.strength) for f in plan(config).frames] == [
        ("init", 1.0), ("independent", 1.0), ("independent", 1.0)
    ]  # fmt: skip


def test_colour_coherence_to_the_video_moves_the_match_into_the_video_record():
    config = SequenceConfig(
        frame_count=3, init_video="clip.mp4", color_coherence="hsv",
        color_coherence_strength=0.7, color_coherence_source="video",
    )  # fmt: skip
    frames = plan(config).frames
    assert all(f.color is None for f in frames)  # not matched to an output frame
    assert frames[0].video.color is None
    assert [(f.video.color.mode, f.video.color.anchor, f.video.color.strength) for f in frames[1:]] == [
        ("hsv", 1, 0.7), ("hsv", 2, 0.7)
    ]  # fmt: skip


def test_video_records_round_trip_through_json():
    config = SequenceConfig(
        frame_count=3, init_video="clip.mp4", color_coherence="rgb", color_coherence_source="video"
    )
    the_plan = plan(config)
    text = the_plan.to_json()
    assert Plan.from_json(text) == the_plan
    assert "color" not in json.loads(text)["frames"][0]["video"]  # off: left out


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"color_coherence_source": "video"}, 'init_video is ""'),
        ({"schedules": {"video_strength": [0.5, 0.5]}}, "while init_video is off"),
        ({"init_video": "a\0b"}, "init_video must be a path"),
        ({"init_video": 3}, "init_video must be a path"),
        (
            {"init_video": "x", "video_mode": "blend"},
            "video_mode must be one of hybrid, independent",
        ),
        (
            {"init_video": "x", "video_strength": 1.5},
            "video_strength must be a number in [0.0, 1.0]",
        ),
    ],
)
def test_bad_video_fields_are_one_line_errors(kwargs, needle):
    with pytest.raises(ValueError, match=None) as err:
        SequenceConfig(frame_count=2, **kwargs)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_damaged_video_record_is_refused():
    data = json.loads(plan(SequenceConfig(frame_count=2, init_video="v.mp4")).to_json())
    data["frames"][1]["video"]["speed"] = 2
    with pytest.raises(ValueError, match="video has unknown key"):
        Plan.from_json(data)
    data["frames"][1]["video"] = {"frame": 1, "mode": "warp", "strength": 0.5}
    with pytest.raises(ValueError, match="video.mode must be one of init, hybrid, independent"):
        Plan.from_json(data)


def test_the_plan_table_shows_each_frames_input_frame():
    from seqsampler.chart import plan_table

    config = SequenceConfig(
        frame_count=3, init_video="clip.mp4", color_coherence="lab", color_coherence_source="video",
        schedules={"video_strength": [0.5, 0.25, 0.75]},
    )  # fmt: skip
    lines = plan_table(plan(config)).splitlines()
    assert lines[0].split()[-1] == "video"
    assert [line.split(None, 13)[-1].strip() for line in lines[1:]] == [
        "init 0", "hybrid 1 x0.25 +lab", "hybrid 2 x0.75 +lab"
    ]  # fmt: skip
    assert "video" not in plan_table(plan(SequenceConfig(frame_count=2)))
