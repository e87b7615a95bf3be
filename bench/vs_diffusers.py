"""seqsampler against a diffusers img2img loop at equal model work, per frame.

The same sequence both ways: a frame chain of N frames, per-frame denoise (1.0 for frame 0,
then 0.3 / 0.5 / 0.7 in turn), cfg 7, euler, S steps, the prompt changing at a keyframe.

- diffusers, as a user writes it: `StableDiffusionImg2ImgPipeline` called once per frame with the
  previous frame's PIL image, the frame's prompt, `strength=d`, `num_inference_steps=S` (it runs
  int(S * d) UNet steps) and a seeded generator; PIL in, PIL out.
- seqsampler: the library (`plan(..., denoise_mode="steps")`, S - round((1 - d) S) model steps
  = S d for these d, `run_sequence`), prompts encoded once each, every frame decoded to a PIL
  image as it is made (so both sides hand the user the same images).

Equal work is checked, not assumed: a forward hook counts the UNet's calls on both sides (cfg 7
batches cond and uncond into one call on both). Where the time goes is measured by timing the
pieces separately (UNet, VAE encode / decode, prompt encoding, scheduler setup); the rest is
each side's own orchestration and image conversion. Image agreement: the two sides draw
different noise (diffusers samples the VAE posterior with the generator before the noise), so
frames are not compared pixel by pixel; the table compares per-frame image statistics and
reports the error diffusers' per-frame uint8 + VAE round trip adds (the chain carries it).

    OMP_NUM_THREADS=1 PYTHONPATH=src .venv/bin/python bench/vs_diffusers.py [--frames 8]
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from _common import Counter, Row, Timer, best_median, interleaved, load, machine, tiny_pipeline  # noqa: E402

DENOISES = (0.3, 0.5, 0.7)


def sequence(frames: int) -> tuple[list[float], list[int], list[str]]:
    """Per frame: denoise, seed, prompt (the prompt changes at frame frames // 2)."""
    denoise = [1.0] + [DENOISES[(i - 1) % 3] for i in range(1, frames)]
    seeds = [100 + i for i in range(frames)]
    prompts = ["a red circle" if i < frames // 2 else "a blue square" for i in range(frames)]
    return denoise, seeds, prompts


def to_pil(image: torch.Tensor) -> Any:
    from PIL import Image

    array = (image.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(array)


def pil_tensor(image: Any) -> torch.Tensor:
    import numpy as np

    return torch.from_numpy(np.asarray(image).copy()).permute(2, 0, 1).float() / 255


class Ours:
    def __init__(self, folder: Path, frames: int, steps: int, size: int):
        from seqsampler.frame_sampler import StandaloneFrameSampler
        from seqsampler.models.loader import load_model
        from seqsampler.planning import SequenceConfig, plan

        self.model = load_model(folder)
        denoise, seeds, prompts = sequence(frames)
        config = SequenceConfig(
            steps=steps, cfg=7.0, sampler_name="euler", scheduler="normal",
            frame_count=frames, cond_keyframes=[frames // 2], positive_count=2,
            inject_noise=False, seed_keying=False,
            schedules={"denoise": denoise, "seed": seeds},
        )  # fmt: skip
        self.plan = plan(config, denoise_mode="steps")
        self.prompts = sorted(set(prompts), key=prompts.index)
        self.sampler = StandaloneFrameSampler(self.model.denoiser, "euler", "normal")
        self.shape = self.model.latent_shape(size, size)
        self.unet = Counter(self.model.unet)
        self.text = Timer(self.model, "encode_prompt")
        self.decode = Timer(self.model, "decode")
        self.vae_encode = Timer(self.model, "encode")  # the init image, once per sequence
        self.images: list[Any] = []

    def __call__(self) -> None:
        from seqsampler.sequence import run_sequence

        cache: dict[str, Any] = {}

        def encode(text: str) -> Any:
            if text not in cache:
                cache[text] = self.model.encode_prompt(text)
            return cache[text]

        positive = [encode(p) for p in self.prompts]
        negative = [encode("")]
        self.images = []

        def on_frame(frame: Any, latent: torch.Tensor) -> None:
            self.images.append(to_pil(self.model.decode(latent)[0]))

        init = self.model.encode(torch.full((1, 3, *self.shape[2:]), 0.5).repeat(1, 1, 1, 1))
        init = init if init.shape == self.shape else torch.zeros(self.shape)
        run_sequence(self.plan, self.sampler, positive, negative, init, on_frame=on_frame, collect=False)  # fmt: skip


class Diffusers:
    def __init__(self, folder: Path, frames: int, steps: int, size: int):
        from diffusers import StableDiffusionImg2ImgPipeline
        from PIL import Image

        self.pipe = StableDiffusionImg2ImgPipeline.from_pretrained(
            folder, safety_checker=None, feature_extractor=None, requires_safety_checker=False
        )
        self.pipe.set_progress_bar_config(disable=True)
        self.denoise, self.seeds, self.prompts = sequence(frames)
        self.steps = steps
        self.init = Image.new("RGB", (size, size), (128, 128, 128))
        self.unet = Counter(self.pipe.unet)
        self.text = Timer(self.pipe, "encode_prompt")
        self.vae_encode = Timer(self.pipe.vae, "encode")
        self.vae_decode = Timer(self.pipe.vae, "decode")
        self.scheduler = Timer(self.pipe.scheduler, "set_timesteps")
        self.images: list[Any] = []

    def __call__(self) -> None:
        image = self.init
        self.images = []
        for d, seed, prompt in zip(self.denoise, self.seeds, self.prompts, strict=True):
            image = self.pipe(
                prompt=prompt,
                negative_prompt="",
                image=image,
                strength=d,
                num_inference_steps=self.steps,
                guidance_scale=7.0,
                generator=torch.Generator().manual_seed(seed),
            ).images[0]
            self.images.append(image)


def embedded_in_diffusers() -> str:
    """Why diffusers cannot run the embedded model (or that it can)."""
    from diffusers import StableDiffusionImg2ImgPipeline

    from seqsampler.models.embedded import EMBEDDED_DIR

    try:
        StableDiffusionImg2ImgPipeline.from_pretrained(
            EMBEDDED_DIR, safety_checker=None, feature_extractor=None, requires_safety_checker=False
        )
    except Exception as exc:  # noqa: BLE001 - the reason is the result
        return f"no: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    return "yes"


def fmt3(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.3f}" for v in values)


def stats(images: list[Any]) -> tuple[float, float, float]:
    """(mean pixel, mean per-image std, mean |frame - previous frame|) over the frames, in [0, 1]."""
    t = torch.stack([pil_tensor(i) for i in images])
    change = (t[1:] - t[:-1]).abs().mean().item() if len(t) > 1 else 0.0
    return t.mean().item(), t.std(dim=(1, 2, 3)).mean().item(), change


def round_trip_psnr(pipe: Any, images: list[Any]) -> float:
    """PSNR (dB) of decode(encode(image)) against the image, diffusers' per-frame round trip."""
    out = []
    proc = pipe.image_processor
    for image in images:
        x = proc.preprocess(image)
        with torch.no_grad():
            z = pipe.vae.encode(x).latent_dist.mean
            y = pipe.vae.decode(z).sample
        back = proc.postprocess(y, output_type="pil")[0]
        mse = ((pil_tensor(back) - pil_tensor(image)) ** 2).mean().item()
        out.append(10 * torch.log10(torch.tensor(1.0 / max(mse, 1e-12))).item())
    return sum(out) / len(out)


def run(frames: int = 8, steps: int = 20, size: int = 16, repeats: int = 5) -> list[Row]:
    logging.getLogger("seqsampler").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore")
    folder = tiny_pipeline()
    ours, theirs = Ours(folder, frames, steps, size), Diffusers(folder, frames, steps, size)
    times = interleaved({"ours": ours, "diffusers": theirs}, repeats)
    rounds = repeats + 1  # the warm-up round is counted by the hooks too
    o_best, o_med = best_median(times["ours"])
    d_best, d_med = best_median(times["diffusers"])
    o_evals, d_evals = ours.unet.calls / rounds / frames, theirs.unet.calls / rounds / frames
    per = rounds * frames
    print(f"# vs_diffusers: {frames} frames, S={steps}, {size}x{size}, cfg 7, euler; {load()}")
    print(f"{'':<34} {'seqsampler':>11} {'diffusers':>11}")
    print(f"{'wall per frame, best (ms)':<34} {1e3 * o_best / frames:>11.2f} {1e3 * d_best / frames:>11.2f}")  # fmt: skip
    print(f"{'wall per frame, median (ms)':<34} {1e3 * o_med / frames:>11.2f} {1e3 * d_med / frames:>11.2f}")  # fmt: skip
    print(f"{'UNet evaluations per frame':<34} {o_evals:>11.2f} {d_evals:>11.2f}")
    print(f"{'UNet batch sizes seen':<34} {str(sorted(set(ours.unet.batches))):>11} {str(sorted(set(theirs.unet.batches))):>11}")  # fmt: skip
    pieces = [
        ("UNet", ours.unet.seconds, theirs.unet.seconds),
        ("prompt encoding", ours.text.seconds, theirs.text.seconds),
        ("VAE encode", ours.vae_encode.seconds, theirs.vae_encode.seconds),
        ("VAE decode", ours.decode.seconds, theirs.vae_decode.seconds),
        ("scheduler setup", 0.0, theirs.scheduler.seconds),
    ]
    o_total = sum(times["ours"]) + 0.0
    d_total = sum(times["diffusers"]) + 0.0
    for name, o, d in pieces:
        print(f"{name + ' per frame (ms, mean)':<34} {1e3 * o / per:>11.2f} {1e3 * d / per:>11.2f}")
    o_rest = o_total / repeats / frames - sum(p[1] for p in pieces) / per
    d_rest = d_total / repeats / frames - sum(p[2] for p in pieces) / per
    print(f"{'the rest per frame (ms, mean)':<34} {1e3 * o_rest:>11.2f} {1e3 * d_rest:>11.2f}")
    prompt_calls = (ours.text.calls / rounds, theirs.text.calls / rounds)
    print(
        f"{'prompt encodings per sequence':<34} {prompt_calls[0]:>11.0f} {prompt_calls[1]:>11.0f}"
    )
    os_, ds = stats(ours.images), stats(theirs.images)
    print(f"{'image mean / std / frame change':<34} {fmt3(os_):>11} {fmt3(ds):>11}")  # fmt: skip
    psnr = round_trip_psnr(theirs.pipe, theirs.images)
    print(f"diffusers' per-frame uint8 + VAE round trip: {psnr:.1f} dB PSNR per frame (seqsampler: none, latents chain)")  # fmt: skip
    print(f"embedded model in diffusers img2img: {embedded_in_diffusers()}")
    note = f"{o_evals:.1f} vs {d_evals:.1f} UNet evals/frame, {frames} frames S={steps} {size}px"
    return [
        Row(
            "vs_diffusers",
            "diffusers img2img loop / seqsampler, wall per frame (median)",
            d_med / frames,
            o_med / frames,
            note=note,
        ),  # fmt: skip
        Row("vs_diffusers", "same, best of repeats", d_best / frames, o_best / frames),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--size", type=int, default=16, help="image width and height (pixels)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("#", machine())
    rows = run(args.frames, args.steps, args.size, args.repeats)
    for r in rows:
        print(f"{r.compares}: {r.ratio:.2f}x")


if __name__ == "__main__":
    main()
