"""run_sequence over a fake FrameSampler that records every call: order of operations, noise
draws, call counts per path, glide, noise_mask, resume, validation before model work."""

from __future__ import annotations

import logging

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqsampler import SequenceConfig, plan, run_sequence
from seqsampler.conditioning import Conditioning
from seqsampler.interp import interp_latents, slerp_conditioning
from seqsampler.noise import prepare_noise, randn_like_seeded
from seqsampler.sequence import Resume, conditioning_chain


class FakeSampler:
    """A deterministic stand-in for a model: records (kind, kwargs, input) per call."""

    def __init__(self):
        self.calls = []

    def sample(self, x, call, *, denoise=1.0, start_step=0, add_noise=True):
        args = dict(vars(call), denoise=denoise, start_step=start_step, add_noise=add_noise)
        self.calls.append(("sample", args, x.clone()))
        return self.result(x, **args)

    @staticmethod
    def result(x, *, positive, negative, seed, denoise, add_noise, **_):
        out = 0.5 * x + 0.01 * positive.tokens.mean() - 0.02 * negative.tokens.mean()
        if add_noise:
            out = out + denoise * prepare_noise(x, seed)
        return out

    def unsample(self, x, call, *, start_step):
        self.calls.append(("unsample", dict(vars(call), start_step=start_step), x.clone()))
        return x + 0.1 * (call.steps - start_step)

    def kinds(self):
        return [c[0] for c in self.calls]


def conds(n, seed=0, t=77, d=8, pooled=True, **extras):
    out = []
    for j in range(n):
        g = torch.Generator().manual_seed(seed * 100 + j)
        ex = dict(extras)
        if pooled:
            ex["pooled_output"] = torch.randn(1, 6, generator=g)
        out.append(Conditioning(torch.randn(1, t, d, generator=g), ex))
    return out


def latent(shape=(2, 4, 8, 8), seed=42):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def run(config, sampler=None, pos=None, neg=None, x=None, **kw):
    sampler = sampler or FakeSampler()
    pos = pos if pos is not None else conds(config.positive_count, 1)
    neg = neg if neg is not None else conds(config.negative_count, 2)
    x = x if x is not None else latent()
    return run_sequence(plan(config), sampler, pos, neg, x, **kw), sampler


def test_plain_path_calls_and_inject_noise_order():
    config = SequenceConfig(frame_count=4, positive_count=2, steps=10)
    p = plan(config)
    x0 = latent()
    frames, fake = run(config, x=x0)
    assert fake.kinds() == ["sample"] * 4
    assert frames.shape == (8, 4, 8, 8)
    outputs = frames.reshape(4, 2, 4, 8, 8)
    for i, (_kind, args, x_in) in enumerate(fake.calls):
        f = p.frames[i]
        assert (args["seed"], args["steps"], args["cfg"], args["denoise"]) == (
            f.seed,
            10,
            8.0,
            f.denoise,
        )
        assert args["start_step"] == 0 and args["add_noise"] is True
        previous = x0 if i == 0 else outputs[i - 1]
        expected = (
            previous
            if i == 0
            else previous + 0.1 * randn_like_seeded(previous, f.inject_noise_seed)
        )
        assert torch.equal(x_in, expected)  # noise injected into the input before sampling


def test_unsample_path_order_and_counts_B12():
    config = SequenceConfig(
        frame_count=3, unsample_latents=True, denoise_sine=False, denoise_seq=0.5, steps=20
    )
    p = plan(config)
    frames, fake = run(config)
    assert fake.kinds() == ["sample", "unsample", "sample", "unsample", "sample"]
    outputs = frames.reshape(3, 2, 4, 8, 8)
    for i in (1, 2):
        (_, un, un_in), (_, sa, sa_in) = fake.calls[2 * i - 1], fake.calls[2 * i]
        f = p.frames[i]
        assert un["start_step"] == sa["start_step"] == 10 and sa["add_noise"] is False
        assert sa["denoise"] == 1.0
        assert torch.equal(
            un_in, outputs[i - 1]
        )  # the unsample sees the previous output, un-noised
        unsampled = outputs[i - 1] + 0.1 * 10
        assert torch.equal(
            sa_in, unsampled + 0.1 * randn_like_seeded(unsampled, f.inject_noise_seed)
        )
        # model work: (S - k) inversion steps + (S - k) sampling steps = 2 (S - k)
        assert (un["steps"] - un["start_step"]) + (sa["steps"] - sa["start_step"]) == 2 * (20 - 10)


