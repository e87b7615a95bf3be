import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from seqsampler.sampling import calculate_sigmas, sd_sigma_space
from seqsampler.sampling.ksampler import (
    _schedule,
    is_max_denoise,
    ksampler_sigmas,
    noise_scaling,
    schedule_for_sampler,
    slice_sigmas,
)

SPACE = sd_sigma_space()


def full(steps, scheduler="normal"):
    return calculate_sigmas(SPACE, scheduler, steps)


@pytest.mark.parametrize("steps", [1, 4, 20])
def test_denoise_one_is_the_full_schedule(steps):
    assert torch.equal(ksampler_sigmas(SPACE, "normal", "euler", steps, 1.0), full(steps))


@pytest.mark.parametrize("denoise", [0.0, -0.5])
def test_denoise_zero_gives_no_sigmas(denoise):
    assert len(ksampler_sigmas(SPACE, "normal", "euler", 10, denoise)) == 0


def test_denoise_half_keeps_the_tail_of_twice_the_steps():
    assert torch.equal(ksampler_sigmas(SPACE, "karras", "euler", 10, 0.5), full(20, "karras")[-11:])


def test_denoise_steps_one():
    # steps=1: d=1 -> [sigma_max, 0]; d=0.5 -> last 2 of a 2-step schedule; d=0.02 -> of 50.
    assert torch.equal(ksampler_sigmas(SPACE, "normal", "euler", 1, 1.0), full(1))
    assert torch.equal(ksampler_sigmas(SPACE, "normal", "euler", 1, 0.5), full(2)[-2:])
    assert torch.equal(ksampler_sigmas(SPACE, "normal", "euler", 1, 0.02), full(50)[-2:])
    assert len(ksampler_sigmas(SPACE, "normal", "euler", 1, 0.0)) == 0


def test_denoise_int_truncates():
    # int(3 / 0.7) = 4 steps; the last 4 sigmas.
    assert torch.equal(ksampler_sigmas(SPACE, "normal", "euler", 3, 0.7), full(4)[-4:])


@pytest.mark.parametrize("sampler", ["dpm_2", "dpm_2_ancestral", "uni_pc", "uni_pc_bh2"])
def test_discard_penultimate(sampler):
    expected = full(11)
    expected = torch.cat([expected[:-2], expected[-1:]])
    got = ksampler_sigmas(SPACE, "normal", sampler, 10, 1.0)
    assert torch.equal(got, expected) and len(got) == 11


def test_start_and_last_step():
    sigmas = full(10)
    assert torch.equal(slice_sigmas(sigmas, start_step=3), sigmas[3:])
    assert torch.equal(slice_sigmas(sigmas, last_step=6), sigmas[:7])
    forced = slice_sigmas(sigmas, last_step=6, force_full_denoise=True)
    assert float(forced[-1]) == 0.0 and torch.equal(forced[:-1], sigmas[:6])
    assert float(sigmas[6]) > 0  # the input is not modified
    assert slice_sigmas(sigmas, start_step=10) is None
    assert torch.equal(slice_sigmas(sigmas, start_step=2, last_step=10000), sigmas[2:])


def test_schedule_for_sampler_is_ksampler_at_full_denoise():
    assert torch.equal(
        schedule_for_sampler(SPACE, "karras", "uni_pc", 7),
        ksampler_sigmas(SPACE, "karras", "uni_pc", 7),
    )


def test_start_point_scaling():
    latent, noise = torch.full((1, 1, 2, 2), 2.0), torch.ones(1, 1, 2, 2)
    top = full(10)
    assert is_max_denoise(SPACE, top) and not is_max_denoise(SPACE, top[3:])
    sigma = top[0]
    assert torch.allclose(noise_scaling(sigma, noise, latent, True), 2.0 + torch.sqrt(1 + sigma**2))
    assert torch.allclose(noise_scaling(top[3], noise, latent, False), 2.0 + top[3])


@settings(max_examples=60, deadline=None)
@given(
    steps=st.integers(1, 40),
    denoise=st.one_of(st.floats(-0.5, 0.0), st.floats(0.001, 1.5)),
    sampler=st.sampled_from(["euler", "dpm_2", "uni_pc"]),
    scheduler=st.sampled_from(["normal", "karras", "simple"]),
)
def test_denoise_is_the_tail_of_a_longer_schedule(steps, denoise, sampler, scheduler):
    """For any d: no sigmas (d <= 0), the full schedule (d > 0.9999), or exactly the last
    steps + 1 sigmas of the int(steps / d)-step schedule for that sampler."""
    got = ksampler_sigmas(SPACE, scheduler, sampler, steps, denoise)
    if denoise <= 0:
        assert len(got) == 0
    elif denoise > 0.9999:
        assert torch.equal(got, schedule_for_sampler(SPACE, scheduler, sampler, steps))
    else:
        longer = schedule_for_sampler(SPACE, scheduler, sampler, int(steps / denoise))
        assert len(got) == steps + 1 and torch.equal(got, longer[-(steps + 1) :])
        assert float(got[-1]) == 0.0


def test_vanishing_denoise_is_refused_not_allocated():
    with pytest.raises(ValueError, match="denoise 1e-09"):
        ksampler_sigmas(SPACE, "normal", "euler", 10, 1e-9)


def test_a_cached_schedule_is_a_copy_and_equals_a_fresh_one():
    space = sd_sigma_space()
    first = schedule_for_sampler(space, "karras", "euler", 7)
    first[0] = -1.0  # a caller may write into its schedule; the next one is untouched
    again = schedule_for_sampler(space, "karras", "euler", 7)
    assert torch.equal(again, _schedule(space, "karras", "euler", 7))
    assert again[0] > 0


def test_remembered_timesteps_equal_the_nearest_search_and_are_copies():
    space = sd_sigma_space()
    sigmas = torch.tensor([14.6, 3.0, 0.03, 0.0292])
    first = space.timestep(sigmas)
    assert torch.equal(first, space._nearest_timestep(sigmas))
    first[0] = -1  # the caller's copy
    assert torch.equal(space.timestep(sigmas), space._nearest_timestep(sigmas))
    many = torch.linspace(0.03, 14.0, 100)  # above the memo's size limit: searched each time
    assert torch.equal(space.timestep(many), space._nearest_timestep(many))
