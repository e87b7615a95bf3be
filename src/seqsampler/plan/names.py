"""The option lists of the node's combo inputs (pure data, no ComfyUI import).

`SAMPLER_NAMES` and `SCHEDULER_NAMES` are ComfyUI's `KSampler.SAMPLERS` / `KSampler.SCHEDULERS`
(ComfyUI 0.3.6x): the names a saved workflow can hold. Whether an engine implements a name is
the engine's check; the config only rejects names no ComfyUI knows.
"""

from __future__ import annotations

SAMPLER_NAMES: tuple[str, ...] = (
    "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2",
    "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral",
    "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp",
    "dpmpp_2m_sde", "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu",
    "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm", "lcm", "ipndm", "ipndm_v", "deis",
    "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
    "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp",
    "er_sde", "seeds_2", "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc",
    "uni_pc_bh2",
)  # fmt: skip

SCHEDULER_NAMES: tuple[str, ...] = (
    "simple", "sgm_uniform", "karras", "exponential", "ddim_uniform", "beta", "normal",
    "linear_quadratic", "kl_optimal",
)  # fmt: skip

SEED_MODES: tuple[str, ...] = ("increment", "decrement", "random", "fixed")
LATENT_INTERP_MODES: tuple[str, ...] = ("Blend", "Slerp", "Cosine Interp")
SEED_KEYING_MODES: tuple[str, ...] = ("sine", "modulo")
PATHS: tuple[str, ...] = ("plain", "unsample", "copy")

# Names a host adds at run time (ComfyUI custom nodes extend KSampler.SAMPLERS / SCHEDULERS).
_EXTRA_SAMPLERS: set[str] = set()
_EXTRA_SCHEDULERS: set[str] = set()


def register_names(samplers: tuple[str, ...] = (), schedulers: tuple[str, ...] = ()) -> None:
    """Accept more sampler / scheduler names (the ComfyUI adapter passes ComfyUI's live lists,
    which custom nodes extend). Idempotent; names are only ever added."""
    _EXTRA_SAMPLERS.update(str(name) for name in samplers)
    _EXTRA_SCHEDULERS.update(str(name) for name in schedulers)


def sampler_names() -> tuple[str, ...]:
    """Every accepted sampler name: ComfyUI's built-ins, then the registered ones."""
    return SAMPLER_NAMES + tuple(sorted(_EXTRA_SAMPLERS - set(SAMPLER_NAMES)))


def scheduler_names() -> tuple[str, ...]:
    """Every accepted scheduler name: ComfyUI's built-ins, then the registered ones."""
    return SCHEDULER_NAMES + tuple(sorted(_EXTRA_SCHEDULERS - set(SCHEDULER_NAMES)))
