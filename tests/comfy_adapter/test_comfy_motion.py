"""SeqSamplerScheduled's camera motion in-process against a real ComfyUI (COMFYUI_PATH): identity
motion changes nothing, the warp on the latent grid is the library's, a pan moves the content
by pixels / 8 latent cells, the warp on pixels goes through the VAE, noise_warp moves the
sampler's noise with the camera."""

from __future__ import annotations

import pytest
import torch
from test_comfy_scheduled import FakeClip, _call, widget_defaults
from test_comfy_video import FakeVae

pytestmark = pytest.mark.comfyui

# Frame 0 from noise, then denoise 0: every later frame is its input, the previous frame warped.
COPY = {"denoise_schedule": "0:(1.0), 1:(0)", "inject_noise": False}


def _run(comfy, model, tiny, **changes):
    widgets = {**widget_defaults(), "prompt_schedule": '"0": "a rose"', "steps_schedule": "2",
               "frame_count": 3, **changes}  # fmt: skip
    (out,) = _call(
        comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
        latent_image=tiny.tiny_latent(seed=4), **widgets,
    )  # fmt: skip
    return out["samples"]


def _matrix(size, grid, **knobs):
    from seqsampler.motion.knobs import Knobs
    from seqsampler.motion.transform import frame_matrix, scale_to_grid

    return scale_to_grid(frame_matrix(Knobs(**knobs), *size), size, grid)


def test_identity_motion_gives_the_same_frames_bit_for_bit(comfy, model, tiny):
    identity = {
        "zoom_schedule": "0:(1), 2:(1)", "angle_schedule": "0", "translation_x_schedule": "0",
        "translation_y_schedule": "0:(0)", "transform_center_x_schedule": "0.25",
        "motion_border": "zeros", "motion_space": "latent", "contrast_schedule": "1",
        "sharpen_amount_schedule": "0", "sharpen_kernel_schedule": "3",
    }  # fmt: skip
    plain = _run(comfy, model, tiny, noise_strength_schedule="0.2")
    assert torch.equal(_run(comfy, model, tiny, noise_strength_schedule="0.2", **identity), plain)


def test_a_zoom_warps_the_previous_latent_as_the_library_does(comfy, model, tiny):
    from seqsampler.motion.warp import warp

    out = _run(comfy, model, tiny, zoom_schedule="1.25", angle_schedule="0:(10), 2:(-20)",
               motion_border="reflect", **COPY)  # fmt: skip
    m1 = _matrix((64, 64), (8, 8), zoom=1.25, angle=-5.0)  # the ramp 10 -> -20 at frame 1
    m2 = _matrix((64, 64), (8, 8), zoom=1.25, angle=-20.0)
    assert torch.equal(out[1:2], warp(out[0:1], m1, "reflect"))
    assert torch.equal(out[2:3], warp(out[1:2], m2, "reflect"))
    assert not torch.allclose(out[1], out[0], atol=1e-2)


def test_a_pan_moves_the_content_by_pixels_over_8_on_the_latent_grid(comfy, model, tiny):
    out = _run(comfy, model, tiny, translation_x_schedule="16", translation_y_schedule="-8",
               motion_border="zeros", **COPY)  # fmt: skip
    # 16 px right = 2 cells right, 8 px up = 1 cell up: out1[y, x] = out0[y + 1, x - 2].
    assert torch.allclose(out[1, :, :-1, 2:], out[0, :, 1:, :-2], atol=1e-6)
    tiny_part = 1e-5 * out[0].abs().max()  # bilinear weights off exact 0 / 1 by float rounding
    assert out[1, :, :, :2].abs().max() < tiny_part  # from out of frame: zeros
    assert out[1, :, -1:, :].abs().max() < tiny_part
    assert torch.allclose(out[2, :, :-2, 4:], out[0, :, 2:, :-4], atol=1e-6)


def test_with_a_vae_the_warp_is_on_pixels(comfy, model, tiny):
    """motion_space auto with the vae input: decode, warp at the render size (the VAE's 8x),
    encode."""
    from seqsampler.motion.warp import warp

    vae = FakeVae()
    out = _run(comfy, model, tiny, zoom_schedule="1.5", vae=vae, frame_count=2, **COPY)
    pixels = vae.decode(out[0:1]).movedim(-1, 1)
    moved = warp(pixels, _matrix((64, 64), (64, 64), zoom=1.5), "replicate")
    assert torch.allclose(out[1:2], vae.encode(moved.movedim(1, -1)), atol=1e-6)
    latent = _run(comfy, model, tiny, zoom_schedule="1.5", vae=vae, frame_count=2,
                  motion_space="latent", **COPY)  # fmt: skip
    assert torch.equal(latent[1:2], warp(latent[0:1], _matrix((64, 64), (8, 8), zoom=1.5)))
    assert not torch.allclose(latent[1], out[1], atol=1e-3)


def test_motion_space_pixel_without_a_vae_is_refused_before_sampling(comfy, model, tiny):
    with pytest.raises(ValueError, match="^motion_space: pixel needs the vae input"):
        _run(comfy, model, tiny, zoom_schedule="1.1", motion_space="pixel", **COPY)


