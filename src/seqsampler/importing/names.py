"""Sampler and scheduler names: A1111 / Deforum spellings -> ComfyUI's (seqsampler's registry).

A1111 names a sampler and, before v1.9, its sigma schedule in one string ("DPM++ 2M Karras");
v1.9 and later write the schedule in a separate `scheduler` setting ("Karras", "Automatic").
The Deforum notebook (deforum-stable-diffusion) used k-diffusion's function names ("klms",
"dpmpp_2s_a"). Without a Karras / Exponential suffix A1111 and the notebook use the model's own
discrete sigmas (k-diffusion `get_sigmas`), ComfyUI's `normal`; DDIM uses DDIM's uniform
timesteps, ComfyUI's `ddim_uniform`. Every target is checked against
`seqsampler.planning.SAMPLER_NAMES` / `SCHEDULER_NAMES` by the tests.
"""

from __future__ import annotations

# A1111 base sampler name (lower case, without a schedule suffix) -> ComfyUI sampler_name.
A1111_SAMPLERS: dict[str, str] = {
    "euler a": "euler_ancestral",
    "euler": "euler",
    "lms": "lms",
    "heun": "heun",
    "dpm2": "dpm_2",
    "dpm2 a": "dpm_2_ancestral",
    "dpm++ 2s a": "dpmpp_2s_ancestral",
    "dpm++ 2m": "dpmpp_2m",
    "dpm++ sde": "dpmpp_sde",
    "dpm++ 2m sde": "dpmpp_2m_sde",
    "dpm++ 2m sde heun": "dpmpp_2m_sde_heun",
    "dpm++ 3m sde": "dpmpp_3m_sde",
    "dpm fast": "dpm_fast",
    "dpm adaptive": "dpm_adaptive",
    "ddim": "ddim",
    "ddpm": "ddpm",
    "unipc": "uni_pc",
    "lcm": "lcm",
}
# The Deforum notebook's k-diffusion names -> ComfyUI sampler_name.
NOTEBOOK_SAMPLERS: dict[str, str] = {
    "klms": "lms",
    "dpm2": "dpm_2",
    "dpm2_ancestral": "dpm_2_ancestral",
    "heun": "heun",
    "euler": "euler",
    "euler_ancestral": "euler_ancestral",
    "ddim": "ddim",
    "dpm_fast": "dpm_fast",
    "dpm_adaptive": "dpm_adaptive",
    "dpmpp_2s_a": "dpmpp_2s_ancestral",
    "dpmpp_2m": "dpmpp_2m",
}
# A1111's sampler-name suffixes and its `scheduler` setting (v1.9+) -> ComfyUI scheduler; None:
# "Automatic", the sampler's own default.
SCHEDULE_SUFFIXES: dict[str, str] = {"karras": "karras", "exponential": "exponential"}
A1111_SCHEDULERS: dict[str, str | None] = {
    "automatic": None,
    "uniform": "normal",
    "normal": "normal",
    "karras": "karras",
    "exponential": "exponential",
    "sgm uniform": "sgm_uniform",
    "kl optimal": "kl_optimal",
    "simple": "simple",
    "ddim": "ddim_uniform",
    "beta": "beta",
}
# Names with no ComfyUI equivalent in seqsampler's registry (reported as not carried).
NO_EQUIVALENT = ("plms", "restart", "ddim cfg++", "polyexponential", "align your steps")


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def default_scheduler(sampler: str) -> str:
    """The schedule a sampler runs with when none is named: DDIM's uniform timesteps for DDIM,
    the model's discrete sigmas (`normal`) for the others."""
    return "ddim_uniform" if sampler == "ddim" else "normal"


def sampler_and_scheduler(name: str) -> tuple[str, str] | None:
    """(sampler_name, scheduler) for an A1111 or Deforum-notebook sampler name, or None."""
    if name in NOTEBOOK_SAMPLERS:
        return NOTEBOOK_SAMPLERS[name], default_scheduler(NOTEBOOK_SAMPLERS[name])
    key = _key(name)
    scheduler: str | None = None
    for suffix, target in SCHEDULE_SUFFIXES.items():
        if key.endswith(" " + suffix):
            key, scheduler = key[: -len(suffix) - 1], target
            break
    sampler = A1111_SAMPLERS.get(key)
    if sampler is None:
        return None
    return sampler, scheduler or default_scheduler(sampler)


def a1111_scheduler(label: str) -> tuple[bool, str | None]:
    """(known, scheduler) for A1111's `scheduler` setting: (True, None) for "Automatic"."""
    key = _key(label)
    if key not in A1111_SCHEDULERS:
        return False, None
    return True, A1111_SCHEDULERS[key]
