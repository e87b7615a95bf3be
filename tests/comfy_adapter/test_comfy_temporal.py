"""KSamplerSeq2's optional temporal inputs (colour coherence on latents, loop_frames) against
a real ComfyUI (COMFYUI_PATH), with the tiny random-weight UNet of tiny_comfy.py."""

from __future__ import annotations

import pytest
import torch
from comfy_env import SEED_INPUTS
from test_comfy_nodes import node_defaults

pytestmark = pytest.mark.comfyui

OPTIONAL = [
    "color_coherence", "color_coherence_anchor", "color_coherence_strength", "loop_frames",
    "cfg_mode",  # the frame sampler's (test_cfg_mode.py)
]  # fmt: skip


@pytest.fixture(scope="module")
def sampler_cls(comfy):
    return comfy.NODE_CLASS_MAPPINGS["KSamplerSeq2"]


@pytest.fixture(scope="module")
def run(sampler_cls, model, tiny):
    def _run(**overrides):
        inputs = node_defaults(sampler_cls)
        inputs.update(steps=3, frame_count=6, denoise_sine=False, denoise_seq=0.5)
        inputs.update(overrides)
        with torch.inference_mode():
            (out,) = sampler_cls().sample(
                model=model,
                positive_seq=[tiny.tiny_conditioning(10 + j)[0] for j in range(2)],
                negative_seq=[tiny.tiny_conditioning(50)[0]],
                latent_image=tiny.tiny_latent(seed=3),
                **inputs,
            )
        return out["samples"]

    return _run


def test_optional_inputs_come_after_the_28_frozen_ones(sampler_cls):
    types = sampler_cls.INPUT_TYPES()
    assert list(types["required"]) == SEED_INPUTS
    optional = types["optional"]
    assert list(optional) == OPTIONAL
    assert optional["color_coherence"][0] == ["none", "latent"]
    assert optional["color_coherence"][1]["default"] == "none"
    assert optional["color_coherence_anchor"][0] == ["first", "keyframe"]
    assert optional["color_coherence_strength"][1]["default"] == 1.0
    assert optional["loop_frames"][1]["default"] == 0
    assert all(spec[1]["tooltip"] for spec in optional.values())


def test_a_saved_workflow_without_the_optional_inputs_runs_as_before(run):
    assert torch.equal(
        run(), run(color_coherence="none", color_coherence_strength=0.3, loop_frames=0)
    )


def test_latent_coherence_matches_channel_statistics_to_frame_0(run):
    off = run()
    on = run(color_coherence="latent")
    assert torch.equal(on[:2], off[:2])  # frame 1's output is made from frame 0's own stats
    assert not torch.equal(on[2:], off[2:])  # frame 2 on start from a matched input
    assert torch.equal(run(color_coherence="latent", color_coherence_strength=0.0), off)
    # the matched inputs keep every later frame's channel means closer to frame 0's
    drift = lambda x: (x[1:].mean((2, 3)) - x[:1].mean((2, 3))).abs().mean()  # noqa: E731
    assert drift(on) <= drift(off)
    keyed = run(color_coherence="latent", color_coherence_anchor="keyframe")
    assert torch.isfinite(keyed).all() and not torch.equal(keyed, on)


def test_loop_frames_pull_the_last_frame_toward_frame_0(run):
    off = run(frame_count=8)
    looped = run(frame_count=8, loop_frames=4)
    assert torch.equal(looped[:4], off[:4])
    seam = lambda x: (x[-1] - x[0]).abs().mean()  # noqa: E731
    assert seam(looped) < 0.5 * seam(off)
