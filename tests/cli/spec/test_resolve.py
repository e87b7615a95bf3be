"""Spec files: every documented form, the mapping to the planner, and the error messages."""

import json
import math

import pytest

from seqsampler.cli.spec.fields import SpecError, all_fields
from seqsampler.cli.spec.file import apply_overrides, load_spec_file, parse_flag_value
from seqsampler.cli.spec.resolve import resolve_spec, spec_differences
from seqsampler.planning import plan

TOML = """
model = "embedded"
frame_count = 12
steps = "0:(4), 11:(8)"
cfg = 5
seed = 3
denoise_seq = "0:(0.3), 6:(0.6)"

[prompts]
"0" = "a red circle"
"6" = "a blue square"

[negative]
"0" = "black background"
"""

YAML = """
frame_count: 12
steps: "0:(4), 11:(8)"
cfg: 5
seed: 3
denoise_seq: {0: 0.3, 6: 0.6}
prompts:
  0: a red circle
  6: a blue square
negative:
  0: black background
"""


def test_toml_and_yaml_give_the_same_config(tmp_path):
    (tmp_path / "a.toml").write_text(TOML)
    (tmp_path / "a.yaml").write_text(YAML)
    a = resolve_spec(load_spec_file(tmp_path / "a.toml"))
    b = resolve_spec(load_spec_file(tmp_path / "a.yaml"))
    assert a.config == b.config
    assert a.positive == ("a red circle", "a blue square")
    assert a.negative == ("black background", "black background")
    assert a.config.cond_keyframes == (6,)
    assert a.config.schedule("steps") == (4, 4, 5, 5, 5, 6, 6, 7, 7, 7, 8, 8)


def test_defaults_are_the_nodes_but_seed_keying_and_denoise_sine():
    spec = resolve_spec({"prompts": "a red circle"})
    assert spec.config.steps == 20 and spec.config.cfg == 8.0 and spec.config.denoise_seq == 0.5
    assert spec.config.frame_total == 1 and spec.fields["model"] == "embedded"
    assert spec.fields["formats"] == ["mp4", "gif"] and spec.fields["fps"] == 8
    assert not spec.config.seed_keying and not spec.config.denoise_sine
    assert set(spec.fields) == set(all_fields()) - {"preset"}  # its defaults are written out


def test_prompt_table_keys_union_with_negative_keys():
    spec = resolve_spec(
        {
            "prompts": {"0": "a", "8": "b"},
            "negative": {"0": "x", "4": "y"},
            "frame_count": 12,
        }
    )
    assert spec.positive == ("a", "a", "b") and spec.negative == ("x", "y", "y")
    assert spec.config.cond_keyframes == (4, 8)
    frames = plan(spec.config).frames
    assert [spec.positive[f.positive] for f in frames] == ["a"] * 8 + ["b"] * 4
    assert [spec.negative[f.negative] for f in frames] == ["x"] * 4 + ["y"] * 8


def test_table_without_key_0_starts_with_the_first_key():
    spec = resolve_spec({"prompts": {"4": "a", "8": "b"}, "frame_count": 10})
    frames = plan(spec.config).frames
    assert [spec.positive[f.positive] for f in frames] == ["a"] * 8 + ["b"] * 2


def test_list_prompts_spread_evenly_or_take_cond_keyframes():
    spread = plan(resolve_spec({"prompts": ["a", "b"], "frame_count": 4}).config)
    assert [f.positive for f in spread.frames] == [0, 0, 1, 1]
    keyed = plan(
        resolve_spec({"prompts": ["a", "b"], "frame_count": 4, "cond_keyframes": 3}).config
    )
    assert [f.positive for f in keyed.frames] == [0, 0, 0, 1]
    one_per = resolve_spec({"prompts": ["a", "b", "c"]})
    assert one_per.frame_count == 3


def test_denoise_schedules():
    spec = resolve_spec(
        {"prompts": "a", "frame_count": 4, "denoise_sine": False, "denoise_seq": "0:(0.2), 3:(0.5)"}
    )
    assert spec.config.schedule("denoise") == pytest.approx((1.0, 0.3, 0.4, 0.5))
    sine = resolve_spec(
        {"prompts": "a", "frame_count": 4, "denoise_sine": True, "denoise_max": "0:(0.9), 3:(0.6)"}
    )
    expected = [1.0] + [
        (0.5 + m) / 2 + (m - 0.5) / 2 * math.sin(2 * math.pi * i / 4)
        for i, m in ((1, 0.8), (2, 0.7), (3, 0.6))
    ]
    assert sine.config.schedule("denoise") == pytest.approx(tuple(expected))
    direct = resolve_spec({"prompts": "a", "frame_count": 3, "denoise": "0:(1), 1:(0.4)"})
    assert direct.config.schedule("denoise") == (1.0, 0.4, 0.4)
    assert [f.denoise for f in plan(direct.config).frames] == [1.0, 0.4, 0.4]


