"""SeqSamplerScheduled and SeqSamplerPlanPreview in-process against a real ComfyUI (COMFYUI_PATH)."""

from __future__ import annotations

import pytest
import torch

# seqsampler is imported inside the tests, after the `comfy` fixture has imported ComfyUI: the
# pack picks the V3 schema when `comfy_api.latest` imports at the time it is first imported.

pytestmark = pytest.mark.comfyui


class FakeClip:
    """A CLIP whose encoding of a text is a seeded random conditioning (one width)."""

    def __init__(self, tiny):
        self.tiny = tiny

    def tokenize(self, text):
        return text

    def encode_from_tokens_scheduled(self, text):
        return self.tiny.tiny_conditioning(sum(ord(c) for c in text))


def widget_defaults():
    from seqsampler.comfy_adapter.scheduled_plan import widget_defaults

    return widget_defaults()


def _call(node_cls, **inputs):
    """A node's outputs, V3 (classmethod execute -> NodeOutput) or V1 (FUNCTION)."""
    if hasattr(node_cls, "execute") and hasattr(node_cls, "define_schema"):
        return tuple(node_cls.execute(**inputs).result)
    return getattr(node_cls(), node_cls.FUNCTION)(**inputs)


def test_nodes_use_the_v3_schema_where_comfyui_has_it(comfy):
    from comfy_api.latest import io

    for name in ("SeqSamplerScheduled", "SeqSamplerPlanPreview"):
        assert issubclass(comfy.NODE_CLASS_MAPPINGS[name], io.ComfyNode)


