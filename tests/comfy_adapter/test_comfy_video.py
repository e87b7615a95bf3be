"""SeqSamplerScheduled with a guide video, in-process against a real ComfyUI (COMFYUI_PATH):
the optional inputs, a LATENT guide copied frame by frame, an IMAGE guide through a VAE in the
hybrid mode, and the one-line errors."""

from __future__ import annotations

import sys

import pytest
import torch
from test_comfy_scheduled import FakeClip, _call, widget_defaults

pytestmark = pytest.mark.comfyui


class FakeVae:
    """A stand-in for ComfyUI's VAE (its layout: images [B, H, W, 3] in [0, 1]): 8x nearest
    upsampling of the first three channels through a sigmoid, and its inverse (area average,
    logit, a zero fourth channel), so decode(encode(x)) ~= x on blocky images."""

    def decode(self, latent):
        rgb = torch.sigmoid(latent[:, :3]).repeat_interleave(8, -1).repeat_interleave(8, -2)
        return rgb.movedim(1, -1)

    def encode(self, images):
        pixels = torch.nn.functional.avg_pool2d(images.movedim(-1, 1).float(), 8)
        logits = torch.logit(pixels.clamp(1e-3, 1 - 1e-3))
        return torch.cat([logits, torch.zeros_like(logits[:, :1])], 1)


def _widgets(**changes):
    return {**widget_defaults(), "prompt_schedule": '"0": "a rose"', "steps_schedule": "2", **changes}  # fmt: skip


def test_the_guide_and_the_vae_are_optional_inputs(comfy):
    from seqsampler.comfy_adapter import nodes
    from seqsampler.comfy_adapter.scheduled_motion import MOTION_WIDGETS

    optional = nodes.SeqSamplerScheduled.INPUT_TYPES()["optional"]
    # after the guide: the motion inputs, cfg_mode, cadence (their own test files)
    motion = [*(spec[0] for spec in MOTION_WIDGETS), "cfg_mode", "cadence"]
    assert {name: spec[0] for name, spec in optional.items() if name not in motion} == {
        "video_mode": ["hybrid", "independent"], "video_strength_schedule": "STRING",
        "vae": "VAE", "guide_images": "IMAGE", "guide_latent": "LATENT",
    }  # fmt: skip
    required = nodes.SeqSamplerScheduled.INPUT_TYPES()["required"]
    assert list(required)[-1] == "interp_strength_schedule"  # saved workflows' widgets first
    schema = comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"].define_schema()
    assert [i.optional for i in schema.inputs if i.id in optional] == [True] * len(optional)


def test_a_latent_guide_at_denoise_0_is_copied_frame_by_frame(comfy, model, tiny):
    guide = torch.randn(5, 4, 8, 8, generator=torch.Generator().manual_seed(2))
    widgets = _widgets(frame_count=8, denoise_schedule="0", video_mode="independent")
    (out,) = _call(
        comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
        latent_image=tiny.tiny_latent(), guide_latent={"samples": guide}, **widgets,
    )  # fmt: skip
    assert out["samples"].shape == (5, 4, 8, 8)  # frame_count capped by the guide's 5 frames
    assert torch.equal(out["samples"], guide)


def test_an_image_guide_drives_the_hybrid_frames(comfy, model, tiny):
    """At denoise 0 every frame is its input: frame 0 the first guide frame, frame 1 the hybrid
    composite of frame 0's output carried to guide frame 1 (strength 0.4 from the schedule),
    computed through the VAE; the independent mode gives guide frame 1 itself."""
    from seqsampler.video import hybrid_input

    cells = torch.rand(1, 3, 10, 12, generator=torch.Generator().manual_seed(4))
    texture = torch.nn.functional.interpolate(cells, scale_factor=8, mode="bicubic").clamp(0, 1)
    pan = [texture[0, :, 8:72, 8 + 3 * t : 72 + 3 * t] for t in range(2)]  # 3 px a frame
    images = torch.stack(pan).movedim(1, -1)  # [2, 64, 64, 3]
    vae = FakeVae()
    node = comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"]
    inputs = {"model": model, "clip": FakeClip(tiny), "latent_image": tiny.tiny_latent(),
              "guide_images": images, "vae": vae}  # fmt: skip
    widgets = _widgets(frame_count=2, denoise_schedule="0", video_strength_schedule="0:(0.7), 1:(0.4)")  # fmt: skip
    (hybrid,) = _call(node, **inputs, **widgets)
    (independent,) = _call(node, **inputs, **{**widgets, "video_mode": "independent"})
    pixels = images.movedim(-1, 1)
    first = vae.encode(images[:1])
    assert torch.equal(hybrid["samples"][:1], first) and torch.equal(independent["samples"][:1], first)  # fmt: skip
    previous = vae.decode(first).movedim(-1, 1)
    carried = hybrid_input(previous, pixels[:1], pixels[1:], 0.4, flow="torch")  # no OpenCV
    assert torch.allclose(hybrid["samples"][1:], vae.encode(carried.movedim(1, -1)), atol=1e-5)
    assert torch.equal(independent["samples"][1:], vae.encode(images[1:]))
    assert not torch.allclose(hybrid["samples"][1:], independent["samples"][1:], atol=1e-2)