def test_seed_schedule_and_big_seeds():
    spec = resolve_spec({"prompts": "a", "frame_count": 3, "seed": "0:(10), 2:(13)"})
    assert [f.seed for f in plan(spec.config).frames] == [10, 12, 13]  # 11.5 rounds to even
    big = resolve_spec(
        apply_overrides({"prompts": "a"}, {"seed": parse_flag_value(str(2**64 - 1))})
    )
    assert big.config.seed == 2**64 - 1


def test_flag_values():
    assert parse_flag_value("7.5") == 7.5
    assert parse_flag_value("true") is True
    assert parse_flag_value('["mp4"]') == ["mp4"]
    assert parse_flag_value("0:(7), 8:(9)") == "0:(7), 8:(9)"
    assert parse_flag_value("a red circle") == "a red circle"
    assert parse_flag_value('"0": "a", "8": "b",') == {"0": "a", "8": "b"}
    assert parse_flag_value('{"0" = "a"}') == {"0": "a"}
    spec = resolve_spec(
        apply_overrides({"prompts": "a", "cfg": 3}, {"cfg": 4.5, "formats": "gif,webp"})
    )
    assert spec.config.cfg == 4.5 and spec.fields["formats"] == ["gif", "webp"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "prompts: missing; accepted: a string, a list, or a table"),
        ({"prompts": "a", "cfgg": 1}, "spec: unknown field 'cfgg' (did you mean 'cfg'?)"),
        ({"prompts": {"0": "a", "8": "b"}}, "frame_count: 0 with a table of keyframed prompts"),
        ({"prompts": {"x": "a"}, "frame_count": 2}, "prompts: key 'x'; accepted: a frame number"),
        (
            {"prompts": {"0": 3}, "frame_count": 2},
            "prompts: key '0' has 3; accepted: a prompt string",
        ),
        ({"prompts": []}, "prompts: got []; accepted: a non-empty list of strings"),
        ({"prompts": 5}, "prompts: got 5; accepted: a string, a list, or a table"),
        (
            {"prompts": "a", "negative": {"0": "x"}},
            "negative: a keyframe table needs prompts as a table",
        ),
        (
            {"prompts": {"0": "a"}, "frame_count": 2, "cond_keyframes": 1},
            "cond_keyframes: not accepted",
        ),
        ({"prompts": "a", "cfg": 200}, "cfg must be a number in [0.0, 100.0]; got 200.0"),
        (
            {"prompts": "a", "sampler_name": "eulr"},
            "sampler_name: 'eulr' is not implemented by the standalone engine; accepted: euler,",
        ),
        ({"prompts": "a", "steps": 0}, "steps must be an int in [1, 10000]; got 0"),
        (
            {"prompts": "a", "frame_count": 4, "cfg": "0:(1), 3:(200)"},
            "cfg: the schedule gives 133.667 at frame 2; accepted: values in [0.0, 100.0]",
        ),
        (
            {"prompts": "a", "frame_count": 4, "steps": "0:(2), 3:(-1)"},
            "steps: the schedule gives 0 at frame 2",
        ),
        ({"prompts": "a", "frame_count": 4, "cfg": "0:(1"}, "cfg: unclosed '(' at position 3"),
        (
            {"prompts": "a", "frame_count": 2, "inject_noise": False, "noise_strength": "0:(0.1)"},
            "noise_strength: a schedule has no effect while inject_noise is off; accepted: turn "
            "inject_noise on, or give a plain number",
        ),
        (
            {"prompts": "a", "formats": ["avi"]},
            "formats: got ['avi']; accepted: a list of mp4, gif, webp",
        ),
        ({"prompts": "a", "fps": 0}, "fps: got 0; accepted: an int in [1, 240]"),
        ({"prompts": "a", "width": -3}, "width: got -3; accepted: an int in [1, 8192] or unset"),
        ({"prompts": "a", "model": "/no/such/model"}, "model: nothing at '/no/such/model'"),
        ({"prompts": "a", "denoise": True}, "denoise: got True; accepted: a number or a schedule"),
    ],
)
def test_errors_name_field_value_and_accepted(data, message):
    with pytest.raises(SpecError) as info:
        resolve_spec(data)
    assert message in str(info.value)


