"""Noise that moves with the scene (seqsampler.camera_noise): the first draw is today's, later
frames warp it with the camera on the latent grid, identity keeps it, variants keep one each,
and the state depends on the plan only (a resume replays it)."""

from __future__ import annotations

import dataclasses

import torch
from test_camera import with_motion

from seqsampler.camera import motion_matrix
from seqsampler.camera_noise import NoiseWarp
from seqsampler.motion.integral_noise import IntegralNoise
from seqsampler.motion.transform import scale_to_grid
from seqsampler.noise import generator, prepare_noise, randn_like_seeded
from seqsampler.planning import FrameMotion, warp_seed

LIKE = torch.zeros((1, 4, 12, 16))  # a latent of a 32x24 render (2x downscale)
SIZE = (32, 24)
ZOOM = FrameMotion(zoom=1.05, angle=2.0)


def test_the_first_draw_is_todays_and_later_frames_warp_it():
    p = with_motion(4, {1: ZOOM, 2: ZOOM, 3: ZOOM}, seed=7)
    hook = NoiseWarp(p, SIZE)
    first = hook(p.frames[0], LIKE)
    assert torch.equal(first.sample, prepare_noise(LIKE, p.frames[0].seed))
    assert first.inject is None  # frame 0 injects nothing
    second = hook(p.frames[1], LIKE)
    m = scale_to_grid(motion_matrix(ZOOM, SIZE), SIZE, (16, 12))
    # frame 0's particles are drawn conditioned on its noise from its warp seed, then moved
    field = IntegralNoise.start(cells(first.sample), generator(warp_seed(p.frames[0].seed, 0)))
    field, expected = field.moved(m).settle(generator(warp_seed(p.frames[1].seed, 1)))
    assert torch.equal(second.sample, expected.reshape(LIKE.shape).float())
    assert torch.equal(second.inject, randn_like_seeded(LIKE, p.frames[1].inject_noise_seed))
    third = hook(p.frames[2], LIKE)
    # the injected noise started at frame 1: its particles start there
    inject_seeds = [f.inject_noise_seed for f in p.frames]
    injected = IntegralNoise.start(cells(second.inject), generator(warp_seed(inject_seeds[1], 1)))
    _, again = injected.moved(m).settle(generator(warp_seed(inject_seeds[2], 2)))
    assert torch.equal(third.inject, again.reshape(LIKE.shape).float())
    _, later = field.moved(m).settle(generator(warp_seed(p.frames[2].seed, 2)))
    assert torch.equal(third.sample, later.reshape(LIKE.shape).float())


def cells(noise: torch.Tensor) -> torch.Tensor:
    """[B, C, h, w] as IntegralNoise's [B·C, h, w]."""
    return noise.reshape(-1, *noise.shape[-2:])


def test_a_whole_cell_pan_moves_the_noise_with_the_picture():
    pan = FrameMotion(translation_x=4.0)  # 4 pixels = 2 latent cells
    p = with_motion(3, {1: pan, 2: pan})
    hook = NoiseWarp(p, SIZE)
    n0, n1 = hook(p.frames[0], LIKE).sample, hook(p.frames[1], LIKE).sample
    assert torch.equal(n1[..., 2:], n0[..., :-2])
    assert not torch.equal(n1[..., :2], n0[..., :2])  # the entering columns are fresh


def test_without_motion_the_noise_stays_put():
    p = with_motion(4, {}, seed_mode_seq="increment")
    hook = NoiseWarp(p, SIZE)
    noises = [hook(f, LIKE).sample for f in p.frames]
    assert all(torch.equal(n, noises[0]) for n in noises)


def test_frames_that_do_not_draw_still_move_it_and_a_replay_is_identical():
    p = with_motion(5, {i: ZOOM for i in range(1, 5)}, unsample_latents=True)
    assert [f.path for f in p.frames] == ["plain"] + ["unsample"] * 4
    a, b = NoiseWarp(p, SIZE), NoiseWarp(p, SIZE)
    out_a = [a(f, LIKE) for f in p.frames]
    out_b = [b(f, LIKE) for f in p.frames]
    assert all(x.sample is None for x in out_a[1:])  # unsample frames draw no fresh noise
    for x, y in zip(out_a[1:], out_b[1:], strict=True):
        assert torch.equal(x.inject, y.inject)
    assert a.sampling.noise is not None  # the state moved on without being used
    assert not torch.equal(a.sampling.value(), out_a[0].sample)


def test_variants_keep_one_noise_per_item():
    p = with_motion(3, {1: ZOOM, 2: ZOOM}, seed=1)
    q = with_motion(3, {1: ZOOM, 2: ZOOM}, seed=2)
    pair = NoiseWarp(p, SIZE)
    alone = [NoiseWarp(p, SIZE), NoiseWarp(q, SIZE)]
    batch = torch.zeros((2, 4, 12, 16))
    for i in range(3):
        both = pair(p.frames[i], batch, variants=[p.frames[i], q.frames[i]])
        singles = [hook(plan.frames[i], LIKE) for hook, plan in zip(alone, (p, q), strict=True)]
        assert torch.equal(both.sample, torch.cat([s.sample for s in singles]))
        if i:
            assert torch.equal(both.inject, torch.cat([s.inject for s in singles]))


def test_video_latents_move_per_frame():
    p = with_motion(2, {1: dataclasses.replace(ZOOM, zoom=1.1)})
    video = torch.zeros((1, 4, 3, 12, 16))
    hook = NoiseWarp(p, SIZE)
    n0, n1 = hook(p.frames[0], video).sample, hook(p.frames[1], video).sample
    assert n1.shape == video.shape and not torch.equal(n0, n1)


def lag1(n: torch.Tensor) -> float:
    """The horizontal lag-1 autocorrelation of a noise [B, C, h, w]."""
    a, b = n[..., 1:] - n.mean(), n[..., :-1] - n.mean()
    return float((a * b).mean() / n.var())


def test_a_fixed_seed_pan_keeps_the_noise_white():
    """The entering column's draws are not the seed's own noise again: with a fixed seed they
    were (frame 0's column 0 every frame), and 47 frames of a half-pixel pan made streaks
    (lag-1 autocorrelation 0.70 on 32x32x3)."""
    pan = FrameMotion(translation_x=0.5)
    p = with_motion(48, {i: pan for i in range(1, 48)}, seed_mode_seq="fixed", seed_keying=False)
    assert {f.seed for f in p.frames} == {p.frames[0].seed}
    hook, like = NoiseWarp(p, (32, 32)), torch.zeros((1, 3, 32, 32))
    last = [hook(f, like).sample for f in p.frames][-1]
    assert abs(lag1(last)) < 0.05
    assert abs(float(last.mean())) < 0.1 and abs(float(last.std()) - 1) < 0.1