def test_the_hybrid_guide_runs_without_opencv(comfy, model, tiny, monkeypatch):
    """ComfyUI ships no OpenCV: with `import cv2` failing, a hybrid IMAGE guide still runs
    (the torch flow, video/torch_flow.py), and at denoise 0, strength 0, frame 1 is frame 0's
    output carried along the guide's 8-px pan (one latent cell): the warp is reliable almost
    everywhere, so frame 1 is the carried frame, not the guide frame pasted in."""
    from seqsampler.video import hybrid_parts

    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` raises ImportError
    cells = torch.rand(1, 3, 12, 14, generator=torch.Generator().manual_seed(5))
    texture = torch.nn.functional.interpolate(cells, scale_factor=8, mode="bicubic").clamp(0, 1)
    pan = [texture[0, :, 16:80, 8 + 8 * t : 72 + 8 * t] for t in range(2)]  # 8 px a frame
    images = torch.stack(pan).movedim(1, -1)  # [2, 64, 64, 3]
    vae = FakeVae()
    widgets = _widgets(frame_count=2, denoise_schedule="0", video_strength_schedule="0")
    (out,) = _call(
        comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
        latent_image=tiny.tiny_latent(), guide_images=images, vae=vae, **widgets,
    )  # fmt: skip
    first, second = out["samples"][:1], out["samples"][1:]
    assert torch.equal(first, vae.encode(images[:1]))
    parts = hybrid_parts(vae.decode(first).movedim(-1, 1), *images.movedim(-1, 1).split(1), flow="torch")  # fmt: skip
    assert float(parts.reliable[8:-8, 8:-8].float().mean()) > 0.9
    assert torch.allclose(second, vae.encode(parts.composite.movedim(1, -1)), atol=1e-5)
    # frame 1 is frame 0's latent moved one cell left (its last column: the border replicated)
    moved = float((second[:, :3, :, :7] - first[:, :3, :, 1:]).abs().mean())
    in_place = float((second[:, :3, :, :7] - first[:, :3, :, :7]).abs().mean())
    assert moved < 0.05 * in_place, (moved, in_place)  # measured 0.017 / 0.99


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        ({"guide_images": torch.rand(2, 64, 64, 3)}, "guide_images needs the vae input"),
        (
            {"guide_latent": {"samples": torch.zeros(2, 4, 8, 8)}},
            "video_mode hybrid with guide_latent needs the vae input",
        ),  # fmt: skip
        (
            {"guide_latent": {"samples": torch.zeros(2, 4, 4, 4)}, "vae": FakeVae()},
            r"guide_latent: latents of shape \(4, 4, 4\) per frame",
        ),  # fmt: skip
        (
            {
                "guide_images": torch.rand(2, 64, 64, 3),
                "guide_latent": {"samples": torch.zeros(2, 4, 8, 8)},
            },
            "guide_images and guide_latent are both connected",
        ),  # fmt: skip
    ],
)
def test_guide_errors_are_one_line(comfy, model, tiny, inputs, needle):
    with pytest.raises(ValueError, match=needle) as err:
        _call(
            comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
            latent_image=tiny.tiny_latent(), **inputs, **_widgets(frame_count=2),
        )  # fmt: skip
    assert "\n" not in str(err.value)
