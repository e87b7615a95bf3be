"""Cadence in SeqSamplerScheduled: the optional input (pure), and against a real ComfyUI
(COMFYUI_PATH) the model run on the diffused frames only, the frames between made by the
library's in-betweens on the latents (moved by the camera), or on pixels through the VAE."""

from __future__ import annotations

import pytest
import torch

from seqsampler.comfy_adapter.scheduled_plan import (
    OPTIONAL_WIDGETS,
    PREVIEW_OPTIONAL,
    scheduled_plan,
    widget_defaults,
)
from seqsampler.planning.fields import SPECS


def test_cadence_is_an_optional_input_of_both_nodes_from_the_table():
    name, kind, options = OPTIONAL_WIDGETS[-1]
    assert (name, kind, options["default"], options["min"], options["max"]) == (
        "cadence", "INT", 1, SPECS["cadence"].low, SPECS["cadence"].high,
    )  # fmt: skip
    assert options["tooltip"].startswith(SPECS["cadence"].help)
    assert PREVIEW_OPTIONAL[-1][0] == "cadence"


def test_cadence_plans_the_frames_between():
    widgets = {**widget_defaults(), "frame_count": 8, "prompt_schedule": '"0": "a", "4": "b"'}
    frames = scheduled_plan(**widgets, cadence=3).plan.frames
    between = [f.frame for f in frames if f.between is not None]
    assert between == [1, 2, 5]  # diffused: 0, 3, 6, the prompt change at 4, the last (7)
    assert (frames[1].between.previous, frames[1].between.next) == (0, 3)
    assert all(f.between is None for f in scheduled_plan(**widgets).plan.frames)


def _run(comfy, model, tiny, size=8, **changes):
    from test_comfy_scheduled import FakeClip, _call

    widgets = {**widget_defaults(), "prompt_schedule": '"0": "a rose"', "steps_schedule": "2",
               "frame_count": 7, "cadence": 3, **changes}  # fmt: skip
    (out,) = _call(
        comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=model, clip=FakeClip(tiny),
        latent_image=tiny.tiny_latent(seed=4, size=size), **widgets,
    )  # fmt: skip
    return out["samples"]


@pytest.mark.comfyui
def test_the_model_runs_on_the_diffused_frames_only(comfy, model, tiny):
    from test_cfg_mode import _counted

    counts: list[int] = []
    out = _run(comfy, _counted(model, counts), tiny, denoise_schedule="0:(1), 1:(0.5)")
    assert out.shape == (7, 4, 8, 8) and torch.isfinite(out).all()
    assert len(counts) == 3 * 2  # frames 0, 3 and 6, two steps each
    for m, (j, k) in {1: (0, 3), 2: (0, 3), 4: (3, 6), 5: (3, 6)}.items():
        t = (m - j) / (k - j)  # no motion: a cross-fade of the two neighbours
        assert torch.allclose(out[m], (1 - t) * out[j] + t * out[k], atol=1e-6)


@pytest.mark.comfyui
def test_the_frames_between_move_with_the_camera_on_the_latent_grid(comfy, model, tiny):
    """A pan of 8 pixels (1 latent cell) per frame, every frame after 0 copied: each frame, made
    by the model's chain or between, is frame 0 moved by its index in cells."""
    out = _run(comfy, model, tiny, size=16, translation_x_schedule="8", motion_border="zeros",
               denoise_schedule="0:(1), 1:(0)", inject_noise=False)  # fmt: skip
    tolerance = 1e-5 * out[0].abs().max()  # bilinear weights off exact 0 / 1 by float rounding
    for m in range(1, 7):
        moved = out[0, ..., 6 - m : 13 - m]
        assert (out[m, ..., 6:13] - moved).abs().max() < tolerance, m


@pytest.mark.comfyui
def test_with_a_vae_the_frames_between_are_made_on_pixels(comfy, model, tiny):
    from test_comfy_video import FakeVae

    from seqsampler.inbetween import inbetween

    vae = FakeVae()
    out = _run(comfy, model, tiny, vae=vae, frame_count=3, cadence=2,
               denoise_schedule="0:(1), 1:(0.5)")  # fmt: skip
    a, b = (vae.decode(out[i : i + 1]).movedim(-1, 1) for i in (0, 2))
    made = vae.encode(inbetween(a, b, 0.5).movedim(1, -1))
    assert torch.allclose(out[1:2], made, atol=1e-5)
    assert not torch.allclose(out[1], (out[0] + out[2]) / 2, atol=1e-2)
