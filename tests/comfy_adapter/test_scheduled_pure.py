"""The scheduled nodes' planning and validation without ComfyUI (issue 16), and the prompt
schedule parser; runs everywhere."""

from __future__ import annotations

import pytest
import torch

from seqsampler.comfy_adapter.convert import latent_samples
from seqsampler.comfy_adapter.scheduled_plan import (
    SCHEDULES,
    VALIDATED,
    optional_defaults,
    preview,
    scheduled_plan,
    validate,
    widget_defaults,
)
from seqsampler.planning import SequenceConfig, plan
from seqsampler.planning.schedule import ScheduleError, parse_prompt_schedule


def test_prompt_schedule_fizznodes_style():
    text = '"0": "a rose, (red:1.2)",\n"12": "a tulip\'s bud",'
    assert parse_prompt_schedule(text, "p", 24) == [(0, "a rose, (red:1.2)"), (12, "a tulip's bud")]
    assert parse_prompt_schedule('{"10": "b", "0": "a"}', "p", 24) == [(0, "a"), (10, "b")]
    assert parse_prompt_schedule("0: 'a', max_f: 'z'", "p", 5) == [(0, "a"), (4, "z")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"0": a', "p: key '\"0\"' at position 1: the prompt 'a' is not a quoted string"),
        ('"0": "a", "0": "b"', "p: key '\"0\"' at position 11 repeats frame 0"),
        ('"0": "a", "30": "b"', "p: key '\"30\"' at position 11: frame 30 is past the last frame"),
        ('"0" "a"', "p: entry '\"0\" \"a\"' at position 1 has no ':'"),
        ('"0": ""', "p: key '\"0\"' at position 1: empty prompt"),
        ("", "p: empty entry at position 1"),
    ],
)
def test_prompt_schedule_errors_name_key_and_position(text, message):
    with pytest.raises(ScheduleError) as info:
        parse_prompt_schedule(text, "p", 24)
    assert message in str(info.value)


def _widgets(**overrides):
    widgets = {**widget_defaults(), **optional_defaults()}  # the video widgets are optional
    widgets.update(prompt_schedule='"0": "a", "4": "b"', frame_count=8)
    widgets.update(overrides)
    return widgets


def test_plain_numbers_plan_like_ksamplerseq2():
    got = scheduled_plan(
        **_widgets(seed_schedule="5", steps_schedule="12", cfg_schedule="6.5",
                   denoise_schedule="0:(1), 1:(0.6)", noise_strength_schedule="0.2")
    ).plan  # fmt: skip
    reference = plan(
        SequenceConfig(
            seed=5, steps=12, cfg=6.5, frame_count=8, cond_keyframes=[4], denoise_start=1.0,
            denoise_seq=0.6, denoise_sine=False, noise_strength=0.2, seed_keying=False,
            positive_count=2, negative_count=1,
        )
    )  # fmt: skip
    assert got.frames == reference.frames


def test_keyed_schedules_give_per_frame_values():
    got = scheduled_plan(
        **_widgets(seed_schedule="0:(100 + 2*t)", steps_schedule="0:(10), 7:(24)",
                   cfg_schedule="0:(where(t < 4, 5, 9))", denoise_schedule="0:(1), 1:(0.3), 7:(0.9)")
    ).plan  # fmt: skip
    assert [f.seed for f in got.frames] == [100 + 2 * t for t in range(8)]
    assert [f.steps for f in got.frames] == [10, 12, 14, 16, 18, 20, 22, 24]
    assert [f.cfg for f in got.frames] == [5] * 4 + [9] * 4
    assert [f.denoise for f in got.frames] == pytest.approx([1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    assert [f.positive for f in got.frames] == [0] * 4 + [1] * 4


def test_validate_names_field_and_position():
    assert validate(**{name: _widgets()[name] for name in VALIDATED}) is True
    bad = {name: _widgets()[name] for name in VALIDATED}
    bad["cfg_schedule"] = "0:(7), 4:(foo)"
    message = validate(**bad)
    assert isinstance(message, str) and message.startswith("cfg_schedule: key '4' at position 8")
    linked = dict(bad, cfg_schedule=None)  # a linked input: unknown at queue time
    assert validate(**linked) is True
    assert validate(**dict(bad, frame_count=None)) is True
    glide = dict(bad, cfg_schedule="7", glide_strength_schedule="0:(0.1), 2:(0.2)")
    assert "use_conditioning_slerp is off" in validate(**glide)
    assert validate(**dict(glide, use_conditioning_slerp=None)) is True  # linked switch
    for field in SCHEDULES:
        message = validate(**{**{n: _widgets()[n] for n in VALIDATED}, field: "0:(1), 2:("})
        assert isinstance(message, str) and message.startswith(f"{field}: unclosed '('"), message


def test_schedule_on_a_switched_off_option_is_refused():
    with pytest.raises(ScheduleError, match="glide_strength_schedule: a schedule has no effect"):
        scheduled_plan(**_widgets(glide_strength_schedule="0:(0.2), 4:(0.8)"))
    assert scheduled_plan(
        **_widgets(use_conditioning_slerp=True, glide_strength_schedule="0:(0.2), 4:(0.8)")
    ).plan.frames[1].glide == pytest.approx(0.35)


def test_preview_without_comfyui():
    image, text = preview(**_widgets(unsample_latents=True))
    assert image.mode == "RGB" and image.size == (640, 30 + 4 * 150 + 16 * 2 + 10)
    assert text.splitlines()[0].split()[:4] == ["frame", "prompt", "neg", "seed"]
    assert "prompt 1: b" in text


@pytest.mark.parametrize(
    "samples",
    [[torch.zeros(1, 4, 8, 8), torch.zeros(1, 16, 2, 8, 8)],
     type("NestedTensor", (), {"tensors": []})()],
)  # fmt: skip
def test_nested_latents_get_a_clear_error(samples):
    with pytest.raises(ValueError, match=r"latent_image\['samples'\] is a nested latent"):
        latent_samples({"samples": samples})


def test_v1_classes_outside_comfyui():
    import importlib.util

    if importlib.util.find_spec("comfy_api") is not None:
        pytest.skip("ComfyUI's comfy_api imports here: the V3 classes are used")
    from seqsampler.comfy_adapter import node_class_mappings
    from seqsampler.comfy_adapter.nodes import SeqSamplerPlanPreview, SeqSamplerScheduled

    mappings = node_class_mappings()
    assert mappings["SeqSamplerScheduled"] is SeqSamplerScheduled
    assert mappings["SeqSamplerPlanPreview"] is SeqSamplerPlanPreview
    assert SeqSamplerScheduled.VALIDATE_INPUTS(cfg_schedule="x") is True  # others unknown
    bad = {name: _widgets()[name] for name in VALIDATED} | {"cfg_schedule": "0:(7), 4:(foo)"}
    with pytest.raises(ValueError, match="^cfg_schedule: key '4' at position 8"):
        SeqSamplerPlanPreview.VALIDATE_INPUTS(**bad)  # raised: ComfyUI reports it once
