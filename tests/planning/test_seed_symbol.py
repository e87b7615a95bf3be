"""Deforum's `s` (the run's seed) in schedule expressions, in the schedule language and in both
front doors: the spec's seed (CLI) and the scheduled node's seed input (ComfyUI)."""

from __future__ import annotations

import pytest

from seqsampler.comfy_adapter.scheduled_plan import scheduled_plan, widget_defaults
from seqsampler.planning.schedule import ScheduleError, schedule_values
from seqsampler.planning.schedule.expressions import VARIABLES


def test_s_is_the_runs_seed():
    # Deforum's in-betweens: an expression key holds until the next key
    values = schedule_values("0:(s), 2:(s % 5 + t)", "cfg", 4, seed=7)
    assert values == [7.0, 7.0, 4.0, 5.0]
    assert schedule_values({0: "s / 2"}, "cfg", 2, seed=9) == [4.5, 4.5]


def test_s_is_a_schedule_variable():
    assert "s" in VARIABLES


def test_s_without_a_seed_is_refused_with_the_reason():
    with pytest.raises(ScheduleError, match=r"cfg: key '0' .* s \(the run's seed"):
        schedule_values("0:(s + t)", "cfg", 4)


def test_a_spec_schedule_reads_the_specs_seed():
    from seqsampler.cli.spec.resolve import resolve_spec

    spec = resolve_spec(
        {"prompts": "a big red circle", "frame_count": 4, "seed": 12, "cfg": "0:(s % 5 + t)"}
    )
    assert spec.config.schedule("cfg") == (2.0, 3.0, 4.0, 5.0)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"seed": "0:(s + t)"}, "seed"),  # the seed cannot define itself
        ({"seed": "0:(3 + t)", "cfg": "0:(s)"}, "cfg"),  # no single run seed while scheduled
    ],
)
def test_a_spec_refuses_s_where_there_is_no_run_seed(fields, where):
    from seqsampler.cli.spec.resolve import SpecError, resolve_spec

    with pytest.raises(SpecError, match=rf"^{where}: .*s \(the run's seed"):
        resolve_spec({"prompts": "a big red circle", "frame_count": 4, **fields})


def test_the_scheduled_node_reads_its_seed_input():
    widgets = widget_defaults()
    widgets.update(prompt_schedule='"0": "a"', frame_count=4, seed_schedule="20",
                   cfg_schedule="0:(s / 4 + t)")  # fmt: skip
    got = scheduled_plan(**widgets).plan
    assert [f.cfg for f in got.frames] == [5.0, 6.0, 7.0, 8.0]
    widgets.update(seed_schedule="0:(s)")
    with pytest.raises(ValueError, match=r"^seed_schedule: .*s \(the run's seed"):
        scheduled_plan(**widgets)
