"""The peer of bench/pareto.py: an img2img loop as a diffusers user writes it, on the embedded model.

Per output frame (the spec's cadence-1 plan gives each frame's strength d, seed and prompt):
the previous frame's image (uint8; moved by the frame's camera matrix with OpenCV's
warpPerspective, border replicate, when the plan has motion) goes in; the scheduler's last
round(S d) timesteps of S are run (`StableDiffusionImg2ImgPipeline`'s get_timesteps, with round
for its int), from the image noised to the first of them (pure noise at d = 1); full
classifier-free guidance (uncond and cond in one batch of 2, every step); the prompt in effect at
the frame (a hard switch at each keyframe); a generator seeded with the frame's seed; the image
comes out as uint8 and is saved as a PNG. The embedded model has no VAE (its latent is the image
in [-1, 1]) and its own tokenizer, so the loop drives its UNet with a diffusers scheduler directly
(`EulerDiscreteScheduler` / `EulerAncestralDiscreteScheduler` from the model's scheduler config;
karras sigmas where the class has them: diffusers' Euler ancestral has none).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from PIL import Image

SCHEDULERS = {
    "euler": "EulerDiscreteScheduler",
    "euler_ancestral": "EulerAncestralDiscreteScheduler",
}


def peer_steps(steps: int, denoise: float) -> int:
    """UNet steps of one img2img frame at strength `denoise`: round(S d), at least 1, at most S."""
    return min(steps, max(1, round(steps * denoise)))


def img2img_latent(
    eps: Any, sched: Any, x0: torch.Tensor, d: float, seed: int, cond: torch.Tensor,
    cfg: float, total: int,
) -> torch.Tensor:  # fmt: skip
    """The loop's frame on latents ([1, C, h, w] in and out, x0's device and dtype): the last
    peer_steps(total, d) of `total` timesteps of `sched` from x0 noised to the first of them
    (pure noise at d = 1), full guidance with `eps(x [2, C, h, w], t, cond [2, T, D])`."""
    generator = torch.Generator().manual_seed(seed)
    sched.set_timesteps(total)
    t_start = total - peer_steps(total, d)
    timesteps = sched.timesteps[t_start * sched.order :]
    if hasattr(sched, "set_begin_index"):
        sched.set_begin_index(t_start * sched.order)
    noise = torch.randn(x0.shape, generator=generator).to(x0)
    x = noise * sched.init_noise_sigma if d >= 1.0 else sched.add_noise(x0, noise, timesteps[:1])
    with torch.no_grad():
        for t in timesteps:
            eps_u, eps_c = eps(sched.scale_model_input(torch.cat([x, x]), t), t, cond).chunk(2)
            x = sched.step(eps_u + cfg * (eps_c - eps_u), t, x, generator=generator).prev_sample
    return x


def make_scheduler(sampler_name: str, scheduler: str) -> Any:
    """The diffusers scheduler for the spec's sampler, from the embedded model's config."""
    import diffusers

    from seqsampler.models.embedded import EMBEDDED_DIR

    if sampler_name not in SCHEDULERS:
        raise ValueError(f"sampler_name: got {sampler_name!r}; accepted: {', '.join(SCHEDULERS)}")
    cls = getattr(diffusers, SCHEDULERS[sampler_name])
    config = json.loads((Path(EMBEDDED_DIR) / "scheduler" / "scheduler_config.json").read_text())
    karras = scheduler == "karras" and "use_karras_sigmas" in inspect.signature(cls).parameters
    return cls.from_config(config, **({"use_karras_sigmas": True} if karras else {}))


def camera_matrices(the_plan: Any, width: int, height: int) -> list[Any]:
    """Per frame: the plan's camera move into it (3x3, frame i-1 -> i) or None."""
    from seqsampler.motion.knobs import knobs_from
    from seqsampler.motion.transform import frame_matrix

    return [
        None
        if f.motion is None
        else np.asarray(frame_matrix(knobs_from(asdict(f.motion)), width, height))
        for f in the_plan.frames
    ]


class Peer:
    """The loop (call it to render the spec's frames into `folder`/frames/)."""

    def __init__(self, model: Any, spec: Any, folder: Path):
        self.model, self.spec, self.folder = model, spec, Path(folder)
        self.plan = spec.plan()
        self.scheduler = make_scheduler(spec.config.sampler_name, spec.config.scheduler)
        self.size = model.default_size
        self.matrices = camera_matrices(self.plan, *self.size)

    def img2img(self, image: np.ndarray, d: float, seed: int, cond: torch.Tensor) -> np.ndarray:
        """One frame: uint8 [H, W, 3] in, uint8 [H, W, 3] out; `cond` [2, T, D] (uncond, cond)."""
        x0 = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 127.5 - 1.0
        eps = lambda x, t, c: self.model.unet(x, t, encoder_hidden_states=c).sample  # noqa: E731
        config = self.spec.config
        x = img2img_latent(eps, self.scheduler, x0, d, seed, cond, config.cfg, config.steps)
        out = ((x[0].clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
        return np.ascontiguousarray(out)

    def __call__(self) -> Path:
        frames_dir = self.folder / "frames"
        frames_dir.mkdir(parents=True, exist_ok=True)
        texts = self.spec.positive, self.spec.negative
        encoded: dict[tuple[int, int], torch.Tensor] = {}
        width, height = self.size
        image = np.zeros((height, width, 3), np.uint8)  # unused at d = 1 (frame 0)
        for f, m in zip(self.plan.frames, self.matrices, strict=True):
            key = (f.negative, f.positive)
            if key not in encoded:
                pair = [self.model.encode_prompt(texts[1][f.negative]).tokens,
                        self.model.encode_prompt(texts[0][f.positive]).tokens]  # fmt: skip
                encoded[key] = torch.cat(pair)
            if m is not None:
                image = cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_LINEAR,
                                            borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
            image = self.img2img(image, f.denoise, f.seed, encoded[key])
            Image.fromarray(image).save(frames_dir / f"{f.frame:05d}.png")
        return self.folder
