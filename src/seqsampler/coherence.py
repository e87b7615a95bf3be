"""Colour coherence: match each frame's colours to an anchor frame before it feeds the next one.

The plan says, per frame, whether and how (`FramePlan.color`: mode, anchor frame, strength;
docs/quality.md "Colour coherence"). This module holds the two matchings and the `feedback`
transform `run_sequence` takes, so the chain stays engine-agnostic:

- `match_pixels`: per-channel histogram matching (scikit-image's `match_histograms`) in RGB,
  HSV or CIELAB, blended with the frame by `strength`. The CLI uses it in pixel space: decode,
  match, encode for VAE models; directly on the embedded model, whose latent is the image in
  [-1, 1] (`pixel_space_codec`).
- `match_latent_stats`: per-channel mean and standard deviation of a latent moved to the
  anchor latent's, blended by `strength` (ComfyUI, where only the latents are at hand).

`CoherenceFeedback(plan, match, load_anchor)` keeps the raw outputs of the anchor frames as the
chain makes them; on a resume the anchors made before it come from `load_anchor(frame)`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from .planning import ColorMatch, FramePlan, Plan

# match(output [B, C, ...], anchor [B, C, ...], color) -> the matched output
Match = Callable[[Tensor, Tensor, ColorMatch], Tensor]


def match_pixels(image: np.ndarray, anchor: np.ndarray, mode: str, strength: float) -> np.ndarray:
    """`image` [H, W, 3] RGB in [0, 1] with each channel of `mode`'s colour space histogram-
    matched to `anchor`'s (same layout, any size), then `(1 - strength) * image + strength *
    matched`. Strength 0 returns `image` unchanged. RGB matching keeps values outside [0, 1]
    (the anchor's values); HSV and LAB clip to [0, 1] to convert."""
    from skimage import color
    from skimage.exposure import match_histograms

    if strength <= 0:
        return image
    if mode == "rgb":
        matched = match_histograms(image, anchor, channel_axis=-1)
    elif mode == "hsv":
        src, ref = color.rgb2hsv(np.clip(image, 0, 1)), color.rgb2hsv(np.clip(anchor, 0, 1))
        matched = color.hsv2rgb(np.clip(match_histograms(src, ref, channel_axis=-1), 0, 1))
    elif mode == "lab":
        src, ref = color.rgb2lab(np.clip(image, 0, 1)), color.rgb2lab(np.clip(anchor, 0, 1))
        with warnings.catch_warnings():  # LAB values outside sRGB are clipped, as intended
            warnings.simplefilter("ignore", UserWarning)
            matched = np.clip(color.lab2rgb(match_histograms(src, ref, channel_axis=-1)), 0, 1)
    else:
        raise ValueError(f"color coherence mode must be one of rgb, hsv, lab; got {mode!r}")
    matched = matched.astype(image.dtype, copy=False)
    return image + strength * (matched - image) if strength < 1 else matched


def match_images(images: Tensor, anchors: Tensor, mode: str, strength: float) -> Tensor:
    """`match_pixels` over a batch: images and anchors [B, 3, H, W] in [0, 1] (an anchor batch
    of 1 serves every item)."""
    if strength <= 0:
        return images
    out = []
    for b in range(images.shape[0]):
        image = images[b].permute(1, 2, 0).double().cpu().numpy()
        anchor = anchors[min(b, anchors.shape[0] - 1)].permute(1, 2, 0).double().cpu().numpy()
        matched = match_pixels(image, anchor, mode, strength)
        out.append(torch.from_numpy(np.ascontiguousarray(matched)).permute(2, 0, 1))
    return torch.stack(out).to(images)


def match_latent_stats(x: Tensor, anchor: Tensor, strength: float, eps: float = 1e-6) -> Tensor:
    """`x` [B, C, ...] with each item's per-channel mean and std over its other dims moved to
    `anchor`'s (an anchor batch of 1 serves every item), blended by `strength` (0: `x`)."""
    if strength <= 0:
        return x
    dims = tuple(range(2, x.ndim))
    ref = anchor.to(x)
    if ref.shape[0] != x.shape[0]:
        ref = ref[:1].expand(x.shape[0], *ref.shape[1:])
    mean, std = x.mean(dims, keepdim=True), x.std(dims, keepdim=True)
    ref_mean, ref_std = ref.mean(dims, keepdim=True), ref.std(dims, keepdim=True)
    matched = (x - mean) / (std + eps) * ref_std + ref_mean
    return torch.lerp(x, matched, strength)


def pixel_match(
    to_pixels: Callable[[Tensor], Tensor], from_pixels: Callable[[Tensor], Tensor]
) -> Match:
    """A `Match` in pixel space: decode both latents, `match_images`, encode the result."""

    def match(output: Tensor, anchor: Tensor, color: ColorMatch) -> Tensor:
        if color.strength <= 0:
            return output
        matched = match_images(to_pixels(output), to_pixels(anchor), color.mode, color.strength)
        return from_pixels(matched).to(output)

    return match


def mode_match(pixels: Match) -> Match:
    """`latent_match` for frames whose mode is `latent`, `pixels` for the others."""

    def match(output: Tensor, anchor: Tensor, color: ColorMatch) -> Tensor:
        return (latent_match if color.mode == "latent" else pixels)(output, anchor, color)

    return match


def pixel_space_codec() -> tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]:
    """(to_pixels, from_pixels) of a pixel-space model, whose latent is the image in [-1, 1]:
    no clamp, so RGB matching loses nothing."""
    return (lambda x: (x.float() + 1) / 2), (lambda p: p * 2 - 1)


def latent_match(output: Tensor, anchor: Tensor, color: ColorMatch) -> Tensor:
    """A `Match` on latents: `match_latent_stats` (the mode is not used: latents have no
    colour space)."""
    return match_latent_stats(output, anchor, color.strength)


class CoherenceFeedback:
    """`run_sequence`'s `feedback`: the frame's output matched to its anchor's (`plan` says
    which frames are anchors and which are matched). Anchor outputs are kept as the chain makes
    them; on a resume those made before it come from `load_anchor(frame)`."""

    def __init__(
        self,
        plan: Plan,
        match: Match,
        load_anchor: Callable[[int], Tensor] | None = None,
    ) -> None:
        self.match = match
        self.load_anchor = load_anchor
        self.needed = {f.color.anchor for f in plan.frames if f.color is not None}
        self.anchors: dict[int, Tensor] = {}

    def anchor(self, index: int) -> Tensor:
        if index not in self.anchors:
            if self.load_anchor is None:
                raise ValueError(
                    f"colour coherence needs frame {index}'s output as its anchor, but the run "
                    "did not make it and no load_anchor was given (a resume)"
                )
            self.anchors[index] = self.load_anchor(index)
        return self.anchors[index]

    def keep(self, frame: FramePlan, output: Tensor) -> None:
        """Remember `output` (the frame's raw output) when a later frame is matched to it."""
        if frame.frame in self.needed:
            self.anchors[frame.frame] = output.detach().clone()

    def apply(self, frame: FramePlan, x: Tensor) -> Tensor:
        """`x` (the frame's output, or what motion made of it) matched to the frame's anchor."""
        if frame.color is None or frame.color.strength <= 0:
            return x
        return self.match(x, self.anchor(frame.color.anchor), frame.color)

    def __call__(self, frame: FramePlan, output: Tensor) -> Tensor:
        self.keep(frame, output)
        return self.apply(frame, output)


def needs_feedback(plan: Plan) -> bool:
    """Whether any frame of `plan` is colour-matched."""
    return any(f.color is not None for f in plan.frames)


__all__ = [
    "CoherenceFeedback",
    "latent_match",
    "match_images",
    "match_latent_stats",
    "match_pixels",
    "mode_match",
    "needs_feedback",
    "pixel_match",
    "pixel_space_codec",
]
