"""SequenceConfig: the node's defaults, validation messages, dict round trip, field help."""

from __future__ import annotations

import dataclasses
import json

import pytest

from seqsampler import SequenceConfig
from seqsampler.planning import FIELD_HELP, field_names, field_specs
from seqsampler.planning.fields import MOTION_FIELDS

NODE_WIDGETS = [
    "seed", "seed_mode_seq", "alternate_values", "steps", "cfg", "sampler_name", "scheduler",
    "frame_count", "cond_keyframes", "use_conditioning_slerp", "cond_slerp_strength",
    "use_latent_interpolation", "latent_interpolation_mode", "latent_interp_strength",
    "denoise_start", "denoise_seq", "unsample_latents", "inject_noise", "noise_strength",
    "denoise_sine", "denoise_max", "seed_keying", "seed_keying_mode", "seed_divisor",
]  # fmt: skip


def test_fields_are_the_node_widgets_in_order_then_extras():
    assert list(field_names()) == [
        *NODE_WIDGETS, "positive_count", "negative_count", "color_coherence",
        "color_coherence_anchor", "color_coherence_strength", "loop_frames",
        "init_video", "video_mode", "video_strength", "color_coherence_source",
        *MOTION_FIELDS, "cadence", "cadence_flow", "schedules",
    ]  # fmt: skip
    assert set(FIELD_HELP) == set(field_names())
    assert all(text and "\n" not in text for text in FIELD_HELP.values())


def test_defaults_are_the_nodes():
    c = SequenceConfig()
    assert (c.seed, c.seed_mode_seq, c.alternate_values, c.steps, c.cfg) == (
        0,
        "increment",
        True,
        20,
        8.0,
    )
    assert (c.sampler_name, c.scheduler, c.frame_count, c.cond_keyframes) == (
        "euler",
        "simple",
        0,
        (0,),
    )
    assert (c.use_conditioning_slerp, c.cond_slerp_strength) == (False, 0.5)
    assert (c.use_latent_interpolation, c.latent_interpolation_mode, c.latent_interp_strength) == (
        False,
        "Blend",
        0.5,
    )
    assert (c.denoise_start, c.denoise_seq, c.unsample_latents) == (1.0, 0.5, False)
    assert (c.inject_noise, c.noise_strength, c.denoise_sine, c.denoise_max) == (
        True,
        0.1,
        True,
        0.9,
    )
    assert (c.seed_keying, c.seed_keying_mode, c.seed_divisor) == (True, "sine", 4)
    assert (c.positive_count, c.negative_count, c.schedules) == (1, 1, ())
    for spec in field_specs():
        if spec.name not in ("cond_keyframes", "schedules"):
            assert getattr(c, spec.name) == spec.default


def test_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        SequenceConfig().seed = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value", "accepted"),
    [
        ("seed", -1, "[0, 2**64)"),
        ("seed", 2**64, "[0, 2**64)"),
        ("seed", 1.5, "[0, 2**64)"),
        ("steps", 0, "[1, 10000]"),
        ("steps", True, "[1, 10000]"),
        ("cfg", 100.5, "[0.0, 100.0]"),
        ("cfg", float("nan"), "[0.0, 100.0]"),
        ("frame_count", 1025, "[0, 1024]"),
        ("cond_slerp_strength", 1.01, "[0.0, 1.0]"),
        ("latent_interp_strength", -0.1, "[0.0, 1.0]"),
        ("noise_strength", 0.0, "[0.001, 1.0]"),
        ("denoise_start", 2, "[0.0, 1.0]"),
        ("denoise_seq", -1, "[0.0, 1.0]"),
        ("denoise_max", 1.5, "[0.0, 1.0]"),
        ("seed_divisor", 1, "[2, 1024]"),
        ("seed_mode_seq", "up", "increment, decrement, random, fixed"),
        ("latent_interpolation_mode", "blend", "Blend, Slerp, Cosine Interp"),
        ("seed_keying_mode", "cos", "sine, modulo"),
        ("sampler_name", "eulerx", "euler"),
        ("scheduler", "linear", "normal"),
        ("inject_noise", 1, "bool"),
        ("cond_keyframes", "3", "list of ints"),
        ("cond_keyframes", [1, 2.0], "list of ints"),
        ("positive_count", 0, ">= 1"),
        ("negative_count", 0, ">= 1"),
    ],
)
def test_validation_names_field_value_and_accepted(field, value, accepted):
    with pytest.raises(ValueError) as info:
        SequenceConfig(**{field: value})
    message = str(info.value)
    assert field in message and repr(value) in message and accepted in message