CASES = {
    "plain numbers": {},
    "keyed constant schedules": {
        "seed_schedule": "0:(5 + t)",  # = seed 5, increment
        "steps_schedule": "0:(3), 3:(3)",
        "cfg_schedule": "0:(6.0), 2:(6.0)",
        "noise_strength_schedule": "0:(0.25)",
    },
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_constant_schedules_equal_ksamplerseq2_bit_for_bit(comfy, model, tiny, case):
    clip = FakeClip(tiny)
    latent = tiny.tiny_latent(seed=3)
    widgets = widget_defaults()
    widgets.update(
        prompt_schedule='"0": "a red rose", "2": "a white rose"',
        negative_prompt="blurry",
        frame_count=4,
        seed_schedule="5",
        seed_mode_seq="increment",
        steps_schedule="3",
        cfg_schedule="6.0",
        sampler_name="euler",
        scheduler="normal",
        denoise_schedule="0:(1.0), 1:(0.6)",
        noise_strength_schedule="0.25",
    )
    widgets.update(CASES[case])
    (scheduled,) = _call(
        comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"],
        model=model,
        clip=clip,
        latent_image=latent,
        **widgets,
    )
    encode = lambda text: [  # noqa: E731
        clip.encode_from_tokens_scheduled(text)[0][0],
        dict(clip.encode_from_tokens_scheduled(text)[0][1]),
    ]
    (reference,) = comfy.NODE_CLASS_MAPPINGS["KSamplerSeq2"]().sample(
        model=model, seed=5, seed_mode_seq="increment", alternate_values=True, steps=3,
        cfg=6.0, sampler_name="euler", scheduler="normal", frame_count=4, cond_keyframes=[2],
        positive_seq=[encode("a red rose"), encode("a white rose")],
        negative_seq=[encode("blurry")], use_conditioning_slerp=False, cond_slerp_strength=0.5,
        latent_image=latent, use_latent_interpolation=False, latent_interpolation_mode="Blend",
        latent_interp_strength=0.5, denoise_start=1.0, denoise_seq=0.6, unsample_latents=False,
        inject_noise=True, noise_strength=0.25, denoise_sine=False, denoise_max=0.9,
        seed_keying=False, seed_keying_mode="sine", seed_divisor=4,
    )  # fmt: skip
    assert scheduled["samples"].shape == (4, 4, 8, 8)
    assert torch.equal(scheduled["samples"], reference["samples"])


def test_a_varying_schedule_changes_the_frames(comfy, model, tiny):
    widgets = {
        **widget_defaults(),
        "frame_count": 3,
        "steps_schedule": "2",
        "prompt_schedule": '"0": "a rose"',
    }
    node = comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"]
    inputs = {"model": model, "clip": FakeClip(tiny), "latent_image": tiny.tiny_latent()}
    (a,) = _call(node, **inputs, **widgets)
    (b,) = _call(node, **inputs, **{**widgets, "cfg_schedule": "0:(8), 2:(2)"})
    assert torch.equal(a["samples"][0], b["samples"][0])  # frame 0: cfg 8 in both
    assert not torch.equal(a["samples"][2], b["samples"][2])


def test_preview_image_shows_the_plan(comfy):
    from seqsampler.chart import PALETTE, frame_x, panel_rows
    from seqsampler.comfy_adapter.scheduled_plan import scheduled_plan

    widgets = {
        **widget_defaults(),
        "frame_count": 16,
        "denoise_schedule": "0:(1.0), 1:(0.3), 15:(0.9)",
        "unsample_latents": True,
        "seed_schedule": "0:(7), 8:(7), 9:(100)",
    }
    image, text = _call(comfy.NODE_CLASS_MAPPINGS["SeqSamplerPlanPreview"], **widgets)
    assert image.dtype == torch.float32 and image.ndim == 4 and image.shape[0] == 1
    assert image.shape[3] == 3 and 0.0 <= image.min() and image.max() <= 1.0
    height, width = image.shape[1:3]
    assert (width, height) == (640, 30 + 4 * 150 + 16 * 2 + 10)  # two prompts in the legend
    the_plan = scheduled_plan(**widgets).plan
    pixels = (image[0] * 255).round().to(torch.uint8)
    top, bottom = panel_rows(0)
    blue = torch.tensor(PALETTE[0], dtype=torch.uint8)
    for frame in the_plan.frames:  # the denoise line passes through each frame's value
        x = round(frame_x(frame.frame, 16, width))
        y = bottom - (bottom - top) * frame.denoise
        column = pixels[int(y) - 3 : int(y) + 4, x]
        orange = torch.tensor(PALETTE[1], dtype=torch.uint8)
        assert ((column == blue).all(-1) | (column == orange).all(-1)).any(), frame
    rows = [line.split() for line in text.splitlines()[1:17]]
    assert [int(r[3]) for r in rows] == [f.seed for f in the_plan.frames]
    assert [int(r[3]) for r in rows][8:10] == [7, 100]
    assert [r[5] for r in rows][1:3] == ["unsample", "unsample"]
    assert "prompt 1: A portrait of a blooming rose" in text


def test_the_classic_classes_behave_like_the_v3_ones(comfy, model, tiny):
    """The V1 path (ComfyUI without comfy_api.latest) under the same real ComfyUI: same
    output bit for bit, and ComfyUI's own validation calls its VALIDATE_INPUTS (which raises:
    ComfyUI's validate_prompt turns that into one error on the node, checked over HTTP)."""
    import asyncio

    import execution

    from seqsampler.comfy_adapter import nodes as pack_nodes

    widgets = {**widget_defaults(), "frame_count": 3, "steps_schedule": "0:(2), 2:(3)"}
    widgets["prompt_schedule"] = '"0": "a rose", "2": "a tulip"'
    inputs = {"model": model, "clip": FakeClip(tiny), "latent_image": tiny.tiny_latent()}
    (v1,) = pack_nodes.SeqSamplerScheduled().sample(**inputs, **widgets)
    (v3,) = _call(comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], **inputs, **widgets)
    assert torch.equal(v1["samples"], v3["samples"])
    image1, text1 = pack_nodes.SeqSamplerPlanPreview().preview(**widgets)
    image3, text3 = _call(comfy.NODE_CLASS_MAPPINGS["SeqSamplerPlanPreview"], **widgets)
    assert torch.equal(image1, image3) and text1 == text3

    name = "SeqTestClassicPreview"
    comfy.NODE_CLASS_MAPPINGS[name] = pack_nodes.SeqSamplerPlanPreview
    try:
        for cls_name in (name, "SeqSamplerPlanPreview"):
            prompt = {
                "1": {"class_type": cls_name, "inputs": dict(widgets, cfg_schedule="0:(2 +)")}
            }
            with pytest.raises(ValueError, match="cfg_schedule: key '0' at position 1: invalid"):
                asyncio.run(execution.validate_inputs("t", prompt, "1", {}))
            prompt["1"]["inputs"]["cfg_schedule"] = "0:(2), 2:(3)"
            assert asyncio.run(execution.validate_inputs("t", prompt, "1", {}))[0]
    finally:
        del comfy.NODE_CLASS_MAPPINGS[name]