def test_a_vae_that_does_not_fit_the_model_is_refused_before_sampling(comfy, model, tiny):
    from test_cfg_mode import _counted

    class WideVae(FakeVae):
        latent_channels = 16  # an SD3 / Flux VAE beside a 4-channel model

    counts: list[int] = []
    with pytest.raises(ValueError, match="^vae: its latents have 16 channels, the model's have 4"):
        _run(comfy, _counted(model, counts), tiny, zoom_schedule="1.1", vae=WideVae())
    assert counts == []
    fits = type("FitVae", (FakeVae,), {"latent_channels": 4})()
    assert _run(comfy, model, tiny, zoom_schedule="1.1", vae=fits, **COPY).shape == (3, 4, 8, 8)


def spy_on_sampled_noise(monkeypatch) -> list[torch.Tensor]:
    """The fresh noise of every `comfy.sample.sample` call from now on, in call order."""
    from comfy import sample as comfy_sample

    drawn: list[torch.Tensor] = []
    original = comfy_sample.sample

    def spy(model, noise, *args, **kwargs):
        drawn.append(noise.clone())
        return original(model, noise, *args, **kwargs)

    monkeypatch.setattr(comfy_sample, "sample", spy)
    return drawn


def test_noise_warp_moves_the_samplers_noise_with_the_camera(comfy, model, tiny, monkeypatch):
    """A pan of 2 cells with a fixed seed: frame 1's fresh noise is frame 0's moved 2 cells right,
    the cells from out of frame drawn anew (not frame 0's again); without noise_warp the fixed
    seed repeats frame 0's noise on the screen."""
    drawn = spy_on_sampled_noise(monkeypatch)
    moving = {"translation_x_schedule": "16", "seed_mode_seq": "fixed", "inject_noise": False,
              "denoise_schedule": "0:(1.0), 1:(0.5)"}  # fmt: skip
    _run(comfy, model, tiny, noise_warp=True, **moving)
    warped, drawn[:] = list(drawn), []
    _run(comfy, model, tiny, **moving)
    assert len(warped) == len(drawn) == 3
    assert torch.equal(warped[0], drawn[0])  # the first draw is the seed's, as without
    assert torch.equal(drawn[1], drawn[0])  # fixed seed, no noise_warp: stuck to the screen
    assert torch.equal(warped[1][..., 2:], warped[0][..., :-2])
    assert torch.equal(warped[2][..., 4:], warped[0][..., :-4])
    assert not torch.equal(warped[1][..., :2], warped[0][..., :2])


def test_with_a_guide_noise_warp_follows_the_camera_only(comfy, model, tiny, monkeypatch, caplog):
    """A LATENT guide (independent, no VAE) with noise_warp and a pan of 2 cells: the sampler's
    noise moves with the camera as without a guide (no pixels to measure the guide's flow on),
    and a log line says so."""
    drawn = spy_on_sampled_noise(monkeypatch)
    guide = {"samples": torch.randn(3, 4, 8, 8, generator=torch.Generator().manual_seed(2))}
    widgets = {**widget_defaults(), "prompt_schedule": '"0": "a rose"', "steps_schedule": "2",
               "frame_count": 3, "translation_x_schedule": "16", "seed_mode_seq": "fixed",
               "inject_noise": False, "denoise_schedule": "0.5", "noise_warp": True,
               "video_mode": "independent"}  # fmt: skip
    with caplog.at_level("WARNING"):
        _call(comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
              latent_image=tiny.tiny_latent(seed=4), guide_latent=guide, **widgets)  # fmt: skip
    assert "noise_warp with a guide video: the noise moves with the camera only" in caplog.text
    assert len(drawn) == 3
    assert torch.equal(drawn[1][..., 2:], drawn[0][..., :-2])
    assert torch.equal(drawn[2][..., 4:], drawn[0][..., :-4])


def _corr(a, b):
    a, b = a.flatten() - a.mean(), b.flatten() - b.mean()
    return float((a @ b) / (a.norm() * b.norm()))


def test_with_an_image_guide_noise_warp_follows_the_guide(comfy, model, tiny, monkeypatch, caplog):
    """An IMAGE guide panning 16 px (2 cells) a frame, no camera, noise_warp, a fixed seed, and
    no OpenCV: the sampler's noise moves with the guide's content (the torch flow,
    `video_noise.VideoMover`), 2 cells left a frame, instead of staying on the screen."""
    import sys

    monkeypatch.setitem(sys.modules, "cv2", None)  # `import cv2` raises ImportError
    drawn = spy_on_sampled_noise(monkeypatch)
    cells = torch.rand(1, 3, 12, 16, generator=torch.Generator().manual_seed(6))
    texture = torch.nn.functional.interpolate(cells, scale_factor=8, mode="bicubic").clamp(0, 1)
    images = torch.stack([texture[0, :, 16:80, 16 * t : 64 + 16 * t] for t in range(3)])
    widgets = {**widget_defaults(), "prompt_schedule": '"0": "a rose"', "steps_schedule": "2",
               "frame_count": 3, "seed_mode_seq": "fixed", "inject_noise": False,
               "denoise_schedule": "0.5", "noise_warp": True}  # fmt: skip
    with caplog.at_level("WARNING"):
        _call(comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
              latent_image=tiny.tiny_latent(seed=4), guide_images=images.movedim(1, -1),
              vae=FakeVae(), **widgets)  # fmt: skip
    assert "camera only" not in caplog.text
    assert len(drawn) == 3
    for t in (1, 2):
        moved = _corr(drawn[t][..., : -2 * t], drawn[0][..., 2 * t :])
        in_place = _corr(drawn[t], drawn[0])
        assert moved > 0.9 and abs(in_place) < 0.3, (t, moved, in_place)  # measured 1.00, <0.03