def test_keyframes_any_int_accepted():
    assert SequenceConfig(cond_keyframes=[5, -3, 2000]).cond_keyframes == (5, -3, 2000)
    assert SequenceConfig(cond_keyframes=7).cond_keyframes == (7,)


def test_schedules_validated():
    good = SequenceConfig(frame_count=3, schedules={"denoise": [1, 0.5, 0.25], "seed": [1, 2, 3]})
    assert good.schedule("denoise") == (1.0, 0.5, 0.25) and good.schedule("cfg") is None
    bad = [
        ({"denoise": [1, 0.5]}, "one value per frame (3)"),
        ({"denoise": [1, 0.5, 1.5]}, "schedules['denoise'][2]"),
        ({"steps": [1, 2, 2.5]}, "schedules['steps'][2]"),
        ({"seed": [1, 2, 2**64]}, "schedules['seed'][2]"),
        ({"speed": [1, 2, 3]}, "unknown knob 'speed'"),
        ({"noise_strength": [0.1] * 3}, "no effect while inject_noise is off"),
        ({"cond_slerp_strength": [0.1] * 3}, "use_conditioning_slerp"),
        ({"latent_interp_strength": [0.1] * 3}, "use_latent_interpolation"),
        ([1, 2, 3], "mapping"),
    ]
    for schedules, text in bad:
        with pytest.raises(ValueError, match=None) as info:
            SequenceConfig(frame_count=3, inject_noise=False, schedules=schedules)
        assert text in str(info.value)


def test_schedule_length_follows_prompt_count_when_frame_count_is_0():
    c = SequenceConfig(positive_count=4, schedules={"cfg": [1, 2, 3, 4]})
    assert c.frame_total == 4


def test_dict_round_trip_and_json():
    c = SequenceConfig(
        seed=2**64 - 1, cond_keyframes=[3, 1], frame_count=5, positive_count=2,
        use_conditioning_slerp=True, schedules={"cond_slerp_strength": [0, 0.1, 0.2, 0.3, 1]},
    )  # fmt: skip
    data = json.loads(json.dumps(c.to_dict()))
    assert SequenceConfig.from_dict(data) == c
    assert hash(SequenceConfig.from_dict(data)) == hash(c)
    assert SequenceConfig.from_dict(SequenceConfig().to_dict()) == SequenceConfig()


def test_from_dict_rejects_unknown_fields():
    with pytest.raises(ValueError, match="unknown config field.*alternate_mode"):
        SequenceConfig.from_dict({"alternate_mode": True})


def test_host_passes_its_own_sampler_and_scheduler_names():
    with pytest.raises(ValueError, match="sampler_name must be one of"):
        SequenceConfig(sampler_name="my_custom_sampler")
    names = dict(
        accepted_samplers=("euler", "my_custom_sampler"), accepted_schedulers=("my_sched",)
    )
    config = SequenceConfig(sampler_name="my_custom_sampler", scheduler="my_sched", **names)
    assert config.sampler_name == "my_custom_sampler"
    # Validation reads only what is passed: no state is left behind for the next config.
    with pytest.raises(ValueError, match="sampler_name must be one of"):
        SequenceConfig(sampler_name="my_custom_sampler")
    with pytest.raises(ValueError, match="scheduler must be one of my_sched; got 'karras'"):
        SequenceConfig(scheduler="karras", **names)
    assert "accepted_samplers" not in config.to_dict()
    assert SequenceConfig.from_dict(config.to_dict(), **names) == config
