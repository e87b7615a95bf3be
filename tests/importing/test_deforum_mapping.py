"""Deforum settings mapped setting by setting, on variants of a published settings file: seed
behaviours against Deforum's own per-frame seed rule, schedules (strength clamped as Deforum
clamps it, ints truncated as Deforum's int()), motion / cadence / video carried exactly when
seqsampler knows the field, prompts (expression keys, common parts), sizes, outputs, errors."""

from __future__ import annotations

import math

import pytest

from seqsampler.importing import deforum_to_spec
from seqsampler.importing.result import default_known_fields

from .helpers import cli_fields, notes_of, plan_of, published, round_trip

MOTION_FIELDS = {"zoom", "angle", "translation_x", "translation_y", "transform_center_x",
                 "transform_center_y", "motion_border", "cadence", "perspective_flip",
                 "perspective_flip_theta", "perspective_flip_phi", "perspective_flip_gamma",
                 "perspective_flip_fv", "contrast", "sharpen_amount", "sharpen_kernel",
                 "sharpen_sigma", "sharpen_threshold"}  # fmt: skip


def settings(**changes):
    """The published A1111 settings (tests/importing/data) with `changes`."""
    base = published("deforum_a1111_rotate_slow.txt")
    base.update(max_frames=12, prompts={"0": "a cat --neg blurry", "6": "a dog"}, seed=1234)
    base.update(changes)
    return base


def imported(tmp_path, capsys, known=None, **changes):
    """(spec TOML text, spec dict, plan) for `settings(**changes)`."""
    text, spec = round_trip(deforum_to_spec(settings(**changes), known or cli_fields()))
    return text, spec, plan_of(tmp_path, text, capsys)


def deforum_seeds(seed: int, behaviour: str, every: int, frames: int) -> list[int]:
    """Deforum's seed per frame: frame 0 has the seed; after each frame its next-seed rule
    (iter: +1 on every every-th call; ladder: +2, -1, ...; alternate: +1, -1, ...)."""
    out, calls = [], 0
    for _ in range(frames):
        out.append(seed)
        if behaviour == "iter":
            seed += 1 if calls % every == 0 else 0
        elif behaviour in ("ladder", "alternate"):
            seed += (2 if behaviour == "ladder" else 1) if calls % 2 == 0 else -1
        calls += 1
    return out


@pytest.mark.parametrize(
    ("behaviour", "every"),
    [("iter", 1), ("iter", 3), ("ladder", 1), ("alternate", 1), ("fixed", 1)],
)
def test_seed_behaviours_give_deforums_seeds(tmp_path, capsys, behaviour, every):
    _, _, plan = imported(tmp_path, capsys, seed_behavior=behaviour, seed_iter_N=every)
    expected = deforum_seeds(1234, behaviour, every, 12)
    assert [f["seed"] for f in plan["frames"]] == expected
    assert len(set(expected)) > 1 or behaviour == "fixed"


def test_random_seed_behaviour(tmp_path, capsys):
    _, spec, plan = imported(tmp_path, capsys, seed_behavior="random")
    seeds = [f["seed"] for f in plan["frames"]]
    assert spec["seed_mode_seq"] == "random" and seeds[0] == 1234
    assert len(set(seeds)) == 12 and seeds[1] != 1235


def test_seed_schedule_with_s_is_deforums(tmp_path, capsys):
    """`s` is an expression, held until the next key; numeric keys are interpolated and each
    frame's value truncated by int(), as Deforum does."""
    schedule = "0:(s), 5:(1000), 10:(1002)"
    text, spec, plan = imported(tmp_path, capsys, seed_behavior="schedule", seed_schedule=schedule)
    expected = [1234] * 5 + [int(1000 + 2 * (t - 5) / 5) for t in range(5, 10)] + [1002] * 2
    assert (
        [f["seed"] for f in plan["frames"]]
        == expected
        == [1234] * 5 + [1000] * 3 + [1001] * 2 + [1002] * 2
    )
    assert "truncated to ints" in text


