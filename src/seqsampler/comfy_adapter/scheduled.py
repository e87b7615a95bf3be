"""`SeqSamplerScheduled` and `SeqSamplerPlanPreview`: the ComfyUI glue of the sequence driven by
schedule strings (the inputs and the planning are `scheduled_plan.py`, pure logic).

ComfyUI's modules are imported inside the functions that need them (its live sampler and
scheduler lists, its tensors), so this module imports outside ComfyUI.
"""

from __future__ import annotations

import inspect
from typing import Any

from ..chart import plan_chart_image
from ..planning.fields import CFG_MODE
from .scheduled_plan import VALIDATED, plan_text, scheduled_plan, validate


def validate_schedules(cls: Any, **inputs: Any) -> bool:
    """Queue-time check (ComfyUI passes the inputs named in VALIDATED; linked ones are absent):
    True, or a ValueError whose message names the input.

    It raises rather than returns the message: ComfyUI (execution.validate_inputs) repeats a
    returned message once per argument of the validator, 29 times here, while an exception is
    reported once, on this node ("Exception when validating [inner] node: <message>").
    """
    del cls
    problem = validate(**{name: inputs.get(name) for name in VALIDATED})
    if problem is not True:
        raise ValueError(problem)
    return True


# ComfyUI passes a validator the inputs its signature names (inspect.getfullargspec, which reads
# __signature__) and skips its own range checks for exactly those: the signature is VALIDATED
# (a plain **inputs would be passed every input and turn off every range check).
validate_schedules.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("cls", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        *(
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
            for name in VALIDATED
        ),
    ]
)


def v1_input_types(
    specs: tuple[tuple[str, Any, dict[str, Any]], ...],
    optional: tuple[tuple[str, Any, dict[str, Any]], ...] = (),
) -> dict[str, Any]:
    """The classic INPUT_TYPES dict of `specs` (ComfyUI's live sampler / scheduler lists), and
    the `optional` inputs (links, and widgets saved workflows lack) when there are some."""
    lists = live_lists()
    out: dict[str, Any] = {
        "required": {
            name: (kind if isinstance(kind, list) else lists.get(kind, kind), dict(options))
            for name, kind, options in specs
        }
    }
    if optional:
        out["optional"] = {
            name: (kind if isinstance(kind, list) else lists.get(kind, kind), dict(options))
            for name, kind, options in optional
        }
    return out


def live_lists() -> dict[str, list[str]]:
    import comfy.samplers

    return {
        "SAMPLERS": list(comfy.samplers.KSampler.SAMPLERS),
        "SCHEDULERS": list(comfy.samplers.KSampler.SCHEDULERS),
    }


def _encode(clip: Any, text: str) -> list[Any]:
    encoded = clip.encode_from_tokens_scheduled(clip.tokenize(text))
    return [encoded[0][0], dict(encoded[0][1])]


def run_scheduled(
    model: Any,
    clip: Any,
    latent_image: Any,
    guide_images: Any = None,
    guide_latent: Any = None,
    vae: Any = None,
    **widgets: Any,
) -> dict[str, Any]:
    """Plan from the schedules, encode the prompts with `clip`, run on ComfyUI's sampling;
    with a guide video, every frame follows its guide frame (`video_guide`)."""
    from .camera_stage import cadence_frames, camera_stage
    from .convert import conditioning_list, latent_samples, output_latent
    from .runner import run_node
    from .video_guide import check_vae, guide_of, guide_pixels, guide_stage

    lists = live_lists()
    result = scheduled_plan(
        accepted_samplers=lists["SAMPLERS"],
        accepted_schedulers=lists["SCHEDULERS"],
        guide=guide_of(guide_images, guide_latent),
        vae_connected=vae is not None,
        **widgets,
    )
    if clip is None:
        raise ValueError(
            "clip is None; the checkpoint has no text encoder, connect a CLIP (for example "
            "from a CLIP loader)"
        )
    samples = latent_samples(latent_image)
    if vae is not None:
        check_vae(vae, model)
    video = guide_stage(result.plan, samples, vae, guide_images, guide_latent)
    pixels = guide_pixels(result.plan, video, vae, guide_latent)
    camera = camera_stage(result.plan, samples, vae, latent_image.get("batch_index"), pixels)
    between = cadence_frames(result.plan, samples, vae)
    positive = conditioning_list(
        [_encode(clip, text) for text in result.prompts], "prompt_schedule"
    )
    negative = conditioning_list([_encode(clip, result.negative)], "negative_prompt")
    cfg_mode = widgets.get("cfg_mode", CFG_MODE.default)
    frames = run_node(
        model, result.plan, positive, negative, latent_image, samples, video, *camera, cfg_mode,
        between,
    )  # fmt: skip
    return output_latent(latent_image, frames)


def preview_image(**widgets: Any) -> tuple[Any, str]:
    """The chart as an IMAGE tensor [1, H, W, 3] in 0..1, and the plan text."""
    import numpy as np
    import torch

    lists = live_lists()
    result = scheduled_plan(
        accepted_samplers=lists["SAMPLERS"], accepted_schedulers=lists["SCHEDULERS"], **widgets
    )
    image = plan_chart_image(result.plan, result.prompts)
    pixels = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0)
    return pixels.unsqueeze(0), plan_text(result)
