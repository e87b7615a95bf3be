"""`plan(config) -> Plan`: what every frame of a sequence does, decided before any model work.

Pure Python (no torch). The rules are behaviour.md §1-§8; the decisions where it is silent are
in docs/planner.md. Per frame the plan says which prompts, how the conditioning glides, the
seed, the denoise, the path and exactly which sampler calls the frame sampler gets:

- `plain`: `sample(x, add_noise=True, denoise=d, start_step=0)` (ComfyUI's KSampler with
  denoise `d`: `steps` model steps, so `sample_steps = steps`). `start_step` is reported as
  round((1 - d) * steps) for information only; it is not passed on this path.
- `unsample`: `unsample(x, start_step=k)` then `sample(x, add_noise=False, denoise=1.0,
  start_step=k)`: `unsample_steps = sample_steps = steps - k` (§7).
- `plain` with `denoise_mode="steps"` (A1111 / Deforum): `sample(x, add_noise=True, denoise=1.0,
  start_step=k)`: `sample_steps = steps - k` model steps from sigma_k of the `steps`-step
  schedule (k = round((1 - d) * steps)); a frame whose k reaches `steps` is a copy. The frame
  chain tells the two apart by `sample_steps < steps` on a plain frame (never so in "comfyui").
- `copy`: denoise <= 0 (or an unsample frame with k >= steps): the frame is its input
  unchanged; no model work and no injected noise.
"""

from __future__ import annotations

from .cadence import with_cadence
from .config import SequenceConfig
from .curves import frame_denoise, start_step
from .keyframes import effective_keyframes, prompt_index, spread_keyframes
from .motion import with_motion
from .names import DEFAULT_DENOISE_MODE
from .plan_data import FramePlan, LatentInterp, Plan, check_denoise_mode
from .seeds import frame_seed, inject_seed
from .temporal import with_color, with_loop
from .video import with_video


def plan(config: SequenceConfig, *, denoise_mode: str = DEFAULT_DENOISE_MODE) -> Plan:
    """The plan of every frame of `config` (behaviour.md §1-§8, docs/quality.md for colour
    coherence and loops).

    denoise_mode: "comfyui" (default: a plain frame runs `steps` model steps, KSampler's
    denoise) or "steps" (a plain frame runs `steps - k` model steps, A1111 / Deforum's
    img2img; see the module docstring). Not a node input: the node keeps ComfyUI's meaning.
    """
    if not isinstance(config, SequenceConfig):
        raise ValueError(
            f"config must be a seqsampler SequenceConfig (build one with SequenceConfig(...)); "
            f"got {type(config).__name__}"
        )
    check_denoise_mode(denoise_mode)
    frames = config.frame_total
    keyframes = _keyframes(config, frames)
    planned = [_frame_plan(config, i, frames, keyframes, denoise_mode) for i in range(frames)]
    planned = with_loop(config, planned)
    planned = with_color(config, planned)
    planned = with_video(config, planned)
    planned = with_motion(config, planned)
    planned = with_cadence(config.cadence, planned, keyframes)
    return Plan(config, frames, keyframes, tuple(planned), denoise_mode)


def _keyframes(config: SequenceConfig, frames: int) -> tuple[int, ...]:
    """Given keyframes in range, else the even spread of the prompts (§2)."""
    given = effective_keyframes(config.cond_keyframes, frames)
    if given or config.positive_count == 1:
        return given
    return spread_keyframes(config.positive_count, frames)


def _is_modulo_key_frame(config: SequenceConfig, index: int) -> bool:
    return (
        config.seed_keying
        and config.seed_keying_mode == "modulo"
        and index % config.seed_divisor == 0
    )


def _path(
    config: SequenceConfig, index: int, denoise: float, steps: int, mode: str
) -> tuple[str, int, int, int]:
    """(path, start_step, sample_steps, unsample_steps) of a frame (§5, §7; `mode` as `plan`)."""
    k = start_step(denoise, steps)
    if denoise <= 0:
        return "copy", k, 0, 0
    if index > 0 and config.unsample_latents and not _is_modulo_key_frame(config, index):
        if k >= steps:
            return "copy", k, 0, 0
        return "unsample", k, steps - k, steps - k
    if mode == "steps":
        if k >= steps:
            return "copy", k, 0, 0
        return "plain", k, steps - k, 0
    return "plain", k, steps, 0


def _frame_plan(
    config: SequenceConfig,
    index: int,
    frames: int,
    keyframes: tuple[int, ...],
    denoise_mode: str,
) -> FramePlan:
    steps = config.frame_value("steps", index, config.steps)
    seed = config.frame_value("seed", index, frame_seed(
        config.seed, index, mode=config.seed_mode_seq, keying=config.seed_keying,
        keying_mode=config.seed_keying_mode, divisor=config.seed_divisor,
    ))  # fmt: skip
    denoise = config.frame_value("denoise", index, frame_denoise(
        index, frames, start=config.denoise_start, seq=config.denoise_seq,
        sine=config.denoise_sine, high=config.denoise_max,
    ))  # fmt: skip
    path, k, sample_steps, unsample_steps = _path(config, index, denoise, steps, denoise_mode)
    inject = config.inject_noise and index > 0 and path != "copy"
    glide = None
    if config.use_conditioning_slerp and index > 0:
        glide = config.frame_value("cond_slerp_strength", index, config.cond_slerp_strength)
    interp = None
    if config.use_latent_interpolation and index > 0:
        strength = config.frame_value(
            "latent_interp_strength", index, config.latent_interp_strength
        )
        interp = LatentInterp(config.latent_interpolation_mode, strength)
    return FramePlan(
        frame=index,
        seed=seed,
        denoise=denoise,
        start_step=k,
        path=path,
        positive=prompt_index(index, keyframes, config.positive_count),
        negative=prompt_index(index, keyframes, config.negative_count),
        glide=glide,
        inject_noise_seed=inject_seed(seed, index) if inject else None,
        noise_strength=config.frame_value("noise_strength", index, config.noise_strength)
        if inject
        else None,
        steps=steps,
        cfg=config.frame_value("cfg", index, config.cfg),
        interp=interp,
        sample_steps=sample_steps,
        unsample_steps=unsample_steps,
    )