def test_copy_path_does_no_model_work_and_no_injection():
    config = SequenceConfig(frame_count=3, denoise_sine=False, denoise_seq=0.0)
    x0 = latent()
    frames, fake = run(config, x=x0)
    assert fake.kinds() == ["sample"]
    out = frames.reshape(3, 2, 4, 8, 8)
    assert torch.equal(out[1], out[0]) and torch.equal(out[2], out[0])


def test_modulo_key_frames_take_the_plain_path():
    config = SequenceConfig(
        frame_count=4, unsample_latents=True, seed_keying_mode="modulo", seed_divisor=2
    )
    _, fake = run(config)
    assert fake.kinds() == ["sample", "unsample", "sample", "sample", "unsample", "sample"]
    assert [c[1]["add_noise"] for c in fake.calls if c[0] == "sample"] == [True, False, True, False]


def test_B14_inject_noise_is_seeded_reproducible_and_leaves_global_rng_alone():
    config = SequenceConfig(frame_count=3)
    state = torch.random.get_rng_state()
    a, fake = run(config)
    assert torch.equal(torch.random.get_rng_state(), state)
    b, _ = run(config)
    assert torch.equal(a, b)
    f = plan(config).frames[1]
    x = latent()
    eps = randn_like_seeded(x, f.inject_noise_seed)
    assert not torch.equal(eps, prepare_noise(x, f.seed))  # differs from the frame's fresh noise
    x0 = latent()
    assert torch.equal(
        fake.calls[1][2], a[:2] + 0.1 * randn_like_seeded(a[:2], f.inject_noise_seed)
    )
    assert torch.equal(x0, latent())  # the caller's latent is not modified


def test_B17_noise_mask_reaches_every_call_of_every_frame_and_masks_injection():
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., :32, :] = 1.0  # pixel-space mask: resample the top half only
    config = SequenceConfig(frame_count=4, unsample_latents=True, denoise_sine=False)
    frames, fake = run(config, noise_mask=mask)
    assert len(fake.calls) == 7
    assert all(c[1]["noise_mask"] is mask for c in fake.calls)
    out = frames.reshape(4, 2, 4, 8, 8)
    _, _, sampled_in = fake.calls[2]  # frame 1's resample input = unsampled + masked noise
    unsampled = out[0] + 0.1 * 10
    assert torch.equal(sampled_in[..., 4:, :], unsampled[..., 4:, :])  # no noise where mask is 0
    assert not torch.equal(sampled_in[..., :4, :], unsampled[..., :4, :])
    # a LATENT dict carries its noise_mask too
    _, fake2 = run(config, x={"samples": latent(), "noise_mask": mask})
    assert all(c[1]["noise_mask"] is mask for c in fake2.calls)


def test_B7_glide_from_the_previous_frame_toward_the_target():
    config = SequenceConfig(frame_count=5, positive_count=2, negative_count=2, cond_keyframes=2,
                            use_conditioning_slerp=True, cond_slerp_strength=0.3, inject_noise=False)  # fmt: skip
    pos = conds(2, 1, area=(0, 0, 8, 8))
    neg = conds(2, 2, pooled=False)
    _, fake = run(config, pos=pos, neg=neg)
    c = [pos[0]]
    for i in range(1, 5):
        c.append(slerp_conditioning(0.3, c[-1], pos[0 if i < 2 else 1]))
    for i, (_, args, _) in enumerate(fake.calls):
        got = args["positive"]
        assert torch.allclose(got.tokens, c[i].tokens, atol=1e-6)
        assert torch.allclose(got.pooled, c[i].pooled, atol=1e-6)
        assert got.extras["area"] == (0, 0, 8, 8)
        assert "pooled_output" not in args["negative"].extras
    # the strength matters (the origin slerped a conditioning with itself)
    frame3 = fake.calls[3][1]["positive"].tokens
    assert not torch.allclose(frame3, pos[1].tokens, atol=1e-3)
    assert not torch.allclose(frame3, pos[0].tokens, atol=1e-3)
    # hard cut when off
    off = SequenceConfig(frame_count=5, positive_count=2, negative_count=2, cond_keyframes=2)
    _, fake_off = run(off, pos=pos, neg=neg)
    assert fake_off.calls[3][1]["positive"] is pos[1]


