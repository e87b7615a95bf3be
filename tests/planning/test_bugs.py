"""Regression tests for the origin bugs (docs/behaviour.md, appendix B1-B19) that the contract fixes in the planner.
Each shows the contract's behaviour (behaviour.md). B7, B14, B16, B17 live in test_sequence.py and
test_interp.py."""

from __future__ import annotations

import logging

import pytest

from seqsampler import SequenceConfig, plan


def seeds(**kw):
    return [f.seed for f in plan(SequenceConfig(**kw)).frames]


def test_B1_seed_moves_once_per_frame_and_keying_is_not_post_processed():
    assert seeds(seed=100, seed_keying=False, frame_count=4) == [100, 101, 102, 103]
    assert seeds(seed=100, seed_keying=False, seed_mode_seq="decrement", frame_count=3) == [
        100,
        99,
        98,
    ]
    for mode in ("increment", "decrement", "random", "fixed"):
        assert seeds(seed=12345, seed_mode_seq=mode, frame_count=5) == [
            12345,
            13345,
            12345,
            11345,
            12345,
        ]


def test_B2_sine_keyed_seeds_are_ints_and_periodic():
    s = seeds(seed=0, frame_count=9)
    assert all(type(x) is int for x in s)
    assert s == [0, 1000, 0, 2**64 - 1000, 0, 1000, 0, 2**64 - 1000, 0]  # same phase, same seed
    big = seeds(seed=2**60 + 1, frame_count=3)
    assert big == [2**60 + 1, 2**60 + 1001, 2**60 + 1]  # no float precision loss


def test_B3_modulo_keying_wraps_mod_2_64_and_key_frames_take_plain_path():
    s = seeds(seed=2**64 - 2, seed_keying_mode="modulo", seed_divisor=2, frame_count=5)
    assert s == [2**64 - 2, 2**64 - 2, 0, 2**64 - 2, 2]
    p = plan(
        SequenceConfig(
            frame_count=5,
            seed_keying_mode="modulo",
            seed_divisor=2,
            unsample_latents=True,
            denoise_sine=False,
        )
    )
    assert [f.path for f in p.frames] == ["plain", "unsample", "plain", "unsample", "plain"]
    sine = plan(
        SequenceConfig(frame_count=5, seed_divisor=2, unsample_latents=True, denoise_sine=False)
    )
    assert [f.path for f in sine.frames] == ["plain"] + ["unsample"] * 4


def test_B4_random_mode_is_reproducible_and_varies():
    a = seeds(seed=7, seed_keying=False, seed_mode_seq="random", frame_count=6)
    assert a == seeds(seed=7, seed_keying=False, seed_mode_seq="random", frame_count=6)
    assert a[0] == 7 and len(set(a)) == 6
    assert a != seeds(seed=8, seed_keying=False, seed_mode_seq="random", frame_count=6)


def test_B5_seeds_wrap_into_range():
    assert seeds(seed=2**64 - 1, seed_keying=False, frame_count=3) == [2**64 - 1, 0, 1]
    assert seeds(seed=0, seed_keying=False, seed_mode_seq="decrement", frame_count=3) == [
        0,
        2**64 - 1,
        2**64 - 2,
    ]
    assert seeds(seed=2**64 - 1, seed_keying_mode="modulo", seed_divisor=2, frame_count=3)[2] == 1


def test_B8_keyframes_are_where_the_next_prompt_starts(caplog):
    def positives(**kw):
        return [f.positive for f in plan(SequenceConfig(**kw)).frames]

    # default cond_keyframes 0 does not skip prompt 0; prompts are spread evenly instead
    assert positives(positive_count=3, frame_count=6) == [0, 0, 1, 1, 2, 2]
    # a list works; duplicates, 0, negatives and >= N are ignored with one log line
    with caplog.at_level(logging.INFO, logger="seqsampler.planning"):
        got = positives(positive_count=4, frame_count=8, cond_keyframes=[5, 2, 2, 0, -1, 8, 99])
    assert got == [0, 0, 1, 1, 1, 2, 2, 2]
    lines = [r for r in caplog.records if "cond_keyframes" in r.getMessage()]
    assert len(lines) == 1 and "[-1, 0, 8, 99]" in lines[0].getMessage()
    # the caller's list is not sorted in place
    keys = [5, 2]
    SequenceConfig(cond_keyframes=keys, frame_count=8, positive_count=3)
    assert keys == [5, 2]
    # more keyframes than prompts clamp to the last prompt; negatives clamp to their own count
    p = plan(
        SequenceConfig(positive_count=2, negative_count=1, frame_count=5, cond_keyframes=[1, 2, 3])
    )
    assert [(f.positive, f.negative) for f in p.frames] == [(0, 0), (1, 0), (1, 0), (1, 0), (1, 0)]


def test_B9_frame_count_and_prompt_count():
    assert plan(SequenceConfig(positive_count=3)).frame_count == 3
    assert plan(SequenceConfig(positive_count=3, frame_count=10)).frame_count == 10
    assert (
        plan(SequenceConfig(positive_count=5, frame_count=2)).frame_count == 2
    )  # frame_count wins
    with pytest.raises(ValueError, match="positive_count"):
        SequenceConfig(positive_count=0)


def test_B12_unsample_step_counts_are_2_times_S_minus_k_and_no_double_denoise():
    p = plan(
        SequenceConfig(
            frame_count=2, steps=20, unsample_latents=True, denoise_sine=False, denoise_seq=0.5
        )
    )
    f = p.frames[1]
    assert (f.path, f.start_step, f.unsample_steps, f.sample_steps) == ("unsample", 10, 10, 10)
    assert f.unsample_steps + f.sample_steps == 2 * (f.steps - f.start_step)
    full = plan(
        SequenceConfig(
            frame_count=2, steps=7, unsample_latents=True, denoise_sine=False, denoise_seq=1.0
        )
    )
    assert (full.frames[1].start_step, full.frames[1].unsample_steps) == (0, 7)
    tiny = plan(
        SequenceConfig(
            frame_count=2, steps=10, unsample_latents=True, denoise_sine=False, denoise_seq=0.04
        )
    )
    assert (
        tiny.frames[1].path == "copy" and tiny.frames[1].sample_steps == 0
    )  # k = round(9.6) = 10 >= S


def test_B15_sine_denoise_one_period_and_denoise_0_is_a_copy():
    p = plan(SequenceConfig(frame_count=8, denoise_seq=0.5, denoise_max=0.9))
    got = [round(f.denoise, 3) for f in p.frames]
    assert got == [1.0, 0.841, 0.9, 0.841, 0.7, 0.559, 0.5, 0.559]
    zero = plan(
        SequenceConfig(frame_count=3, denoise_sine=False, denoise_seq=0.0, denoise_start=0.0)
    )
    assert [f.path for f in zero.frames] == ["copy"] * 3
    assert all(f.inject_noise_seed is None for f in zero.frames)
