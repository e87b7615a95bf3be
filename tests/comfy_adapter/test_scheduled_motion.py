"""The scheduled nodes' camera motion inputs without ComfyUI: declared from the field table,
optional, planned into each frame's motion record, checked at queue time; runs everywhere."""

from __future__ import annotations

import inspect

import pytest

from seqsampler.comfy_adapter.scheduled import validate_schedules
from seqsampler.comfy_adapter.scheduled_motion import MOTION_SCHEDULES, MOTION_WIDGETS
from seqsampler.comfy_adapter.scheduled_plan import (
    OPTIONAL_INPUTS,
    PREVIEW_OPTIONAL,
    VALIDATED,
    optional_defaults,
    preview,
    scheduled_plan,
    validate,
    widget_defaults,
)
from seqsampler.planning.fields import MOTION_FIELDS, SPECS
from seqsampler.planning.schedule import ScheduleError


def _widgets(**overrides):
    widgets = {**widget_defaults(), **optional_defaults()}
    widgets.update(prompt_schedule='"0": "a", "4": "b"', frame_count=8, steps_schedule="4")
    widgets.update(overrides)
    return widgets


def test_every_motion_field_is_an_optional_input_derived_from_the_table():
    names = [spec[0] for spec in MOTION_WIDGETS]
    assert names == [
        f"{name}_schedule" if SPECS[name].schedule == "knob" else name for name in MOTION_FIELDS
    ]
    tail = [*names, "cfg_mode", "cadence"]
    assert [spec[0] for spec in OPTIONAL_INPUTS][-len(tail) :] == tail
    assert PREVIEW_OPTIONAL[: len(names)] == MOTION_WIDGETS
    options = dict((name, (kind, opts)) for name, kind, opts in MOTION_WIDGETS)
    assert options["zoom_schedule"] == ("STRING", options["zoom_schedule"][1])
    assert options["zoom_schedule"][1]["default"] == "1.0"
    assert options["zoom_schedule"][1]["tooltip"].startswith(SPECS["zoom"].help)
    assert options["motion_border"][0] == list(SPECS["motion_border"].choices)
    assert options["motion_space"][0] == ["auto", "pixel", "latent"]
    assert options["noise_warp"] == ("BOOLEAN", options["noise_warp"][1])
    assert options["noise_warp"][1]["default"] is False


def test_the_validator_reads_exactly_the_validated_inputs():
    """ComfyUI passes the validator only the inputs its signature names."""
    args = inspect.getfullargspec(validate_schedules).args[1:]
    assert sorted(args) == sorted(VALIDATED)
    assert set(MOTION_SCHEDULES) | {"perspective_flip"} <= set(VALIDATED)


def test_defaults_and_identity_values_plan_no_motion():
    plain = scheduled_plan(**{**widget_defaults(), "frame_count": 8, "steps_schedule": "4",
                              "prompt_schedule": '"0": "a", "4": "b"'}).plan  # fmt: skip
    identity = scheduled_plan(
        **_widgets(zoom_schedule="0:(1)", angle_schedule="0", translation_x_schedule="0:(0)",
                   contrast_schedule="1", sharpen_amount_schedule="0:(0), 7:(0)")
    ).plan  # fmt: skip
    assert all(f.motion is None for f in identity.frames)
    assert identity.frames == plain.frames


def test_motion_schedules_give_each_frame_its_move():
    result = scheduled_plan(
        **_widgets(zoom_schedule="0:(1.0), 4:(1.08)", angle_schedule="2",
                   translation_x_schedule="0:(16)", motion_border="wrap")
    ).plan  # fmt: skip
    motions = [f.motion for f in result.frames]
    assert motions[0] is None  # frame i's record is the move into it
    assert [m.zoom for m in motions[1:]] == pytest.approx(
        [1.02, 1.04, 1.06, 1.08, 1.08, 1.08, 1.08]
    )
    assert {(m.angle, m.translation_x, m.border, m.space) for m in motions[1:]} == {
        (2.0, 16.0, "wrap", "latent")
    }
    with_vae = scheduled_plan(vae_connected=True, **_widgets(zoom_schedule="1.1")).plan
    assert with_vae.frames[1].motion.space == "pixel"
    latent = scheduled_plan(vae_connected=True, **_widgets(zoom_schedule="1.1", motion_space="latent"))  # fmt: skip
    assert latent.plan.frames[1].motion.space == "latent"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("zoom_schedule", "0:(1), 3:(0)", "zoom_schedule: the schedule gives 0 at frame 3"),
        ("angle_schedule", "400", "angle_schedule: 400; accepted: a value"),
        ("transform_center_x_schedule", "0:(2.5)", "transform_center_x_schedule: the schedule gives 2.5"),
        ("sharpen_kernel_schedule", "0:(foo)", "sharpen_kernel_schedule: key '0' at position 1: unknown name 'foo'"),
        ("perspective_flip_theta_schedule", "0:(1), 4:(3)", "perspective_flip_theta_schedule: a schedule has no effect while perspective_flip is off"),
    ],
)  # fmt: skip
def test_bad_motion_inputs_are_named_at_queue_time(field, value, needle):
    values = {name: _widgets()[name] for name in VALIDATED}
    assert validate(**values) is True
    message = validate(**{**values, field: value})
    assert isinstance(message, str) and message.startswith(needle), message
    with pytest.raises(ValueError, match=f"^{needle[:20]}"):
        validate_schedules(None, **{**values, field: value})
    with pytest.raises(ScheduleError):
        scheduled_plan(**_widgets(**{field: value}))


def test_a_flip_schedule_plans_with_perspective_flip_on():
    result = scheduled_plan(
        **_widgets(perspective_flip=True, perspective_flip_phi_schedule="0:(0), 7:(7)")
    ).plan
    assert [f.motion.perspective_flip_phi for f in result.frames[1:]] == pytest.approx(
        [1, 2, 3, 4, 5, 6, 7]
    )


def test_the_preview_charts_the_motion():
    still, _ = preview(**_widgets())
    moving, text = preview(**_widgets(zoom_schedule="0:(1), 7:(1.1)", angle_schedule="1"))
    assert moving.height == still.height + 150  # the camera motion panel
    header = text.splitlines()[0].split()
    assert "zoom" in header and "angle" in header
