"""Property tests over random valid configs (hypothesis)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from seqsampler import SequenceConfig, plan
from seqsampler.planning import LATENT_INTERP_MODES, SEED_KEYING_MODES, SEED_MODES, Plan

unit = st.floats(0.0, 1.0)


@st.composite
def configs(draw):
    frame_count = draw(st.integers(0, 40))
    positive_count = draw(st.integers(1, 6))
    n = frame_count if frame_count > 0 else positive_count
    kw = dict(
        seed=draw(st.integers(0, 2**64 - 1)),
        seed_mode_seq=draw(st.sampled_from(SEED_MODES)),
        steps=draw(st.integers(1, 60)),
        cfg=draw(st.floats(0.0, 100.0)),
        frame_count=frame_count,
        cond_keyframes=draw(
            st.one_of(st.integers(-5, 50), st.lists(st.integers(-5, 50), max_size=8))
        ),
        use_conditioning_slerp=draw(st.booleans()),
        cond_slerp_strength=draw(unit),
        use_latent_interpolation=draw(st.booleans()),
        latent_interpolation_mode=draw(st.sampled_from(LATENT_INTERP_MODES)),
        latent_interp_strength=draw(unit),
        denoise_start=draw(unit),
        denoise_seq=draw(unit),
        unsample_latents=draw(st.booleans()),
        inject_noise=draw(st.booleans()),
        noise_strength=draw(st.floats(0.001, 1.0)),
        denoise_sine=draw(st.booleans()),
        denoise_max=draw(unit),
        seed_keying=draw(st.booleans()),
        seed_keying_mode=draw(st.sampled_from(SEED_KEYING_MODES)),
        seed_divisor=draw(st.integers(2, 1024)),
        positive_count=positive_count,
        negative_count=draw(st.integers(1, 6)),
    )
    if draw(st.booleans()):
        kw["schedules"] = {
            "denoise": draw(st.lists(unit, min_size=n, max_size=n)),
            "steps": draw(st.lists(st.integers(1, 30), min_size=n, max_size=n)),
            "seed": draw(st.lists(st.integers(0, 2**64 - 1), min_size=n, max_size=n)),
        }
    return SequenceConfig(**kw)


@settings(max_examples=200, deadline=None)
@given(configs())
def test_plan_invariants(config):
    p = plan(config)
    n = config.frame_total
    assert p.frame_count == n == len(p.frames)
    assert all(0 < k < n for k in p.keyframes) and list(p.keyframes) == sorted(set(p.keyframes))
    previous = (0, 0)
    for i, f in enumerate(p.frames):
        assert f.frame == i
        assert isinstance(f.seed, int) and 0 <= f.seed < 2**64
        assert 0.0 <= f.denoise <= 1.0
        assert 0 <= f.positive < config.positive_count and 0 <= f.negative < config.negative_count
        assert f.positive >= previous[0] and f.negative >= previous[1]  # prompts only advance
        previous = (f.positive, f.negative)
        assert 0 <= f.start_step <= f.steps
        if f.path == "copy":
            assert f.sample_steps == f.unsample_steps == 0 and f.inject_noise_seed is None
        elif f.path == "unsample":
            assert i > 0 and config.unsample_latents
            assert f.sample_steps == f.unsample_steps == f.steps - f.start_step > 0
        else:
            assert f.sample_steps == f.steps and f.unsample_steps == 0 and f.denoise > 0
        if f.inject_noise_seed is not None:
            assert i > 0 and config.inject_noise and 0 <= f.inject_noise_seed < 2**64
            assert f.noise_strength is not None
        assert (f.glide is not None) == (config.use_conditioning_slerp and i > 0)
        assert (f.interp is not None) == (config.use_latent_interpolation and i > 0)
    assert p.frames[0].seed == (config.schedule("seed") or [config.seed])[0]
    assert Plan.from_json(json.loads(json.dumps(p.to_dict()))) == p
    assert plan(config) == p  # pure and deterministic
