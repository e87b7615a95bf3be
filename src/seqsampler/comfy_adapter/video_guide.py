"""SeqSamplerScheduled's guide video (docs/comfyui.md "Video input"): an IMAGE batch with the
VAE input, or a LATENT batch, turned into the chain's video stage (`video_chain`). No ComfyUI
import: the VAE is used through its `decode` / `encode` methods (images [B, H, W, C] in [0, 1],
ComfyUI's layout).

- IMAGE guide: frames [N, H, W, 3]; the VAE decodes the previous output for the hybrid
  composite and encodes the result. Frames of another size than the render size (the latent's
  times the VAE's factor) are resized (bicubic, one log line).
- LATENT guide, `independent`: each frame's input is the guide's latent itself (no VAE needed).
- LATENT guide, `hybrid`: the flow is measured on pixels, so the VAE decodes the guide one frame
  at a time (`DecodedFrames`, two kept).

The hybrid composite's flow is the torch-only Lucas-Kanade (video/torch_flow.py), not the CLI's
DIS: ComfyUI does not ship OpenCV and the pack adds no dependency.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as functional
from torch import Tensor

from ..planning import Plan
from ..video_chain import Codec, InputFrames, TensorFrames, VideoFeedback, video_init

log = logging.getLogger(__name__)


def guide_of(
    guide_images: Tensor | None, guide_latent: Mapping[str, Any] | None
) -> tuple[str, int] | None:
    """(the guide's name, its frame count), or None; one guide at most."""
    if guide_images is not None and guide_latent is not None:
        raise ValueError(
            "guide_images and guide_latent are both connected; accepted: one guide (disconnect one)"
        )
    if guide_images is not None:
        if guide_images.dim() != 4 or guide_images.shape[-1] not in (3, 4):
            raise ValueError(
                f"guide_images: shape {tuple(guide_images.shape)}; accepted: an IMAGE batch [N, H, W, 3]"
            )
        return "guide_images", int(guide_images.shape[0])
    if guide_latent is not None:
        samples = guide_latent.get("samples") if isinstance(guide_latent, Mapping) else None
        if not isinstance(samples, Tensor) or samples.dim() != 4:
            shape = None if not isinstance(samples, Tensor) else tuple(samples.shape)
            raise ValueError(
                f"guide_latent: samples of shape {shape}; accepted: a LATENT batch [N, C, h, w]"
            )
        return "guide_latent", int(samples.shape[0])
    return None


def vae_codec(vae: Any) -> Codec:
    """(to_pixels, from_pixels) through a ComfyUI VAE: latent [B, C, h, w] <-> images
    [B, 3, H, W] in [0, 1]."""

    def to_pixels(latent: Tensor) -> Tensor:
        return vae.decode(latent)[..., :3].movedim(-1, 1).float().clamp(0, 1)

    def from_pixels(images: Tensor) -> Tensor:
        return vae.encode(images.movedim(1, -1)[..., :3]).float()

    return to_pixels, from_pixels


def check_vae(vae: Any, model: Any) -> None:
    """ValueError naming the vae input when its latents have another channel count than the
    model's (ComfyUI's `VAE.latent_channels` against the model's latent format), before any
    model work; a VAE or model that does not say is taken as it is."""
    channels = getattr(vae, "latent_channels", None)
    latent_format = getattr(getattr(model, "model", None), "latent_format", None)
    expected = getattr(latent_format, "latent_channels", None)
    if isinstance(channels, int) and isinstance(expected, int) and channels != expected:
        raise ValueError(
            f"vae: its latents have {channels} channels, the model's have {expected}; accepted: "
            "the VAE of the model's family (e.g. from the same checkpoint)"
        )


def vae_factor(vae: Any) -> int:
    """Pixels per latent pixel of a ComfyUI VAE (8 for SD's)."""
    ratio = getattr(vae, "spacial_compression_encode", None)
    factor = ratio() if callable(ratio) else getattr(vae, "downscale_ratio", 8)
    return int(factor) if isinstance(factor, (int, float)) else 8


def fit_images(images: Tensor, size: tuple[int, int]) -> Tensor:
    """IMAGE [N, H, W, C] -> [N, 3, H', W'] at `size` = (W', H') (bicubic when it differs)."""
    pixels = images[..., :3].movedim(-1, 1).float()
    if tuple(pixels.shape[-2:]) != (size[1], size[0]):
        log.info("guide_images: %dx%d frames resized to the render size %dx%d",
                 pixels.shape[-1], pixels.shape[-2], *size)  # fmt: skip
        pixels = functional.interpolate(pixels, size=(size[1], size[0]), mode="bicubic")
        pixels = pixels.clamp(0, 1)
    return pixels


class DecodedFrames:
    """Guide latents decoded to pixels one frame at a time, the last two kept."""

    def __init__(self, latents: Tensor, decode: Callable[[Tensor], Tensor]) -> None:
        self.frames, self.decode = TensorFrames(latents, channels=None), decode
        self.kept: dict[int, Tensor] = {}

    def __call__(self, index: int) -> Tensor:
        if index not in self.kept:
            self.kept[index] = self.decode(self.frames(index))
            for old in sorted(self.kept)[:-2]:
                del self.kept[old]
        return self.kept[index]


def _identity(x: Tensor) -> Tensor:
    return x


def guide_stage(
    plan: Plan,
    samples: Tensor,
    vae: Any,
    guide_images: Tensor | None,
    guide_latent: Mapping[str, Any] | None,
) -> tuple[VideoFeedback, Tensor] | None:
    """(the chain's video stage, frame 0's input [B, C, h, w]) for the connected guide, or None
    without one. `samples`: the latent_image input's samples (the render size and batch)."""
    if guide_images is None and guide_latent is None:
        return None
    hybrid = plan.config.video_mode == "hybrid"
    batch = samples.shape[0]
    if guide_images is not None:
        if vae is None:
            raise ValueError(
                "guide_images needs the vae input (to encode the frames); accepted: connect a VAE, "
                "or give the guide as guide_latent (VAE Encode)"
            )
        factor = vae_factor(vae)
        size = (samples.shape[-1] * factor, samples.shape[-2] * factor)
        frames: Any = TensorFrames(fit_images(guide_images, size))
        codec = vae_codec(vae)
    else:
        assert guide_latent is not None
        latents = guide_latent["samples"]
        if tuple(latents.shape[1:]) != tuple(samples.shape[1:]):
            raise ValueError(
                f"guide_latent: latents of shape {tuple(latents.shape[1:])} per frame, latent_image's "
                f"are {tuple(samples.shape[1:])}; accepted: the same size and channels"
            )
        if hybrid and vae is None:
            raise ValueError(
                "video_mode hybrid with guide_latent needs the vae input (the motion is measured "
                "on pixels); accepted: connect a VAE, or video_mode independent"
            )
        if hybrid:
            codec = vae_codec(vae)
            frames = DecodedFrames(latents, codec[0])
        else:
            codec = (_identity, _identity)
            frames = TensorFrames(latents, channels=None)
    stage = VideoFeedback(plan, frames, codec, flow="torch")  # no OpenCV in ComfyUI
    if guide_latent is not None:  # frame 0 from the guide's own latent, not a decode + encode
        init: Tensor | None = guide_latent["samples"][:1].expand(batch, -1, -1, -1)
    else:
        init = video_init(plan, frames, codec, batch)
    assert init is not None  # a guide gives every frame a video record
    return stage, init.to(samples.device, torch.float32)


def guide_pixels(
    plan: Plan,
    video: tuple[VideoFeedback, Tensor] | None,
    vae: Any,
    guide_latent: Mapping[str, Any] | None,
) -> InputFrames | None:
    """The guide's frames as pixels [1, 3, H, W] at the render size, for the noise's flow
    (`video_noise.VideoMover`): the stage's own (an IMAGE guide; a LATENT one in hybrid, decoded),
    a LATENT guide in independent decoded through the vae; None without a guide, or for a
    LATENT guide without a vae."""
    if video is None:
        return None
    if guide_latent is None or plan.config.video_mode == "hybrid":
        return video[0].frames
    if vae is None:
        return None
    return DecodedFrames(guide_latent["samples"], vae_codec(vae)[0])
