"""noise_warp moves a stochastic sampler's per-step noise with the scene (camera_noise's third
stream, step_noise): L layers drawn from the frame's step seed, moved as the other noises (a
whole-cell pan moves every layer by whole cells), one stream per variant, replayed on resume,
and consumed by the sampler (frame 1's k-th draw is frame 0's moved)."""

from __future__ import annotations

import torch
from test_camera import with_motion
from test_frame_sampler import GaussianModel
from test_sequence import conds

import seqsampler.frame_sampler as frame_sampler_module
from seqsampler import run_sequence
from seqsampler.camera_noise import NoiseWarp
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.noise import generator
from seqsampler.planning import FrameMotion, step_seed
from seqsampler.sequence import Resume
from seqsampler.step_noise import step_layers

LIKE = torch.zeros((1, 4, 12, 16))  # a latent of a 32x24 render (2x downscale)
SIZE = (32, 24)
PAN = FrameMotion(translation_x=4.0)  # 4 pixels = 2 latent cells


def test_a_whole_cell_pan_moves_every_layer_with_the_picture():
    p = with_motion(3, {1: PAN, 2: PAN}, sampler_name="euler_ancestral", steps=4)
    hook = NoiseWarp(p, SIZE)
    first, second, third = (hook(f, LIKE) for f in p.frames)
    layers = step_layers(p)
    assert layers == 4 and first.steps.shape == (layers, *LIKE.shape)
    drawn = torch.randn((layers, *LIKE.shape), generator=generator(step_seed(p.frames[0].seed, 0)))
    assert torch.equal(first.steps, drawn)  # frame 0: the step seed's draw, as it is
    assert not torch.equal(first.steps[0], first.sample)  # a stream of its own
    for k in range(layers):
        assert torch.equal(second.steps[k][..., 2:], first.steps[k][..., :-2])
        assert torch.equal(third.steps[k][..., 4:], first.steps[k][..., :-4])
        assert not torch.equal(second.steps[k][..., :2], first.steps[k][..., :2])  # entering


def test_a_deterministic_sampler_carries_no_step_noise():
    p = with_motion(3, {1: PAN, 2: PAN}, sampler_name="euler")
    hook = NoiseWarp(p, SIZE)
    assert all(hook(f, LIKE).steps is None for f in p.frames)
    assert hook.steps.noise is None


def test_variants_keep_one_step_stream_per_item_and_a_replay_is_identical():
    zoom = FrameMotion(zoom=1.05, angle=2.0)
    p, q = (with_motion(3, {1: zoom, 2: zoom}, seed=s, sampler_name="dpmpp_sde",
                        steps=3, unsample_latents=True) for s in (1, 2))  # fmt: skip
    assert [f.path for f in p.frames] == ["plain", "unsample", "unsample"]
    pair = NoiseWarp(p, SIZE)
    alone = [NoiseWarp(p, SIZE), NoiseWarp(q, SIZE)]
    again = NoiseWarp(p, SIZE)
    batch = torch.zeros((2, *LIKE.shape[1:]))
    for i in range(3):
        both = pair(p.frames[i], batch, variants=[p.frames[i], q.frames[i]]).steps
        singles = [
            hook(plan.frames[i], LIKE).steps for hook, plan in zip(alone, (p, q), strict=True)
        ]
        assert both.shape == (6, 2, *LIKE.shape[1:])  # L = 2 draws per step x 3 steps
        assert torch.equal(both, torch.cat(singles, dim=1))
        assert torch.equal(again(p.frames[i], LIKE).steps, singles[0])


def chain(monkeypatch, frames, resume=None, noise_warp=True):
    """A 2-cell-per-frame pan on the Gaussian model with euler_ancestral; (the frames, the
    per-step draws each sampling pass consumed)."""
    p = with_motion(frames, {i: PAN for i in range(1, frames)}, sampler_name="euler_ancestral",
                    steps=4, denoise_seq=0.5, denoise_sine=False, seed_mode_seq="fixed",
                    inject_noise=True, noise_warp=noise_warp)  # fmt: skip
    passes = []
    original = frame_sampler_module.layered_noise_sampler

    def spy(layers, like, name):
        inner, drawn = original(layers, like, name), []
        passes.append(drawn)

        def draw(sigma, sigma_next):
            drawn.append(inner(sigma, sigma_next))
            return drawn[-1]

        return draw

    monkeypatch.setattr(frame_sampler_module, "layered_noise_sampler", spy)
    fs = StandaloneFrameSampler(GaussianModel(), "euler_ancestral", "karras")
    c = conds(1, t=4, d=2)
    x = torch.randn((1, 4, 12, 16), generator=torch.Generator().manual_seed(1)) * 0.5
    hook = NoiseWarp(p, SIZE) if noise_warp else None
    out = run_sequence(p, fs, c, c, x, noise=hook, resume=resume)
    return out, passes


def test_the_sampler_consumes_the_moved_layers(monkeypatch):
    _, passes = chain(monkeypatch, 3)
    assert len(passes) == 3 and len(passes[1]) >= 2
    for k, (before, after) in enumerate(zip(passes[0], passes[1], strict=False)):
        assert torch.equal(after[..., 2:], before[..., :-2]), k  # a fixed seed, yet moved
    _, seeded = chain(monkeypatch, 3, noise_warp=False)
    assert seeded == []  # without noise_warp the seed draws, as before


def test_a_resumed_run_replays_the_step_noise_bit_for_bit(monkeypatch):
    full, _ = chain(monkeypatch, 5)
    for start in (1, 3):
        resumed, _ = chain(monkeypatch, 5, resume=Resume(start, full[start - 1 : start].clone()))
        assert torch.equal(resumed, full[start:])
