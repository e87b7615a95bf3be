"""Each frame's input image in the video modes: `independent` (the input frame alone, Deforum's
"video input") and `hybrid` (the previous output carried by the input's motion, Deforum's hybrid
composite with optical flow, made coherent as in WarpFusion: the input frame pasted where the
flow is unreliable).

    hybrid_input = strength * cur_input + (1 - strength) * composite
    composite    = warp(prev_output, B) where reliable, cur_input elsewhere
    B            = optical_flow(cur_input, prev_input)   (cur_input(x) ~= prev_input(x + B(x)),
                   frames under 256 px upsampled twice for DIS: flow.MIN_SIDE)
    reliable     = forward-backward consistent (Sundaram et al. 2010) and the warped previous
                   input matches the current input (flow.photometric_mask)

The flow is OpenCV's DIS (`flow="dis"`, the library and CLI) or the torch-only pyramidal
Lucas-Kanade of torch_flow.py (`flow="torch"`, ComfyUI's guide video: ComfyUI has no OpenCV),
with its torch consistency test; the warp and the photometric test are the same torch code.

`strength` is the weight of the current input frame, as Deforum's `hybrid_comp_alpha` (whose
blend gives the video frame at alpha 1; its default is 0.5): 1 = the current input frame alone
(the `independent` input), 0 = the previous output moved along the video's motion (the input only
where the motion is unknown). The result is then re-sampled at the frame's denoise.

Images are float [B, 3, H, W] in [0, 1]; the inputs are one frame [1, 3, H, W] of the render
size (VideoSource.frames), the previous output [B, 3, H, W] (decoded) of the same size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from . import torch_flow as lk
from .flow import (
    DEFAULT_PRESET,
    MIN_SIDE,
    consistency_mask,
    optical_flow,
    photometric_mask,
    warp_by_flow,
)

FLOWS = ("dis", "torch")


@dataclass(frozen=True)
class HybridParts:
    """The pieces of a hybrid input: `warped` = the previous output carried onto the current
    frame [B, 3, H, W]; `reliable` = bool [H, W], where it is used; `composite` = `warped` where
    reliable, the current input elsewhere [B, 3, H, W]."""

    warped: Tensor
    reliable: Tensor
    composite: Tensor


def _check_images(prev_output: Tensor, prev_input: Tensor, cur_input: Tensor) -> None:
    if prev_output.dim() != 4 or prev_output.shape[1] != 3:
        raise ValueError(f"prev_output: shape {tuple(prev_output.shape)}; accepted: [B, 3, H, W]")
    size = tuple(prev_output.shape[-2:])
    for name, image in (("prev_input", prev_input), ("cur_input", cur_input)):
        if tuple(image.shape) != (1, 3, *size):
            raise ValueError(
                f"{name}: shape {tuple(image.shape)}; accepted: [1, 3, {size[0]}, {size[1]}] "
                "(one input frame of the previous output's size)"
            )


def check_strength(strength: object) -> float:
    """`strength` as a float in [0, 1], or a one-line ValueError."""
    if isinstance(strength, bool) or not isinstance(strength, (int, float)):
        raise ValueError(f"video_strength: got {strength!r}; accepted: a number in [0, 1]")
    if not (math.isfinite(strength) and 0 <= strength <= 1):
        raise ValueError(f"video_strength: got {strength!r}; accepted: a number in [0, 1]")
    return float(strength)


def hybrid_parts(
    prev_output: Tensor,
    prev_input: Tensor,
    cur_input: Tensor,
    preset: str = DEFAULT_PRESET,
    flow: str = "dis",
) -> HybridParts:
    """The previous output warped by the input's motion, and where that warp is reliable;
    `flow`: "dis" (OpenCV) or "torch" (torch_flow.py, no OpenCV)."""
    _check_images(prev_output, prev_input, cur_input)
    if flow == "dis":
        back = optical_flow(cur_input, prev_input, preset, MIN_SIDE)
        forward = optical_flow(prev_input, cur_input, preset, MIN_SIDE)
        consistent = consistency_mask(back, forward)
    elif flow == "torch":
        back = lk.torch_flow(cur_input, prev_input)
        forward = lk.torch_flow(prev_input, cur_input)
        consistent = lk.consistency_mask(back, forward).cpu()
    else:
        raise ValueError(f"flow: got {flow!r}; accepted: {', '.join(FLOWS)}")
    reliable = consistent & photometric_mask(warp_by_flow(prev_input, back), cur_input)
    warped = warp_by_flow(prev_output, back)
    current = cur_input.to(warped.device, warped.dtype).expand_as(warped)
    composite = torch.where(reliable.to(warped.device), warped, current)
    return HybridParts(warped, reliable, composite)


def hybrid_input(
    prev_output: Tensor,
    prev_input: Tensor,
    cur_input: Tensor,
    strength: float,
    preset: str = DEFAULT_PRESET,
    flow: str = "dis",
) -> Tensor:
    """The `hybrid` mode's input for the current frame [B, 3, H, W]: strength * cur_input +
    (1 - strength) * the composite (module docstring; `flow` as in `hybrid_parts`)."""
    weight = check_strength(strength)
    composite = hybrid_parts(prev_output, prev_input, cur_input, preset, flow).composite
    current = cur_input.to(composite.device, composite.dtype).expand_as(composite)
    return torch.lerp(composite, current, weight)


def independent_input(cur_input: Tensor) -> Tensor:
    """The `independent` mode's input: the current input frame itself [1, 3, H, W]."""
    if cur_input.dim() != 4 or cur_input.shape[:2] != (1, 3):
        raise ValueError(f"cur_input: shape {tuple(cur_input.shape)}; accepted: [1, 3, H, W]")
    return cur_input
