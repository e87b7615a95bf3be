"""sampling.inversion: the one owner of the unsample sampler and sigmas (both front doors)."""

import pytest
import torch

from seqsampler.sampling import SAMPLERS, calculate_sigmas, sd_sigma_space
from seqsampler.sampling.inversion import (
    SELF_INVERTING,
    UNSAMPLE_EPSILON,
    inversion_sampler_name,
    unsample_sigmas,
)

SPACE = sd_sigma_space()


def test_unsample_sigmas_run_from_just_above_zero_to_exactly_sigma_k():
    full = calculate_sigmas(SPACE, "normal", 10)
    up = unsample_sigmas(full, 4)
    assert len(up) == len(full) - 4
    assert float(up[0]) == pytest.approx(UNSAMPLE_EPSILON)
    assert torch.equal(up[1:], full[4:-1].flip(0))  # every other sigma is the schedule's own
    assert float(up[-1]) == float(full[4])
    assert (up[1:] > up[:-1]).all()
    assert float(full[-1]) == 0.0  # the input is not modified


def test_epsilon_stays_below_the_first_nonzero_sigma():
    full = torch.tensor([1.0, 5e-5, 0.0])
    up = unsample_sigmas(full, 0)
    assert float(up[0]) == pytest.approx(2.5e-5) and float(up[0]) < float(up[1])


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_standalone_sampler_inverts_with_a_deterministic_one(name):
    inverse = inversion_sampler_name(name)
    assert inverse in SAMPLERS and not SAMPLERS[inverse].stochastic
    if SAMPLERS[name].stochastic or SAMPLERS[name].discard_penultimate:
        assert inverse == "euler"
    assert (inverse == name) == (name in SELF_INVERTING)


def test_names_the_standalone_engine_lacks_still_get_an_answer():
    assert inversion_sampler_name("deis") == "deis"
    assert inversion_sampler_name("dpmpp_2m_sde_gpu") == "euler"