def test_seed_schedule_with_random_frames_is_not_carried(tmp_path, capsys):
    schedule = '0:(s), 1:(-1), "max_f-2":(-1), "max_f-1":(s)'  # Deforum's default
    text, spec, _ = imported(tmp_path, capsys, seed_behavior="schedule", seed_schedule=schedule)
    assert "seed_schedule" in notes_of(text) and spec["seed_mode_seq"] == "random"


def test_random_seed_cannot_feed_s(tmp_path, capsys):
    text, spec, _ = imported(tmp_path, capsys, seed=-1, cfg_scale_schedule="0:(7 + s % 2)")
    assert "seed" not in spec and "cfg" not in spec
    assert "# not carried: cfg_scale_schedule = " in text and "the seed is random" in text


def test_strength_out_of_range_is_clamped_as_deforum_clamps(tmp_path, capsys):
    schedule = "0:(1.2), 4:(0.5), 8:(0.5 + 0.8*sin(t))"
    text, _, plan = imported(tmp_path, capsys, strength_schedule=schedule)
    # Deforum's in-betweens: linear from a numeric key to the next key's value at its frame
    at_8 = 0.5 + 0.8 * math.sin(8)
    strength = [1.2 + (0.5 - 1.2) * t / 4 for t in range(4)]
    strength += [0.5 + (at_8 - 0.5) * (t - 4) / 4 for t in range(4, 8)]
    strength += [0.5 + 0.8 * math.sin(t) for t in range(8, 12)]
    expected = [1 - min(max(s, 0.0), 1.0) for s in strength]
    assert [f["denoise"] for f in plan["frames"]][1:] == pytest.approx(expected[1:], abs=1e-12)
    assert "strength_schedule: kept within [0, 1]" in text


def test_steps_schedule_when_enabled(tmp_path, capsys):
    _, spec, plan = imported(
        tmp_path, capsys, enable_steps_scheduling=True, steps_schedule="0:(20), 10:(25)"
    )
    assert [f["steps"] for f in plan["frames"]] == [
        int(20 + 5 * min(t, 10) / 10) for t in range(12)
    ]


def test_noise(tmp_path, capsys):
    _, spec, _ = imported(tmp_path, capsys, noise_schedule="0: (0)")
    assert spec["inject_noise"] is False and "noise_strength" not in spec
    text, spec, plan = imported(tmp_path, capsys, noise_schedule="0:(0), 5:(0.05)")
    assert spec["noise_strength"]["0"] == 0.001  # 0 is below seqsampler's least noise
    assert [f["noise_strength"] for f in plan["frames"]][1:6] == pytest.approx(
        [0.01, 0.02, 0.03, 0.04, 0.05], abs=1e-15
    )
    assert "noise_schedule: kept within [0.001, 1]" in text


@pytest.mark.parametrize("mode", ["2D", "3D"])
def test_motion_is_carried_once_seqsampler_has_the_fields(mode):
    source = settings(
        animation_mode=mode, zoom="0:(1.02)", angle="0:(5*sin(t/s))", border="wrap",
        enable_perspective_flip=True, perspective_flip_phi="0:(t%15)", diffusion_cadence="3",
        contrast_schedule="0:(1.05)", amount_schedule="0:(0.2)", kernel_schedule="0:(5)",
        sigma_schedule="0:(1.0)", threshold_schedule="0:(25.5)",
    )  # fmt: skip
    before = deforum_to_spec(source, cli_fields() - MOTION_FIELDS)
    now = deforum_to_spec(source, cli_fields())
    assert not MOTION_FIELDS & set(before.spec)
    noted = " ".join(before.notes)
    assert "not carried: diffusion_cadence = 3 (seqsampler has no cadence field yet)" in noted
    assert now.spec["cadence"] == 3
    assert now.spec["contrast"] == 1.05 and now.spec["sharpen_amount"] == 0.2
    assert now.spec["sharpen_kernel"] == 5 and now.spec["sharpen_sigma"] == 1.0
    assert now.spec["sharpen_threshold"] == 0.1  # Deforum's 8-bit threshold / 255
    if mode == "2D":
        assert 'not carried: zoom = "0:(1.02)" (seqsampler has no zoom field yet)' in noted
        assert now.spec["zoom"] == 1.02 and now.spec["angle"] == "0:(5*sin(t/(1234)))"
        assert now.spec["perspective_flip"] is True and now.spec["motion_border"] == "wrap"
        assert now.spec["perspective_flip_phi"] == "0:(t%15)"
    else:  # Deforum's 3D mode ignores zoom and angle, and seqsampler's motion is 2D
        assert "zoom" not in now.spec and "not carried: zoom = " in " ".join(now.notes)


