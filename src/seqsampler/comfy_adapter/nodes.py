"""The ComfyUI nodes: `KSamplerSeq2` and `CLIPTextEncodeSequence2` (classic INPUT_TYPES API).

The published node's interface is frozen (behaviour.md §0): input ids, order, types and
defaults are the seed's. The nodes only convert data and delegate: the sampler builds a
`SequenceConfig`, plans, and runs the shared `run_sequence` with a `ComfyFrameSampler`.
ComfyUI modules are imported inside the methods, so this module imports outside ComfyUI.
"""

from __future__ import annotations

import logging
from typing import Any

from ..planning import (
    FIELD_HELP,
    SequenceConfig,
    plan,
)
from ..planning.fields import CFG_MODE, MAX_FRAMES
from ..planning.keyframe_curves import KEYFRAME_TYPES, parse_prompt_lines, sequence_keyframes
from . import scheduled, scheduled_plan, v3
from .convert import conditioning_list, latent_samples, output_latent
from .temporal import OPTIONAL_WIDGETS, optional_inputs
from .widgets import widget

logger = logging.getLogger(__name__)

TOKEN_NORMALIZATIONS = ["none", "mean", "length", "length+mean"]
WEIGHT_INTERPRETATIONS = ["comfy", "A1111", "compel", "comfy++"]
DEFAULT_PROMPTS = (
    "A portrait of a rosebud\n"
    "A portrait of a blooming rosebud\n"
    "A portrait of a blooming rose\n"
    "A portrait of a rose"
)
ADVANCED_ENCODER = "BNK_CLIPTextEncodeAdvanced"

# The config fields that are node widgets, in the node's order (model and the tensors aside).
WIDGETS = (
    "seed", "seed_mode_seq", "alternate_values", "steps", "cfg", "sampler_name", "scheduler",
    "frame_count", "cond_keyframes", "use_conditioning_slerp", "cond_slerp_strength",
    "use_latent_interpolation", "latent_interpolation_mode", "latent_interp_strength",
    "denoise_start", "denoise_seq", "unsample_latents", "inject_noise", "noise_strength",
    "denoise_sine", "denoise_max", "seed_keying", "seed_keying_mode", "seed_divisor",
)  # fmt: skip


def _tip(name: str, **options: Any) -> dict[str, Any]:
    return {**options, "tooltip": FIELD_HELP[name]}


def _comfy_lists() -> tuple[list[str], list[str]]:
    import comfy.samplers

    return list(comfy.samplers.KSampler.SAMPLERS), list(comfy.samplers.KSampler.SCHEDULERS)


