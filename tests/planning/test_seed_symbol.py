"""Deforum's `s` (the run's seed) in schedule expressions (issue 28 item 7).

Not wired yet: each test is a strict xfail that fails for the reason named, so wiring `s` makes
them pass and pytest reports XPASS(strict) until the marks are removed. What to wire:
`planning/expressions.py` VARIABLES gains "s" and `_evaluate` takes the seed; `planning/
schedule.py` `parse_schedule` / `parse_mapping` / `evaluate_keys` / `schedule_values` take
`seed: int | None = None` and pass it on; `cli/spec.py` `_knob_schedules` passes the spec's
numeric seed (a seed schedule using `s` itself is refused: it would define the seed by itself);
`comfy_adapter/scheduled.py` passes the node's seed.
"""

from __future__ import annotations

import pytest

from seqsampler.planning.schedule import schedule_values
from seqsampler.planning.schedule.expressions import VARIABLES

WIRED_BY_LEAD = "s in expressions: wired by the lead"


@pytest.mark.xfail(strict=True, raises=TypeError, reason=WIRED_BY_LEAD)
def test_s_is_the_runs_seed():
    # Deforum's in-betweens: an expression key holds until the next key
    values = schedule_values("0:(s), 2:(s % 5 + t)", "cfg", 4, seed=7)
    assert values == [7.0, 7.0, 4.0, 5.0]


@pytest.mark.xfail(strict=True, raises=AssertionError, reason=WIRED_BY_LEAD)
def test_s_is_a_schedule_variable():
    assert "s" in VARIABLES


@pytest.mark.xfail(strict=True, raises=ValueError, reason=WIRED_BY_LEAD)
def test_a_spec_schedule_reads_the_specs_seed():
    from seqsampler.cli.spec.resolve import resolve_spec

    spec = resolve_spec(
        {"prompts": "a big red circle", "frame_count": 4, "seed": 12, "cfg": "0:(s % 5 + t)"}
    )
    assert spec.config.schedule("cfg") == (2.0, 3.0, 4.0, 5.0)
