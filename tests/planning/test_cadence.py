"""Cadence in the plan (issue 30, item 1, planning only): which frames the model makes and which
are made between them; rendering with cadence > 1 is refused until the chain makes them."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from seqsampler.chart import plan_table
from seqsampler.cli import main
from seqsampler.planning import Plan, SequenceConfig, plan
from seqsampler.planning.cadence import FrameBetween, diffused_frames, with_cadence


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


def test_the_cli_plans_a_cadence_and_refuses_to_render_it(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text('prompts = "a big red circle"\nframe_count = 5\ncadence = 2\nsteps = 2\n')
    assert main(["plan", str(spec), "--format", "table"]) == 0
    assert "0-2 @0.5" in capsys.readouterr().out
    out = tmp_path / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith(
        "cadence: 2 plans 2 of 5 frames to be made between their neighbours, which rendering "
        "does not do yet; accepted: cadence = 1 (seqsampler plan shows a cadence's marks)"
    ), err
    assert len(err.splitlines()) == 1 and not (out / "frames").exists()
