"""Camera motion in the plan (planning/motion.py): each frame's motion record from the fields and
their schedules, none at the defaults (plans and configs as before), the config's checks."""

from __future__ import annotations

import dataclasses
import json

import pytest

from seqsampler import SequenceConfig, plan
from seqsampler.motion.knobs import Knobs
from seqsampler.planning import FrameMotion, Plan
from seqsampler.planning.fields import MOTION_FIELDS, SPECS


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


# A frame's motion record as plans have written it since camera motion came (plan version 1).
SAVED_RECORD = (
    '{"zoom": 1.02, "angle": 0.5, "translation_x": -3.0, "translation_y": 0.0, '
    '"transform_center_x": 0.2, "transform_center_y": 0.5, "perspective_flip": true, '
    '"perspective_flip_theta": 4.0, "perspective_flip_phi": 0.0, "perspective_flip_gamma": 0.0, '
    '"perspective_flip_fv": 53.0, "border": "wrap", "space": "latent", "sharpen_amount": 0.2, '
    '"sharpen_kernel": 7, "sharpen_sigma": 1.0, "sharpen_threshold": 0.0, "contrast": 1.0}'
)


def test_a_saved_motion_record_reads_back_and_writes_the_same_text():
    saved = plan(SequenceConfig(frame_count=2, zoom=1.1)).to_dict()
    saved["frames"][1]["motion"] = json.loads(SAVED_RECORD)
    frame = Plan.from_json(saved).frames[1]
    assert frame.motion == FrameMotion(
        zoom=1.02, angle=0.5, translation_x=-3.0, transform_center_x=0.2, perspective_flip=True,
        perspective_flip_theta=4.0, border="wrap", space="latent", sharpen_amount=0.2,
        sharpen_kernel=7,
    )  # fmt: skip
    assert json.dumps(frame.to_dict()["motion"]) == SAVED_RECORD


def test_the_records_names_kinds_and_defaults_are_the_field_tables():
    """FrameMotion (and the Knobs it extends) are the table's motion rows less noise_warp, in
    the table's order (contrast last), `border`/`space` standing for motion_border/_space."""
    kinds = {"float": "float", "int": "int", "bool": "bool", "choice": "str"}
    config_name = {"border": "motion_border", "space": "motion_space"}
    names = [config_name.get(item.name, item.name) for item in dataclasses.fields(FrameMotion)]
    assert sorted(names) == sorted(set(MOTION_FIELDS) - {"noise_warp"})
    assert names[-1] == "contrast" and names[:6] == list(MOTION_FIELDS[:6])
    knobs = [item.name for item in dataclasses.fields(Knobs)]
    assert knobs == [item.name for item in dataclasses.fields(FrameMotion)][: len(knobs)]
    for item, name in zip(dataclasses.fields(FrameMotion), names, strict=True):
        assert (item.type, item.default) == (kinds[SPECS[name].kind], SPECS[name].default), name
    assert not FrameMotion().moves and not FrameMotion().sharpens
