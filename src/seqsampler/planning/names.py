"""The option lists of the node's combo inputs (pure data, no ComfyUI import).

`SAMPLER_NAMES` and `SCHEDULER_NAMES` are ComfyUI's `KSampler.SAMPLERS` / `KSampler.SCHEDULERS`
(ComfyUI 0.3.6x): the names a saved workflow can hold. Whether an engine implements a name is
the engine's check; the config rejects names outside the lists it is given (a host passes
its live lists, which custom nodes extend: `SequenceConfig(..., accepted_samplers=...)`).
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
# How a plain frame realises denoise d with S steps (planner.py): ComfyUI's KSampler (S model
# steps over the tail of an int(S / d)-step schedule) or A1111 / Deforum's step count (S - k
# model steps, k = round((1 - d) S), from sigma_k of the S-step schedule).
DENOISE_MODES: tuple[str, ...] = ("comfyui", "steps")
DEFAULT_DENOISE_MODE = DENOISE_MODES[0]  # ComfyUI's KSampler meaning (the node's)
# Guidance per sampling pass (models.denoiser.cfg_model): "full" as ComfyUI, "once" uncond on the
# first step only.
CFG_MODES: tuple[str, ...] = ("full", "once")
COLOR_COHERENCE_MODES: tuple[str, ...] = ("none", "rgb", "hsv", "lab", "latent")
COLOR_ANCHORS: tuple[str, ...] = ("first", "keyframe")
# Camera motion (docs/behaviour.md §13): what a warp shows where the source is out of frame
# (OpenCV's BORDER_REPLICATE, BORDER_REFLECT_101, BORDER_WRAP, BORDER_CONSTANT 0), and where it
# warps (the decoded pixels, or the latent directly).
MOTION_BORDERS: tuple[str, ...] = ("replicate", "reflect", "wrap", "zeros")
MOTION_SPACES: tuple[str, ...] = ("pixel", "latent")
# Video input (docs/behaviour.md §14): how a later frame's input is made from the input video
# (the previous output carried along the video's optical flow, or the input frame alone), and
# what colour coherence matches to (an anchor frame's output, or each frame's input frame).
VIDEO_MODES: tuple[str, ...] = ("hybrid", "independent")
COLOR_SOURCES: tuple[str, ...] = ("frame", "video")

SEED_LIMIT = 2**64  # seeds are ints in [0, 2**64), as ComfyUI's seed widgets take

# The subset of those names the standalone engine (`seqsampler.sampling`) implements, in its
# registry's order: checking a spec's names needs no torch (tests/sampling keeps them equal).
ENGINE_SAMPLERS: tuple[str, ...] = (
    "euler", "ddim", "euler_ancestral", "heun", "dpm_2", "dpm_2_ancestral", "lms", "ddpm", "lcm",
    "dpmpp_2m", "dpmpp_2s_ancestral", "dpmpp_sde", "dpmpp_2m_sde", "dpmpp_3m_sde", "uni_pc",
    "uni_pc_bh2",
)  # fmt: skip
ENGINE_SCHEDULERS: tuple[str, ...] = (
    "normal", "sgm_uniform", "karras", "exponential", "simple", "ddim_uniform", "beta",
    "linear_quadratic", "kl_optimal",
)  # fmt: skip
