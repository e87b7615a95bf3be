"""Interpolation: lerp, slerp, cosine lerp for latents and conditioning; edge cases and dtypes."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqsampler.conditioning import Conditioning
from seqsampler.interp import (
    cosine_lerp,
    interp_latents,
    lerp,
    match_length,
    slerp,
    slerp_conditioning,
    slerp_latents,
)

DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
MODES = ["Blend", "Slerp", "Cosine Interp"]


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0, dtype=torch.float32):
    return torch.randn(shape, generator=gen(seed)).to(dtype)


def test_lerp_and_cosine_values():
    a, b = torch.zeros(3), torch.ones(3)
    assert torch.equal(lerp(0.25, a, b), torch.full((3,), 0.25))
    assert torch.allclose(
        cosine_lerp(0.25, a, b), torch.full((3,), (1 - math.cos(math.pi / 4)) / 2)
    )
    assert torch.allclose(cosine_lerp(0.5, a, b), torch.full((3,), 0.5))
    assert torch.allclose(cosine_lerp(0.75, a, b), torch.full((3,), 0.8535534))


def test_slerp_orthogonal_unit_vectors_stay_on_the_circle():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    mid = slerp(0.5, a, b)
    assert torch.allclose(mid, torch.tensor([math.sqrt(0.5)] * 2))
    assert torch.allclose(
        slerp(1 / 3, a, b), torch.tensor([math.cos(math.pi / 6), math.sin(math.pi / 6)])
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", [lerp, cosine_lerp, slerp, slerp_latents])
def test_endpoints_dtype_and_finite(fn, dtype):
    a, b = randn(2, 4, 8, 8, seed=1, dtype=dtype), randn(2, 4, 8, 8, seed=2, dtype=dtype)
    for t in (0.0, 0.3, 0.5, 1.0):
        out = fn(t, a, b)
        assert out.dtype == dtype and out.shape == a.shape and torch.isfinite(out).all()
    assert torch.equal(fn(0.0, a, b), a) and torch.equal(fn(1.0, a, b), b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", [slerp, slerp_latents])
def test_slerp_degenerate_inputs_never_nan(fn, dtype):
    a = randn(2, 16, 4, 4, seed=3, dtype=dtype)
    tiny = a + (1e-4 * randn(2, 16, 4, 4, seed=4)).to(dtype)
    zero = torch.zeros_like(a)
    cases = {"identical": (a, a), "antiparallel": (a, -a), "parallel": (a, 2 * a), "near": (a, tiny),
             "zero_a": (zero, a), "zero_b": (a, zero), "both_zero": (zero, zero)}  # fmt: skip
    for name, (x, y) in cases.items():
        for t in (0.0, 0.25, 0.5, 0.75, 1.0):
            out = fn(t, x, y)
            assert torch.isfinite(out).all(), (name, t)
            assert out.dtype == dtype
    same = fn(0.4, a, a)
    assert torch.allclose(
        same.float(), a.float(), atol=1e-2 if dtype in (torch.float16, torch.bfloat16) else 1e-6
    )
    assert torch.allclose(
        fn(0.5, a, -a).float(), torch.zeros_like(a, dtype=torch.float32), atol=1e-2
    )
    assert torch.allclose(fn(0.5, zero, a).float(), 0.5 * a.float(), atol=1e-2)


def test_slerp_latents_is_per_batch_item_any_rank():
    for shape in [(3, 4, 8, 8), (2, 16, 5, 8, 8), (1, 1, 3), (4, 128)]:
        a, b = randn(*shape, seed=5), randn(*shape, seed=6)
        out = slerp_latents(0.3, a, b)
        assert out.shape == a.shape
        for i in range(shape[0]):
            assert torch.allclose(
                out[i], slerp_latents(0.3, a[i : i + 1], b[i : i + 1])[0], atol=1e-6
            )


def test_B16_latent_slerp_identical_or_parallel_latents_give_no_nan():
    a = randn(1, 4, 8, 8, seed=7)
    for b in (a.clone(), 3 * a, torch.zeros_like(a)):
        for mode in MODES:
            out = interp_latents(mode, 0.5, a, b)
            assert torch.isfinite(out).all()
    assert torch.allclose(interp_latents("Slerp", 0.5, a, a.clone()), a)
    with pytest.raises(ValueError, match="latent_interpolation_mode.*'slerp'"):
        interp_latents("slerp", 0.5, a, a)


def test_interp_modes_weights():
    a, b = torch.zeros(1, 4, 2, 2), torch.ones(1, 4, 2, 2)
    assert torch.equal(interp_latents("Blend", 0.0, a, b), a)  # 0 keeps the previous frame
    assert torch.equal(interp_latents("Blend", 1.0, a, b), b)  # 1 keeps the new sample
    assert torch.allclose(
        interp_latents("Cosine Interp", 0.25, a, b), torch.full_like(a, 0.1464466)
    )


def test_mismatched_shapes_and_bad_t_raise():
    with pytest.raises(ValueError, match="shapes"):
        lerp(0.5, torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        slerp(float("nan"), torch.zeros(2), torch.zeros(2))


def test_match_length_truncates_or_zero_pads():
    x = randn(1, 77, 8)
    assert torch.equal(match_length(x, 77), x)
    assert torch.equal(match_length(x, 10), x[:, :10])
    padded = match_length(x, 154)
    assert (
        padded.shape == (1, 154, 8) and torch.equal(padded[:, :77], x) and not padded[:, 77:].any()
    )


def cond(seed, t=77, d=16, pooled=True, dtype=torch.float32, **extras):
    if pooled:
        extras["pooled_output"] = randn(1, 12, seed=seed + 100, dtype=dtype)
    return Conditioning(randn(1, t, d, seed=seed, dtype=dtype), extras)


@pytest.mark.parametrize("dtype", DTYPES)
def test_slerp_conditioning_per_token_and_pooled(dtype):
    a, b = cond(1, dtype=dtype), cond(2, dtype=dtype, area=(1, 2, 3, 4), strength=0.7)
    out = slerp_conditioning(0.3, a, b)
    assert out.tokens.dtype == dtype and out.pooled.dtype == dtype
    assert torch.allclose(out.tokens.float(), slerp(0.3, a.tokens, b.tokens).float(), atol=1e-2)
    assert torch.allclose(out.pooled.float(), slerp(0.3, a.pooled, b.pooled).float(), atol=1e-2)
    assert out.extras["area"] == (1, 2, 3, 4) and out.extras["strength"] == 0.7
    assert torch.equal(slerp_conditioning(1.0, a, b).tokens, b.tokens)
    token = 5  # per token: each token vector is its own slerp
    assert torch.allclose(
        out.tokens[0, token].float(),
        slerp(0.3, a.tokens[0, token], b.tokens[0, token]).float(),
        atol=1e-2,
    )


def test_slerp_conditioning_lengths_and_missing_pooled():
    long = cond(3, t=154)
    short = cond(4, t=77, pooled=False, guidance=3.5)
    out = slerp_conditioning(0.5, long, short)
    assert out.tokens.shape == (1, 77, 16) and "pooled_output" not in out.extras
    assert out.extras["guidance"] == 3.5
    out2 = slerp_conditioning(0.5, short, long)
    assert out2.tokens.shape == (1, 154, 16)
    assert torch.equal(out2.pooled, long.pooled)  # previous had no pooled: the target's
    assert torch.allclose(out2.tokens[:, 77:], 0.5 * long.tokens[:, 77:])  # zero pad: lerp from 0
    assert torch.isfinite(out2.tokens).all()


vectors = st.integers(1, 64).flatmap(
    lambda d: st.tuples(
        st.lists(st.floats(-1e4, 1e4, width=32), min_size=d, max_size=d),
        st.lists(st.floats(-1e4, 1e4, width=32), min_size=d, max_size=d),
    )
)


@settings(max_examples=200, deadline=None)
@given(vectors, st.floats(0.0, 1.0), st.sampled_from(["same", "neg", "scaled", "free"]))
def test_slerp_property_finite_and_between_endpoints(pair, t, relation):
    a = torch.tensor(pair[0], dtype=torch.float32)
    b = {"same": a, "neg": -a, "scaled": 3 * a, "free": torch.tensor(pair[1])}[relation]
    out = slerp(t, a, b)
    assert torch.isfinite(out).all()
    bound = max(a.norm().item(), b.norm().item())
    assert out.norm().item() <= bound * (1 + 1e-4) + 1e-3  # never overshoots the larger norm
    for mode in MODES:
        assert torch.isfinite(interp_latents(mode, t, a[None], b[None])).all()


def test_slerp_wide_angle_different_norms_does_not_blow_up():
    a = torch.tensor([1.0, 0.0])
    b = torch.tensor([-2.0, 0.004])  # sin(angle) ~ 2e-3: the classic formula gives ~[-500, 1]
    out = slerp(0.5, a, b)
    assert torch.isclose(out.norm(), torch.tensor(1.5), atol=1e-4)  # the lerped norm
    unit = slerp(0.5, torch.tensor([1.0, 0.0]), torch.tensor([0.0, 2.0]))
    assert torch.allclose(unit, 1.5 * torch.tensor([math.sqrt(0.5)] * 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_identical_inputs_give_exactly_the_input(mode, dtype):
    a = randn(2, 4, 8, 8, seed=9, dtype=dtype)
    for t in (0.1, 0.3, 0.5, 0.77):
        assert torch.equal(interp_latents(mode, t, a, a.clone()), a)