def test_glide_handles_different_token_lengths():
    pos = conds(1, 1, t=154) + conds(1, 2, t=77)
    config = SequenceConfig(
        frame_count=3, positive_count=2, cond_keyframes=1, use_conditioning_slerp=True
    )
    _, fake = run(config, pos=pos)
    assert [c[1]["positive"].tokens.shape[1] for c in fake.calls] == [154, 77, 77]


@pytest.mark.parametrize("mode", ["Blend", "Slerp", "Cosine Interp"])
def test_latent_interpolation_feeds_back(mode):
    config = SequenceConfig(frame_count=3, use_latent_interpolation=True,
                            latent_interpolation_mode=mode, latent_interp_strength=0.25)  # fmt: skip
    sampler = FakeSampler()
    frames, _ = run(config, sampler=sampler)
    out = frames.reshape(3, 2, 4, 8, 8)
    for i in (1, 2):
        _, args, x_in = sampler.calls[i]
        sample = FakeSampler.result(x_in, **args)
        assert torch.allclose(out[i], interp_latents(mode, 0.25, out[i - 1], sample), atol=1e-6)
        assert torch.isfinite(out[i]).all()


def test_resume_equals_uninterrupted_run_and_skips_model_work():
    config = SequenceConfig(frame_count=6, positive_count=3, use_conditioning_slerp=True,
                            use_latent_interpolation=True, unsample_latents=True)  # fmt: skip
    pos, neg, x0 = conds(3, 1), conds(1, 2), latent()
    full, fake = run(config, pos=pos, neg=neg, x=x0)
    per_frame = full.reshape(6, 2, 4, 8, 8)
    for start in (1, 3, 5):
        resumed, fake_r = run(
            config, pos=pos, neg=neg, x=x0, resume=Resume(start, per_frame[start - 1].clone())
        )
        assert torch.equal(resumed, full[2 * start :])
        expected_calls = sum(1 if f.path == "plain" else 2 for f in plan(config).frames[start:])
        assert len(fake_r.calls) == expected_calls
    empty, _ = run(config, pos=pos, neg=neg, x=x0, resume=Resume(6, per_frame[5]))
    assert empty.shape == (0, 4, 8, 8)


def test_on_frame_streams_and_collect_false_returns_none():
    config = SequenceConfig(frame_count=4)
    seen = []
    result, _ = run(config, on_frame=lambda f, x: seen.append((f.frame, x.shape)), collect=False)
    assert result is None and seen == [(i, (2, 4, 8, 8)) for i in range(4)]


def test_any_channel_count_and_5d_latents():
    for shape in [(1, 16, 8, 8), (1, 16, 3, 8, 8), (3, 1, 4)]:
        config = SequenceConfig(
            frame_count=2, use_latent_interpolation=True, latent_interpolation_mode="Slerp"
        )
        frames, _ = run(config, x=latent(shape))
        assert frames.shape == (2 * shape[0], *shape[1:])


def test_plan_is_logged_once(caplog):
    with caplog.at_level(logging.INFO, logger="seqsampler.sequence"):
        run(SequenceConfig(frame_count=3))
    records = [r for r in caplog.records if r.name == "seqsampler.sequence"]
    assert len(records) == 1 and "frame 2" in records[0].getMessage()


def test_conditioning_chain_without_glide_is_the_targets():
    config = SequenceConfig(frame_count=4, positive_count=2)
    pos = conds(2, 1)
    assert [
        c is pos[f.positive]
        for c, f in zip(
            conditioning_chain(plan(config), pos, "positive"), plan(config).frames, strict=True
        )
    ] == [True] * 4