class KSamplerSeq2:
    """KSampler Sequence (v2): a keyframed img2img chain, one frame after another."""

    RETURN_TYPES = ("LATENT",)
    OUTPUT_TOOLTIPS = ("All frames as one batch, frame-major (frame 0's items first).",)
    FUNCTION = "sample"
    CATEGORY = "sampling"
    DESCRIPTION = (
        "Samples a sequence of frames: each frame is img2img of the previous one, with "
        "keyframed prompts, per-frame seeds and denoise, optional unsampling, injected noise, "
        "conditioning glides and latent smoothing. Output: all frames as one batch."
    )

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        samplers, schedulers = _comfy_lists()
        return {
            "required": {
                "model": ("MODEL", {"tooltip": "The model used for every frame (LoRAs and patches kept)."}),
                "seed": widget("seed", control_after_generate=True),
                "seed_mode_seq": widget("seed_mode_seq"),
                "alternate_values": widget("alternate_values"),
                "steps": widget("steps"),
                "cfg": widget("cfg", step=0.5, round=0.01),
                "sampler_name": (samplers, _tip("sampler_name")),
                "scheduler": (schedulers, _tip("scheduler")),
                "frame_count": widget("frame_count", step=1),
                "cond_keyframes": ("INT", _tip("cond_keyframes", default=0, min=0, max=MAX_FRAMES, step=1)),
                "positive_seq": ("CONDITIONING", {"tooltip": "Positive prompts, one conditioning entry per prompt (CLIP Text Encode Sequence (v2), or a combined CONDITIONING)."}),
                "negative_seq": ("CONDITIONING", {"tooltip": "Negative prompts, one entry per prompt; switches on the same keyframes, the last one held."}),
                "use_conditioning_slerp": widget("use_conditioning_slerp"),
                "cond_slerp_strength": widget("cond_slerp_strength", step=0.001),
                "latent_image": ("LATENT", {"tooltip": "The latent of frame 0 (empty for text-to-image); its noise_mask applies to every frame."}),
                "use_latent_interpolation": widget("use_latent_interpolation"),
                "latent_interpolation_mode": widget("latent_interpolation_mode"),
                "latent_interp_strength": widget("latent_interp_strength", step=0.001),
                "denoise_start": widget("denoise_start", step=0.01),
                "denoise_seq": widget("denoise_seq", step=0.01),
                "unsample_latents": widget("unsample_latents"),
                "inject_noise": widget("inject_noise"),
                "noise_strength": widget("noise_strength", step=0.001),
                "denoise_sine": widget("denoise_sine"),
                "denoise_max": widget("denoise_max", step=0.001),
                "seed_keying": widget("seed_keying"),
                "seed_keying_mode": widget("seed_keying_mode"),
                "seed_divisor": widget("seed_divisor", step=1),
            },
            # appended after the 28 frozen inputs (§0); cfg_mode is the frame sampler's
            "optional": {**optional_inputs(), "cfg_mode": widget("cfg_mode")},
        }  # fmt: skip

    def sample(
        self,
        model: Any,
        positive_seq: Any,
        negative_seq: Any,
        latent_image: Any,
        alternate_mode: bool = False,
        **widgets: Any,
    ) -> tuple[dict[str, Any]]:
        """Plan the sequence, run it on ComfyUI's sampling, return all frames as one LATENT."""
        from .runner import run_node

        del alternate_mode  # Accepted like the published node's keyword; never used.
        unknown = sorted(set(widgets) - {*WIDGETS, *OPTIONAL_WIDGETS, "cfg_mode"})
        if unknown:
            raise ValueError(
                f"unknown input(s) {', '.join(unknown)}; accepted: "
                f"{', '.join((*WIDGETS, *OPTIONAL_WIDGETS, 'cfg_mode'))}"
            )
        cfg_mode = widgets.pop("cfg_mode", CFG_MODE.default)  # checked by the frame sampler
        positive = conditioning_list(positive_seq, "positive_seq")
        negative = conditioning_list(negative_seq, "negative_seq")
        samples = latent_samples(latent_image)
        samplers, schedulers = _comfy_lists()  # live: other packs extend ComfyUI's lists
        config = SequenceConfig(
            **widgets,
            positive_count=len(positive),
            negative_count=len(negative),
            accepted_samplers=samplers,
            accepted_schedulers=schedulers,
        )
        sequence_plan = plan(config)
        frames = run_node(
            model, sequence_plan, positive, negative, latent_image, samples, cfg_mode=cfg_mode
        )
        return (output_latent(latent_image, frames),)


class CLIPTextEncodeSequence2:
    """CLIP Text Encode Sequence (v2): one prompt per line, keyframes spaced by a curve."""

    RETURN_TYPES = ("CONDITIONING", "INT", "INT")
    RETURN_NAMES = ("conditioning_sequence", "cond_keyframes", "frame_count")
    OUTPUT_TOOLTIPS = (
        "One conditioning entry per prompt line, for positive_seq / negative_seq.",
        "The frames where the next prompt starts (a list of ints), for cond_keyframes.",
        "The frame count, for the sampler's frame_count.",
    )
    FUNCTION = "encode"
    CATEGORY = "conditioning"
    DESCRIPTION = "Encodes one prompt per line and spaces their start frames by a curve."

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        advanced = f"Used when {ADVANCED_ENCODER} (ComfyUI_ADV_CLIP_emb) is installed; otherwise ComfyUI's own encoding applies and this has no effect."
        return {
            "required": {
                "clip": ("CLIP", {"tooltip": "The CLIP model that encodes every prompt."}),
                "token_normalization": (TOKEN_NORMALIZATIONS, {"tooltip": "Token weight normalization. " + advanced}),
                "weight_interpretation": (WEIGHT_INTERPRETATIONS, {"tooltip": "How (word:1.2) weights are read. " + advanced}),
                "cond_keyframes_type": (list(KEYFRAME_TYPES), {"tooltip": "How the prompts' start frames are spaced: linear (equal), sinus (short ends, long middle), sinus_inverted (long ends, short middle), half_sinus (long first, then shorter), half_sinus_inverted (short first, then longer)."}),
                "frame_count": ("INT", {"default": 100, "min": 1, "max": 1024, "step": 1, "tooltip": "Frames of the sequence; passed on to the sampler's frame_count."}),
                "text": ("STRING", {"multiline": True, "default": DEFAULT_PROMPTS, "tooltip": "One prompt per line (blank lines skipped). 'N:prompt' starts that prompt at frame N."}),
            }
        }  # fmt: skip

    def encode(
        self,
        clip: Any,
        token_normalization: str,
        weight_interpretation: str,
        cond_keyframes_type: str,
        frame_count: int,
        text: str,
    ) -> tuple[list[Any], list[int], int]:
        """Encode each prompt line; compute the keyframes; pass the frame count through."""
        if clip is None:
            raise ValueError(
                "clip is None; the checkpoint has no text encoder, connect a CLIP (for "
                "example from a CLIP loader)"
            )
        prompts = parse_prompt_lines(text)
        keyframes = sequence_keyframes(
            cond_keyframes_type, frame_count, [start for start, _ in prompts]
        )
        if prompts[0][0] not in (None, 0):
            logger.info(
                "CLIPTextEncodeSequence2: the first prompt is shown from frame 0 (its line "
                "said %d)",
                prompts[0][0],
            )
        conditioning = [
            _encode(clip, prompt, token_normalization, weight_interpretation)
            for _, prompt in prompts
        ]
        return (conditioning, keyframes, frame_count)


