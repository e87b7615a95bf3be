"""Camera motion in the plan (planning/motion.py): each frame's motion record from the fields and
their schedules, none at the defaults (plans and configs as before), the config's checks."""

from __future__ import annotations

import json

import pytest

from seqsampler import SequenceConfig, plan
from seqsampler.planning import FrameMotion, Plan
from seqsampler.planning.fields import MOTION_FIELDS


def test_defaults_plan_no_motion_and_write_no_motion_field():
    p = plan(SequenceConfig(frame_count=4))
    assert all(f.motion is None for f in p.frames)
    text = p.to_json()
    assert not any(name in text for name in MOTION_FIELDS) and '"motion"' not in text


def test_a_zoom_gives_every_later_frame_a_record():
    config = SequenceConfig(frame_count=4, zoom=1.02, angle=0.5, motion_border="wrap")
    p = plan(config)
    assert p.frames[0].motion is None
    expected = FrameMotion(zoom=1.02, angle=0.5, border="wrap")
    assert [f.motion for f in p.frames[1:]] == [expected] * 3
    assert Plan.from_json(p.to_json()) == p
    saved = json.loads(p.to_json())["config"]
    assert {k: saved[k] for k in ("zoom", "angle", "motion_border")} == {
        "zoom": 1.02, "angle": 0.5, "motion_border": "wrap"
    }  # fmt: skip
    assert "translation_x" not in saved  # still at its default


def test_schedules_drive_the_knobs_frame_by_frame():
    zoom = [1.0, 1.0, 1.05, 1.1]
    config = SequenceConfig(
        frame_count=4, schedules={"zoom": zoom, "sharpen_amount": [0, 0.2, 0, 0]}
    )
    motions = [f.motion for f in plan(config).frames]
    assert motions[0] is None
    assert motions[1] == FrameMotion(sharpen_amount=0.2)  # sharpening alone makes a record
    assert [m.zoom for m in motions[2:]] == [1.05, 1.1]


def test_the_flip_without_angles_and_a_centre_alone_do_not_move():
    config = SequenceConfig(frame_count=3, perspective_flip=True, transform_center_x=0.2)
    assert all(f.motion is None for f in plan(config).frames)
    moved = plan(SequenceConfig(frame_count=3, perspective_flip=True, perspective_flip_phi=5.0))
    assert moved.frames[1].motion.perspective_flip and moved.frames[1].motion.moves


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"zoom": 0.0}, "zoom must be a number in"),
        ({"zoom": float("nan")}, "zoom must be a number in"),
        ({"transform_center_y": 2.5}, "transform_center_y must be a number in"),
        ({"motion_border": "mirror"}, "motion_border must be one of replicate, reflect, wrap, zeros"),
        ({"motion_space": "vae"}, "motion_space must be one of pixel, latent"),
        ({"perspective_flip_fv": 180.0}, "perspective_flip_fv must be a number in"),
        ({"sharpen_kernel": 4}, "sharpen_kernel must be an odd int"),
        ({"schedules": {"sharpen_kernel": [5, 5, 6]}}, "sharpen_kernel must be an odd int .* at frame 2"),
        ({"schedules": {"perspective_flip_phi": [0, 1, 2]}}, "perspective_flip"),
    ],
)  # fmt: skip
def test_bad_motion_fields_are_named(fields, message):
    with pytest.raises(ValueError, match=message):
        SequenceConfig(frame_count=3, **fields)