BAD_INPUTS = {
    "empty positive": (dict(pos=[]), "positive is empty"),
    "empty negative": (dict(neg=[]), "negative is empty"),
    "count mismatch": (
        dict(pos=conds(1, 1)),
        "positive has 1 conditionings but the plan was made for 2",
    ),
    "width": (dict(neg=conds(1, 3, d=16)), "token width D"),
    "nan latent": (dict(x=torch.full((1, 4, 8, 8), float("nan"))), "init_latent must be finite"),
    "inf latent": (dict(x=torch.tensor([[[1.0, float("inf")]]])), "init_latent must be finite"),
    "int latent": (
        dict(x=torch.zeros(1, 4, 8, 8, dtype=torch.int64)),
        "init_latent must be a float tensor",
    ),
    "mask on 3-D latent": (
        dict(x=torch.zeros(1, 4, 8), noise_mask=torch.ones(8, 8)),
        "noise_mask needs a latent",
    ),
    "no samples": (dict(x={"noise_mask": torch.ones(8, 8)}), "init_latent must hold 'samples'"),
    "not conditioning": (
        dict(pos=[torch.zeros(1, 77, 8)] * 2),
        "positive[0] must be a Conditioning",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_fail_before_any_model_work(case):
    kw, text = BAD_INPUTS[case]
    config = SequenceConfig(frame_count=3, positive_count=2)
    fake = FakeSampler()
    with pytest.raises(ValueError) as info:
        run(config, sampler=fake, **kw)
    assert text in str(info.value) and fake.calls == []


def test_bad_resume_fails_before_model_work():
    config = SequenceConfig(frame_count=3)
    for resume, text in [
        (Resume(4, latent()), "resume.start_frame"),
        (Resume(1, None), "resume.previous_latent"),
        (Resume(1, latent((1, 4, 8, 8))), "match init_latent"),
        (Resume(0, latent()), "must be None"),
    ]:
        fake = FakeSampler()
        with pytest.raises(ValueError, match=text):
            run(config, sampler=fake, resume=resume)
        assert fake.calls == []


def test_B9_empty_conditioning_list_is_a_clear_error_not_a_torch_cat_crash():
    fake = FakeSampler()
    with pytest.raises(ValueError, match="positive is empty; it needs at least one Conditioning"):
        run(SequenceConfig(), sampler=fake, pos=[])
    assert fake.calls == []


@settings(max_examples=25, deadline=None)
@given(
    frame_count=st.integers(1, 7),
    prompts=st.integers(1, 3),
    unsample=st.booleans(),
    glide=st.booleans(),
    interp_mode=st.sampled_from([None, "Blend", "Slerp", "Cosine Interp"]),
    keying_mode=st.sampled_from(["sine", "modulo"]),
    denoise_seq=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    data=st.data(),
)
def test_resume_property(
    frame_count, prompts, unsample, glide, interp_mode, keying_mode, denoise_seq, data
):
    config = SequenceConfig(
        frame_count=frame_count, positive_count=prompts, unsample_latents=unsample,
        use_conditioning_slerp=glide, use_latent_interpolation=interp_mode is not None,
        latent_interpolation_mode=interp_mode or "Blend", seed_keying_mode=keying_mode,
        denoise_seq=denoise_seq, seed_divisor=2, steps=6,
    )  # fmt: skip
    pos, neg, x0 = conds(prompts, 1, t=8, d=4), conds(1, 2, t=8, d=4), latent((1, 4, 4, 4))
    seen = []
    full, fake = run(config, pos=pos, neg=neg, x=x0, on_frame=lambda f, x: seen.append(x))
    assert torch.isfinite(full).all() and len(seen) == frame_count
    p = plan(config)
    assert len(fake.calls) == sum({"plain": 1, "unsample": 2, "copy": 0}[f.path] for f in p.frames)
    start = data.draw(st.integers(0, frame_count))
    previous = None if start == 0 else seen[start - 1]
    resumed, _ = run(config, pos=pos, neg=neg, x=x0, resume=Resume(start, previous))
    assert torch.equal(resumed, full[start:])


def test_B15_denoise_0_frames_copy_the_input_and_latent_slerp_stays_finite():
    config = SequenceConfig(frame_count=3, denoise_sine=False, denoise_seq=0.0, use_latent_interpolation=True,
                            latent_interpolation_mode="Slerp", latent_interp_strength=0.3)  # fmt: skip
    frames, fake = run(config)
    out = frames.reshape(3, 2, 4, 8, 8)
    assert fake.kinds() == ["sample"] and torch.isfinite(frames).all()
    assert torch.equal(out[1], out[0]) and torch.equal(out[2], out[0])
