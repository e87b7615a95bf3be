"""Cadence in the plan (issue 30, item 1): which frames the model makes and which are made
between them, shown by `seqsampler plan` and kept in the plan JSON; colour anchors on diffused
frames; the frame a resume continues from."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from seqsampler.chart import plan_table
from seqsampler.cli import main
from seqsampler.planning import Plan, SequenceConfig, plan
from seqsampler.planning.cadence import (
    FrameBetween,
    diffused_frames,
    resume_source,
    with_cadence,
)


def marks(p: Plan) -> list[object]:
    return [None if f.between is None else (f.between.previous, f.between.next) for f in p.frames]


def test_every_nth_frame_the_keyframes_and_the_last_are_diffused():
    p = plan(SequenceConfig(frame_count=12, positive_count=2, cond_keyframes=(5,), cadence=3))
    assert [f.frame for f in p.frames if f.between is None] == [0, 3, 5, 6, 9, 11]
    assert marks(p)[1:5] == [(0, 3), (0, 3), None, (3, 5)]
    assert [round(f.between.t, 6) for f in p.frames if f.between is not None] == [
        0.333333,
        0.666667,
        0.5,
        0.333333,
        0.666667,
        0.5,
    ]


def test_a_negative_prompt_change_is_diffused_too():
    frames = list(plan(SequenceConfig(frame_count=8)).frames)
    frames = frames[:6] + [replace(f, negative=1) for f in frames[6:]]
    marked = with_cadence(4, frames, keyframes=())
    assert [f.frame for f in marked if f.between is None] == [0, 4, 6, 7]
    assert diffused_frames(4, 8, {6}) == (0, 4, 6, 7)


def test_cadence_one_leaves_the_plan_and_its_json_as_before():
    before = plan(SequenceConfig(frame_count=6, positive_count=2))
    same = plan(SequenceConfig(frame_count=6, positive_count=2, cadence=1))
    assert same == before and same.to_json() == before.to_json()
    assert "cadence" not in same.to_dict()["config"] and '"between"' not in same.to_json()


def test_the_marks_survive_json():
    p = plan(SequenceConfig(frame_count=7, cadence=2))
    data = json.loads(p.to_json())
    assert data["config"]["cadence"] == 2
    assert data["frames"][1]["between"] == {"previous": 0, "next": 2, "t": 0.5}
    assert Plan.from_json(p.to_json()) == p


@pytest.mark.parametrize("value", [0, 9, True, 2.5])
def test_a_bad_cadence_is_a_value_error_naming_it(value):
    with pytest.raises(ValueError, match="cadence"):
        SequenceConfig(frame_count=4, cadence=value)


def test_a_bad_between_record_is_refused():
    with pytest.raises(ValueError, match="accepted: 0 <= previous < next and t in"):
        FrameBetween(3, 3, 0.5)


def test_the_table_shows_how_each_frame_is_made_only_with_cadence():
    assert "made" not in plan_table(plan(SequenceConfig(frame_count=4))).splitlines()[0]
    lines = plan_table(plan(SequenceConfig(frame_count=4, cadence=2))).splitlines()
    assert lines[0].split()[-1] == "made"
    assert [line.split()[-2:] for line in lines[1:3]] == [["-", "diffused"], ["0-2", "@0.5"]]


def test_the_cli_plans_a_cadence_and_the_table_counts_no_model_steps_between(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('prompts = "a big red circle"\nframe_count = 5\ncadence = 2\nsteps = 2\n')
    assert main(["plan", str(spec), "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    evals = lines[0].split().index("evals")
    assert [line.split()[evals] for line in lines[1:6]] == ["2", "0", "2", "0", "2"]
    assert [" ".join(line.split()[-2:]) for line in lines[1:6]] == [
        "- diffused", "0-2 @0.5", "- diffused", "2-4 @0.5", "- diffused",
    ]  # fmt: skip
    assert main(["plan", str(spec), "--format", "json"]) == 0
    frames = json.loads(capsys.readouterr().out)["frames"]
    assert [f.get("between") for f in frames][:2] == [None, {"previous": 0, "next": 2, "t": 0.5}]


def test_a_colour_anchor_made_between_moves_to_the_diffused_frame_before_it():
    config = SequenceConfig(
        frame_count=12, positive_count=2, cond_keyframes=(6,), color_coherence="lab",
        color_coherence_anchor="keyframe", denoise_seq=0.5, cadence=4,
    )  # fmt: skip
    without = plan(replace(config, cadence=1))
    anchors = {f.color.anchor for f in without.frames if f.color is not None}
    p = plan(config)
    moved = {f.color.anchor for f in p.frames if f.color is not None}
    assert any(p.frames[a].between is not None for a in anchors)  # the case arises
    assert all(p.frames[a].between is None for a in moved)
    for before, after in zip(without.frames, p.frames, strict=True):
        if before.color is not None:
            anchor = p.frames[before.color.anchor]
            expected = anchor.frame if anchor.between is None else anchor.between.previous
            assert after.color.anchor == expected


def test_the_run_log_names_the_frames_made_between():
    from seqsampler.sequence import describe_plan

    lines = describe_plan(plan(SequenceConfig(frame_count=4, cadence=3))).splitlines()[1:]
    assert [line.endswith("between 0-3") for line in lines] == [False, True, True, False]


def test_a_resume_continues_from_the_last_diffused_frame():
    frames = plan(SequenceConfig(frame_count=7, cadence=3)).frames
    assert [resume_source(frames, s) for s in range(1, 7)] == [0, 0, 0, 3, 3, 3]


def test_the_chart_ticks_the_frames_made_between():
    from seqsampler.chart import BETWEEN_TICK, TOP, frame_x, plan_chart_image

    texts = ["a red circle"]
    cadenced = plan_chart_image(plan(SequenceConfig(frame_count=7, cadence=3)), texts)
    plain = plan_chart_image(plan(SequenceConfig(frame_count=7)), texts)

    def ticked(image, frame):
        x = round(frame_x(frame, 7, image.width))
        return any(image.getpixel((x + dx, TOP + 6)) == BETWEEN_TICK for dx in (-1, 0, 1))

    assert [ticked(cadenced, i) for i in range(7)] == [False, True, True, False, True, True, False]
    assert not any(ticked(plain, i) for i in range(7))