def test_model_path_checks(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpecError, match="folder without model_index.json"):
        resolve_spec({"prompts": "a", "model": str(tmp_path / "empty")})
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(SpecError, match="has suffix '.txt'"):
        resolve_spec({"prompts": "a", "model": str(tmp_path / "m.txt")})


def test_spec_file_errors(tmp_path):
    with pytest.raises(SpecError, match="spec: no file at"):
        load_spec_file(tmp_path / "none.toml")
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(SpecError, match="accepted: .toml, .yaml, .yml"):
        load_spec_file(tmp_path / "a.json")
    (tmp_path / "b.toml").write_text("cfg = = 1")
    with pytest.raises(SpecError, match="is not valid TOML"):
        load_spec_file(tmp_path / "b.toml")
    (tmp_path / "c.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(SpecError, match="must hold a table of fields"):
        load_spec_file(tmp_path / "c.yaml")
    with pytest.raises(SpecError, match="command line: unknown field 'cgf'"):
        apply_overrides({}, {"cgf": 1})


def test_resolved_spec_round_trips_through_json_and_differences():
    spec = resolve_spec({"prompts": {"0": "a", "3": "b"}, "frame_count": 5, "cfg": "0:(1), 4:(2)"})
    saved = json.loads(spec.to_json())
    assert spec_differences(saved, spec.fields) == []
    other = resolve_spec({"prompts": {"0": "a", "3": "b"}, "frame_count": 5, "cfg": 3, "fps": 30})
    assert spec_differences(saved, other.fields) == ["cfg"]  # fps is output-only


def test_color_coherence_and_loop_fields_and_schedules():
    spec = resolve_spec(
        {"prompts": "a", "frame_count": 4, "color_coherence": "lab",
         "color_coherence_anchor": "keyframe", "color_coherence_strength": "0:(1), 3:(0.4)",
         "loop_frames": 2}
    )  # fmt: skip
    config = spec.config
    assert (config.color_coherence, config.color_coherence_anchor, config.loop_frames) == (
        "lab", "keyframe", 2,
    )  # fmt: skip
    assert config.schedule("color_coherence_strength") == pytest.approx((1.0, 0.8, 0.6, 0.4))
    assert spec.fields["color_coherence_strength"] == "0:(1), 3:(0.4)"
    frames = plan(config).frames
    assert [f.loop is not None for f in frames] == [False, False, True, True]
    assert frames[1].color.strength == pytest.approx(0.8)
    defaults = resolve_spec({"prompts": "a", "frame_count": 4})
    assert defaults.fields["color_coherence"] == "none" and defaults.fields["loop_frames"] == 0
    assert all(f.color is None and f.loop is None for f in plan(defaults.config).frames)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"color_coherence": "yuv"}, ["color_coherence", "'yuv'", "none, rgb, hsv, lab, latent"]),
        ({"color_coherence_anchor": "last"}, ["color_coherence_anchor", "'last'", "first, keyframe"]),
        ({"color_coherence": "rgb", "color_coherence_strength": "0:(1), 2:(1.5)"},
         ["color_coherence_strength", "1.25 at frame 1", "[0.0, 1.0]"]),
        ({"color_coherence_strength": "0:(1), 2:(0.5)"},
         ["color_coherence_strength", "color_coherence", "set color_coherence to a mode"]),
        ({"loop_frames": 4}, ["loop_frames", "4", "0 (off) .. 3"]),
    ],
)  # fmt: skip
def test_color_and_loop_errors_name_field_value_and_accepted(data, words):
    with pytest.raises(SpecError) as info:
        resolve_spec({"prompts": "a", "frame_count": 4, **data})
    for word in words:
        assert word in str(info.value)


def test_a_spec_saved_before_the_temporal_fields_resumes_when_they_are_off():
    current = resolve_spec({"prompts": "a", "frame_count": 4}).fields
    old = {k: v for k, v in current.items() if not k.startswith(("color_", "loop_"))}
    assert spec_differences(old, current) == []
    on = resolve_spec({"prompts": "a", "frame_count": 4, "loop_frames": 2}).fields
    assert spec_differences(old, on) == ["loop_frames"]
