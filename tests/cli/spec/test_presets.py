"""Spec defaults (`preset`): a field the user set is what happens; "ksampler_seq2" restores the
node's defaults exactly; a set field another switch overrides is named with that switch."""

import logging

import pytest

from seqsampler.cli.app import main
from seqsampler.cli.spec.fields import PRESETS, SpecError
from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.planning import SequenceConfig, field_specs, plan


def _seeds(data):
    return [f.seed for f in plan(resolve_spec(data).config).frames]


def test_seed_mode_and_denoise_seq_do_what_they_say():
    data = {"prompts": "a", "frame_count": 4, "seed": 42, "seed_mode_seq": "random"}
    spec = resolve_spec({**data, "denoise_seq": "0:(0.4), 3:(0.7)"})
    frames = plan(spec.config).frames
    assert [f.denoise for f in frames] == pytest.approx([1.0, 0.5, 0.6, 0.7])
    assert len({f.seed for f in frames}) == 4 and frames[0].seed == 42
    assert _seeds({**data, "seed_mode_seq": "increment"}) == [42, 43, 44, 45]
    assert spec.warnings == ()


def test_ksampler_seq2_preset_is_the_nodes_defaults_exactly():
    spec = resolve_spec({"prompts": "a", "preset": "ksampler_seq2"})
    node = SequenceConfig()
    for field in field_specs():
        if field.name in spec.fields and field.name != "cond_keyframes":
            assert spec.fields[field.name] == getattr(node, field.name), field.name
    assert spec.config.seed_keying and spec.config.denoise_sine
    assert "preset" not in spec.fields  # spec.json holds the defaults it chose, not the name
    assert set(PRESETS["cli"]) == {"seed_keying", "denoise_sine"}


def test_a_set_field_a_switch_overrides_is_named_with_the_switch():
    spec = resolve_spec(
        {"prompts": "a", "preset": "ksampler_seq2", "seed_mode_seq": "random", "denoise_seq": 0.3}
    )
    assert spec.warnings == (
        "seed_mode_seq = 'random' has no effect while seed_keying is on (set seed_keying = false)",
        "denoise_seq = 0.3 is only the sine's low point while denoise_sine is on (set "
        "denoise_sine = false for denoise_seq itself)",
    )
    cli = resolve_spec(
        {
            "prompts": "a",
            "seed_divisor": 8,
            "denoise_max": 0.8,
            "noise_strength": 0.2,
            "inject_noise": False,
            "cond_slerp_strength": 0.3,
            "latent_interpolation_mode": "Slerp",
        }
    )
    assert cli.warnings == (
        "seed_divisor = 8 has no effect while seed_keying is off",
        "denoise_max = 0.8 has no effect while denoise_sine is off",
        "noise_strength = 0.2 has no effect while inject_noise is off",
        "cond_slerp_strength = 0.3 has no effect while use_conditioning_slerp is off",
        "latent_interpolation_mode = 'Slerp' has no effect while use_latent_interpolation is off",
    )
    direct = resolve_spec({"prompts": "a", "denoise": 0.5, "denoise_seq": 0.3, "seed": "0:(1)"})
    assert direct.warnings == ("denoise_seq = 0.3 has no effect while denoise is set (it gives "
                               "every frame's denoise)",)  # fmt: skip
    keyed = resolve_spec({"prompts": "a", "seed": "0:(1)", "seed_keying": True})
    assert keyed.warnings == (
        "seed_keying = True has no effect while seed is a schedule (it gives every frame's seed)",
    )


def test_unknown_preset_lists_the_presets():
    with pytest.raises(SpecError, match="preset: got 'comfy'; accepted: 'cli', 'ksampler_seq2'"):
        resolve_spec({"prompts": "a", "preset": "comfy"})


def test_the_cli_logs_each_warning_and_the_flag_sets_the_preset(tmp_path, capsys, caplog):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a big red circle"\nframe_count = 3\nseed_mode_seq = "random"\n')
    with caplog.at_level(logging.WARNING):
        assert main(["plan", str(spec)]) == 0
        assert not caplog.records
        assert main(["plan", str(spec), "--preset", "ksampler_seq2"]) == 0
    assert [r.getMessage() for r in caplog.records] == [
        "warning: seed_mode_seq = 'random' has no effect while seed_keying is on "
        "(set seed_keying = false)"
    ]
