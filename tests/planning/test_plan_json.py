"""Plan / FramePlan input checks found by the type checker (mypy over src/)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from seqsampler import SequenceConfig, plan
from seqsampler.planning import FramePlan, Plan


def _injecting_frame() -> FramePlan:
    p = plan(SequenceConfig(frame_count=4, inject_noise=True, noise_strength=0.1))
    frame = next(f for f in p.frames if f.inject_noise_seed is not None)
    assert frame.noise_strength is not None
    return frame


def test_frame_plan_built_by_hand_needs_seed_and_strength_together():
    # Was checked in from_dict only: a hand-built (or `replace`d) FramePlan with an inject seed
    # but no strength passed run_sequence's checks and failed mid-run on None * noise.
    frame = _injecting_frame()
    with pytest.raises(ValueError, match="must both be null or both be set"):
        dataclasses.replace(frame, noise_strength=None)
    with pytest.raises(ValueError, match="must both be null or both be set"):
        dataclasses.replace(frame, inject_noise_seed=None)
    assert (
        dataclasses.replace(frame, inject_noise_seed=None, noise_strength=None).noise_strength
        is None
    )


@pytest.mark.parametrize("text", ["[1, 2]", '"plan"', "3", "null"])
def test_plan_from_json_that_is_not_an_object_is_a_value_error(text):
    # Was AttributeError ('list' object has no attribute 'get').
    with pytest.raises(ValueError, match="a plan must be a JSON object"):
        Plan.from_json(text)


def test_plan_from_json_round_trips_with_accepted_names():
    config = SequenceConfig(
        frame_count=3, sampler_name="my_sampler", accepted_samplers=("my_sampler",)
    )
    p = plan(config)
    text = json.dumps(p.to_dict())
    with pytest.raises(ValueError, match="sampler_name must be one of"):
        Plan.from_json(text)
    assert Plan.from_json(text, accepted_samplers=("my_sampler",)) == p