def test_video_input_is_carried_now_that_seqsampler_has_the_field():
    source = settings(animation_mode="Video Input", video_init_path="/videos/in.mp4")
    assert "init_video" in cli_fields()  # issue 31
    assert deforum_to_spec(source, cli_fields()).spec["init_video"] == "/videos/in.mp4"


def test_prompt_keys_and_common_parts():
    source = settings(
        max_frames=120,
        prompts={"0": "a cat --neg dog", "max_f/4-5": "a bird", "200": "too late"},
        animation_prompts_positive="style,",
        animation_prompts_negative="blurry --neg",
    )
    result = deforum_to_spec(source, cli_fields())
    # Deforum: "{positive} {prompt} {'' if '--neg' in prompt else '--neg'} {negative}", the
    # negative part without --neg; key max_f/4-5 = int(119/4 - 5) = 24
    assert result.spec["prompts"] == {"0": "style, a cat", "24": "style, a bird"}
    assert result.spec["negative"] == {"0": "dog  blurry", "24": "blurry"}
    assert any(n.startswith("not carried: prompts['200']") for n in result.notes)


@pytest.mark.parametrize(
    ("changes", "field", "value"),
    [
        ({"W": 500, "H": 300}, "width", 496),
        ({"W": 500, "H": 300}, "height", 296),
        ({"fps": 29.97}, "fps", 30),
        ({"fps": "24"}, "fps", 24),
        ({"make_gif": True}, "formats", ["mp4", "gif"]),
        ({"skip_video_creation": True, "make_gif": True}, "formats", []),
        ({"color_coherence": "Match Frame 0 HSV"}, "color_coherence", "hsv"),
        ({"color_coherence": "None"}, "color_coherence", "none"),
        ({"sampler": "DPM++ 2M", "scheduler": "Karras"}, "scheduler", "karras"),
        ({"sampler": "DPM++ 2M", "scheduler": "Automatic"}, "scheduler", "normal"),
        ({"max_frames": 2000}, "frame_count", 1024),
    ],
)
def test_single_settings(changes, field, value):
    assert deforum_to_spec(settings(**changes), cli_fields()).spec[field] == value


def test_settings_without_an_equivalent_are_noted():
    result = deforum_to_spec(
        settings(
            sampler="PLMS", color_coherence="Video Input", scheduler="Align Your Steps", scale=9
        ),
        cli_fields(),
    )
    assert "not carried: scale = 9 (cfg_scale_schedule is carried instead)" in result.notes
    assert {"sampler_name", "scheduler", "color_coherence"}.isdisjoint(result.spec)
    noted = {n.split(" = ")[0] for n in result.notes}
    assert {"not carried: sampler", "not carried: color_coherence"} <= noted


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ([1, 2], "deforum settings: got a JSON list; accepted: a JSON object"),
        (settings(max_frames=0), "max_frames is 0; accepted: a whole number of frames >= 1"),
        (settings(prompts={}), "no prompts"),
        (settings(prompts={"50": "late"}), "no prompt starts before max_frames (12)"),
    ],
)
def test_bad_settings(source, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        deforum_to_spec(source, cli_fields())


def test_default_known_fields_are_the_clis():
    """The library's default (the planner's table and the CLI's own fields) is the CLI's live
    registry: a field the CLI gains must be added to result.CLI_OWN_FIELDS too."""
    assert default_known_fields() == cli_fields()