def _encode(clip: Any, prompt: str, token_normalization: str, weight_interpretation: str) -> Any:
    """One prompt's first conditioning entry `[tokens, extras]`."""
    import nodes

    advanced = nodes.NODE_CLASS_MAPPINGS.get(ADVANCED_ENCODER)
    if advanced is not None:
        encoded = advanced().encode(clip, prompt, token_normalization, weight_interpretation)[0]
    else:
        encoded = clip.encode_from_tokens_scheduled(clip.tokenize(prompt))
    tokens, extras = encoded[0][0], encoded[0][1]
    return [tokens, dict(extras)]


class SeqSamplerScheduled:
    """The sequence sampler driven by schedule strings (classic API; see v3.py)."""

    RETURN_TYPES = ("LATENT",)
    OUTPUT_TOOLTIPS = ("All frames as one batch, frame-major.",)
    FUNCTION = "sample"
    CATEGORY = "sampling"
    DESCRIPTION = scheduled_plan.SCHEDULED_DESCRIPTION
    VALIDATE_INPUTS = classmethod(scheduled.validate_schedules)

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return scheduled.v1_input_types(
            scheduled_plan.SCHEDULED_INPUTS, scheduled_plan.OPTIONAL_INPUTS
        )

    def sample(self, model: Any, clip: Any, latent_image: Any, **widgets: Any) -> tuple[Any]:
        return (scheduled.run_scheduled(model, clip, latent_image, **widgets),)


class SeqSamplerPlanPreview:
    """The plan of a scheduled run as a chart IMAGE and a STRING; runs no model."""

    RETURN_TYPES = ("IMAGE", "STRING")
    RETURN_NAMES = ("chart", "plan")
    OUTPUT_TOOLTIPS = scheduled_plan.PREVIEW_TOOLTIPS
    FUNCTION = "preview"
    CATEGORY = "sampling"
    DESCRIPTION = scheduled_plan.PREVIEW_DESCRIPTION
    VALIDATE_INPUTS = classmethod(scheduled.validate_schedules)

    @classmethod
    def INPUT_TYPES(cls) -> dict[str, Any]:
        return scheduled.v1_input_types(
            scheduled_plan.PREVIEW_INPUTS, scheduled_plan.PREVIEW_OPTIONAL
        )

    def preview(self, **widgets: Any) -> tuple[Any, str]:
        return scheduled.preview_image(**widgets)


NODE_DISPLAY_NAME_MAPPINGS = {
    "KSamplerSeq2": "KSampler Sequence (v2)",
    "CLIPTextEncodeSequence2": "CLIP Text Encode Sequence (v2)",
    "SeqSamplerScheduled": "KSampler Sequence (scheduled)",
    "SeqSamplerPlanPreview": "Sequence Plan Preview",
}


def node_class_mappings() -> dict[str, Any]:
    """The pack's nodes; the scheduled ones on the V3 schema (`comfy_api.latest`) where the
    running ComfyUI has it (detected at each call: the pack's entry calls it when ComfyUI loads
    the pack), the classic classes otherwise."""
    v3_nodes = v3.scheduled_nodes(NODE_DISPLAY_NAME_MAPPINGS)
    return {
        "KSamplerSeq2": KSamplerSeq2,
        "CLIPTextEncodeSequence2": CLIPTextEncodeSequence2,
        "SeqSamplerScheduled": v3_nodes.get("SeqSamplerScheduled", SeqSamplerScheduled),
        "SeqSamplerPlanPreview": v3_nodes.get("SeqSamplerPlanPreview", SeqSamplerPlanPreview),
    }


NODE_CLASS_MAPPINGS = node_class_mappings()
