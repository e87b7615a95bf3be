"""A1111 and Deforum-notebook sampler names -> ComfyUI sampler_name and scheduler, name by name;
every target is in seqsampler's registry (planning/names.py)."""

from __future__ import annotations

import pytest

from seqsampler.importing.names import (
    A1111_SAMPLERS,
    A1111_SCHEDULERS,
    NO_EQUIVALENT,
    NOTEBOOK_SAMPLERS,
    a1111_scheduler,
    sampler_and_scheduler,
)
from seqsampler.planning import SAMPLER_NAMES, SCHEDULER_NAMES

# A1111's sampler names (v1.0 - v1.10 spellings, schedule suffixes included) and the Deforum
# notebook's, with what each must become.
EXPECTED = {
    "Euler a": ("euler_ancestral", "normal"),
    "Euler": ("euler", "normal"),
    "LMS": ("lms", "normal"),
    "LMS Karras": ("lms", "karras"),
    "Heun": ("heun", "normal"),
    "DPM2": ("dpm_2", "normal"),
    "DPM2 a": ("dpm_2_ancestral", "normal"),
    "DPM2 Karras": ("dpm_2", "karras"),
    "DPM2 a Karras": ("dpm_2_ancestral", "karras"),
    "DPM++ 2S a": ("dpmpp_2s_ancestral", "normal"),
    "DPM++ 2S a Karras": ("dpmpp_2s_ancestral", "karras"),
    "DPM++ 2M": ("dpmpp_2m", "normal"),
    "DPM++ 2M Karras": ("dpmpp_2m", "karras"),
    "DPM++ SDE": ("dpmpp_sde", "normal"),
    "DPM++ SDE Karras": ("dpmpp_sde", "karras"),
    "DPM++ 2M SDE": ("dpmpp_2m_sde", "normal"),
    "DPM++ 2M SDE Karras": ("dpmpp_2m_sde", "karras"),
    "DPM++ 2M SDE Exponential": ("dpmpp_2m_sde", "exponential"),
    "DPM++ 2M SDE Heun": ("dpmpp_2m_sde_heun", "normal"),
    "DPM++ 2M SDE Heun Karras": ("dpmpp_2m_sde_heun", "karras"),
    "DPM++ 2M SDE Heun Exponential": ("dpmpp_2m_sde_heun", "exponential"),
    "DPM++ 3M SDE": ("dpmpp_3m_sde", "normal"),
    "DPM++ 3M SDE Karras": ("dpmpp_3m_sde", "karras"),
    "DPM++ 3M SDE Exponential": ("dpmpp_3m_sde", "exponential"),
    "DPM fast": ("dpm_fast", "normal"),
    "DPM adaptive": ("dpm_adaptive", "normal"),
    "DDIM": ("ddim", "ddim_uniform"),
    "DDPM": ("ddpm", "normal"),
    "UniPC": ("uni_pc", "normal"),
    "LCM": ("lcm", "normal"),
    "klms": ("lms", "normal"),
    "dpm2": ("dpm_2", "normal"),
    "dpm2_ancestral": ("dpm_2_ancestral", "normal"),
    "heun": ("heun", "normal"),
    "euler": ("euler", "normal"),
    "euler_ancestral": ("euler_ancestral", "normal"),
    "ddim": ("ddim", "ddim_uniform"),
    "dpm_fast": ("dpm_fast", "normal"),
    "dpm_adaptive": ("dpm_adaptive", "normal"),
    "dpmpp_2s_a": ("dpmpp_2s_ancestral", "normal"),
    "dpmpp_2m": ("dpmpp_2m", "normal"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sampler_name(name):
    sampler, scheduler = EXPECTED[name]
    assert sampler_and_scheduler(name) == (sampler, scheduler)
    assert sampler in SAMPLER_NAMES and scheduler in SCHEDULER_NAMES


def test_the_table_is_covered_and_every_target_is_registered():
    bases = {n.lower() for n in EXPECTED if not n.endswith(("Karras", "Exponential"))}
    assert set(A1111_SAMPLERS) <= bases  # every base name of the table is tested above
    assert set(NOTEBOOK_SAMPLERS) <= set(EXPECTED)
    assert set(A1111_SAMPLERS.values()) | set(NOTEBOOK_SAMPLERS.values()) <= set(SAMPLER_NAMES)
    assert {v for v in A1111_SCHEDULERS.values() if v} <= set(SCHEDULER_NAMES)


@pytest.mark.parametrize("name", ["PLMS", "plms", "Restart", "DDIM CFG++", "Euler Karras x", ""])
def test_names_without_an_equivalent(name):
    assert sampler_and_scheduler(name) is None


def test_the_names_said_to_have_no_equivalent_have_none():
    for name in NO_EQUIVALENT:
        assert sampler_and_scheduler(name) is None and a1111_scheduler(name)[1] is None


def test_spelling_is_forgiven_but_not_guessed():
    assert sampler_and_scheduler("  dpm++  2m   karras ") == ("dpmpp_2m", "karras")
    assert sampler_and_scheduler("DPM++ 2M Turbo") is None


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Automatic", (True, None)),
        ("Karras", (True, "karras")),
        ("Exponential", (True, "exponential")),
        ("SGM Uniform", (True, "sgm_uniform")),
        ("KL Optimal", (True, "kl_optimal")),
        ("Uniform", (True, "normal")),
        ("Simple", (True, "simple")),
        ("Beta", (True, "beta")),
        ("DDIM", (True, "ddim_uniform")),
        ("Align Your Steps", (False, None)),
        ("Polyexponential", (False, None)),
    ],
)
def test_a1111_scheduler_setting(label, expected):
    assert a1111_scheduler(label) == expected
