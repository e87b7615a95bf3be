"""Train the embedded model from a seed on the CPU (see training/README.md).

Eps-prediction on Stable Diffusion's discrete schedule (Min-SNR-5 loss weights), pixel space, batch of procedural
shapes scenes each step (`training/shapes.py`), 10% empty prompts (classifier-free guidance
dropout), AdamW with linear warm-up and cosine decay, EMA weights saved every `--save-every` steps
as a diffusers-format folder (`checkpoint-XXXXX/`, and `final/`). `--transition-rate` trains
keyframe transitions: a scene noised from one an attribute away, the loss asking for the
captioned one (training/README.md, "Phase 9"). `--channels` sets the UNet's
block widths and `--heads` its attention heads (default: the shipped architecture's).

    OMP_NUM_THREADS=1 .venv/bin/python training/train.py --out training/runs/main
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import time
from pathlib import Path

import numpy as np
import shapes
import torch
from diffusers import UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel

from seqsampler.models import embedded


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1100)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--ema", type=float, default=0.998)
    p.add_argument("--empty-rate", type=float, default=0.1)
    p.add_argument(
        "--channels",
        default=None,
        help="the UNet's block_out_channels, comma-separated (default: --init's, else "
        "embedded.unet_config()'s)",
    )
    p.add_argument(
        "--heads",
        type=int,
        default=None,
        help="attention heads per attention level (default: --init's, else "
        "embedded.unet_config()'s)",
    )
    p.add_argument(
        "--channels-last",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="run the UNet in channels-last memory format (faster oneDNN convolutions on CPU)",
    )
    p.add_argument("--min-snr", type=float, default=5.0, help="Min-SNR-gamma loss weight; 0: off")
    p.add_argument(
        "--high-noise-rate",
        type=float,
        default=0.0,
        help="fraction of timesteps drawn from [500, 1000) instead of [0, 1000)",
    )
    p.add_argument(
        "--truncated-snr",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="also weight by max(1, sigma^2): x0-space loss at high noise (Salimans & Ho 2022)",
    )
    p.add_argument(
        "--truncated-snr-from",
        type=int,
        default=None,
        help="from this step on, truncated SNR on (after Min-SNR weights alone have taught "
        "colour and shape; as the shipped recipe's phase 2)",
    )
    p.add_argument(
        "--x0-weights-from",
        type=int,
        default=None,
        help="from this step on, Min-SNR off and truncated SNR on (shape and position are "
        "learned under Min-SNR weights first; low-noise detail and the background after)",
    )
    p.add_argument(
        "--text-lr-mult", type=float, default=1.0, help="the text encoder's lr / the UNet's lr"
    )
    p.add_argument(
        "--offset-noise",
        type=float,
        default=0.0,
        help="add this times a per-image, per-channel N(0, 1) constant to the noise (offset noise)",
    )
    p.add_argument(
        "--offset-noise-from",
        type=int,
        default=0,
        help="offset noise from this step on (from step 0 it keeps shapes from being learned: "
        "training/README.md)",
    )
    p.add_argument(
        "--pyramid-noise",
        type=float,
        default=0.0,
        help="add multi-resolution noise at 1/2, 1/4, 1/8, 1/16 of the size, scaled by this "
        "discount to the power of the level, then divide by sqrt(1 + sum discount^2k) (pyramid "
        "noise; after any offset noise)",
    )
    p.add_argument(
        "--transition-rate",
        type=float,
        default=0.0,
        help="fraction of one-shape scenes noised from a source that differs in one attribute, "
        "the loss asking for the captioned scene (keyframe transitions: training/README.md)",
    )
    p.add_argument(
        "--free-layout-rate",
        type=float,
        default=0.0,
        help="fraction of one-shape scenes laid out freely (anywhere, any size, turned) and "
        "captioned without size or position words (phase 10: the model keeps the layout it is "
        "given, as camera motion needs)",
    )
    p.add_argument(
        "--camera-rate",
        type=float,
        default=0.0,
        help="fraction of free scenes made camera pairs: the source warped by a small camera "
        "move, the target drawn moved (phase 11: the model follows the camera; camera_pairs.py)",
    )
    p.add_argument(
        "--pair-transition-rate",
        type=float,
        default=0.0,
        help="fraction of two-shape scenes noised from the same scene bound wrongly (places "
        "swapped, or one colour for both), the loss asking for the captioned one",
    )
    p.add_argument(
        "--transition-t-min",
        type=int,
        default=200,
        help="transitions draw timesteps from [this, 1000) (200: sigma 0.57; denoise 0.55 starts "
        "at sigma 2.1)",
    )
    p.add_argument(
        "--stop-at",
        type=int,
        default=None,
        help="end after this many steps (saved as final/), the schedule still set by --steps",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--save-every", type=int, default=100)
    p.add_argument("--out", type=Path, default=Path("training/runs/main"))
    p.add_argument(
        "--init", type=Path, default=None, help="start from this model folder's weights (phase 2)"
    )
    return p.parse_args()


def build(
    seed: int, channels: tuple[int, ...], heads: int
) -> tuple[UNet2DConditionModel, CLIPTextModel]:
    """The untrained UNet and text encoder, initialised from `seed` (fork of the global RNG)."""
    # transformers/diffusers initialise from torch's global generator; fork it so that nothing
    # outside this function sees the seeding.
    with torch.random.fork_rng(devices=[]):
        torch.random.manual_seed(seed)
        unet = UNet2DConditionModel(**embedded.unet_config(channels, heads))
        text_encoder = CLIPTextModel(CLIPTextConfig(**embedded.text_encoder_config()))
    return unet, text_encoder


def pyramid_noise(eps: torch.Tensor, discount: float, gen: torch.Generator) -> torch.Tensor:
    """Multi-resolution (pyramid) noise, after Whitaker 2023: `eps` [B, C, H, W] plus N(0, 1)
    drawn at H/2^k (k = 1..4), upsampled bilinearly and scaled by discount^k, divided by
    sqrt(1 + sum discount^2k) (slightly more than the sum's std: bilinear upsampling lowers the
    variance between grid points). SD's schedule leaves 0.068 of the image at t = 999, and
    its low frequencies (where a shape is) show through white noise; low-frequency noise hides
    them, so the model must take the shape's place from the text."""
    b, c, h, w = eps.shape
    total, variance = eps, 1.0
    for k in range(1, 5):
        size = (max(1, h >> k), max(1, w >> k))
        coarse = torch.randn(b, c, *size, generator=gen)
        up = torch.nn.functional.interpolate(coarse, (h, w), mode="bilinear", align_corners=False)
        total = total + discount**k * up
        variance += discount ** (2 * k)
    return total / math.sqrt(variance)


def transition(
    source: torch.Tensor, x0: torch.Tensor, eps: torch.Tensor, alpha_bar: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """A keyframe transition's training pair: `source` [B, C, H, W] noised with `eps` at
    `alpha_bar` [B, 1, 1, 1], and the eps whose denoised estimate (x_t - sqrt(1 - a) eps) /
    sqrt(a) is the target `x0`: the drawn noise plus sqrt(SNR) (source - x0). Where source is
    x0 this is plain DDPM training."""
    x_t = alpha_bar.sqrt() * source + (1 - alpha_bar).sqrt() * eps
    return x_t, (x_t - alpha_bar.sqrt() * x0) / (1 - alpha_bar).sqrt()


def architecture(
    init: Path | None, channels: str | None, heads: int | None
) -> tuple[tuple[int, ...], int]:
    """The UNet's block widths and head count: given ones, else `init`'s, else the default's.
    A given one that differs from `init`'s is refused (its weights would not mean the same)."""
    base = (
        json.loads((init / "unet" / "config.json").read_text()) if init else embedded.unet_config()
    )
    found = (tuple(base["block_out_channels"]), int(base["attention_head_dim"]))
    wanted = (
        tuple(int(c) for c in channels.split(",")) if channels else found[0],
        heads if heads is not None else found[1],
    )
    if init is not None and wanted != found:
        raise ValueError(
            f"--channels/--heads: {wanted}; accepted with --init {init}: its own {found}"
        )
    return wanted


def save_folder(folder: Path, unet, text_encoder, tokenizer, dtype=torch.float32) -> None:
    """A diffusers-style model folder: model_index.json, unet/, text_encoder/, tokenizer/, scheduler/."""
    folder.mkdir(parents=True, exist_ok=True)
    unet = copy.deepcopy(unet).to(dtype, memory_format=torch.contiguous_format)
    text_encoder = copy.deepcopy(text_encoder).to(dtype)
    unet.save_pretrained(folder / "unet", safe_serialization=True)
    text_encoder.save_pretrained(folder / "text_encoder", safe_serialization=True)
    tokenizer.save(folder / "tokenizer")
    (folder / "scheduler").mkdir(exist_ok=True)
    (folder / "scheduler" / "scheduler_config.json").write_text(
        json.dumps(embedded.scheduler_config(), indent=1) + "\n"
    )
    (folder / "model_index.json").write_text(json.dumps(embedded.model_index(), indent=1) + "\n")


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "args.json").write_text(json.dumps({k: str(v) for k, v in vars(args).items()}))

    tokenizer = embedded.tokenizer()
    channels, heads = architecture(args.init, args.channels, args.heads)
    unet, text_encoder = build(args.seed, channels, heads)
    if args.init is not None:
        unet.load_state_dict(UNet2DConditionModel.from_pretrained(args.init / "unet").state_dict())
        text_encoder.load_state_dict(
            CLIPTextModel.from_pretrained(args.init / "text_encoder").state_dict()
        )
        print(f"initialised from {args.init}", flush=True)
    if args.channels_last:
        unet = unet.to(memory_format=torch.channels_last)
    ema_unet, ema_text = copy.deepcopy(unet).eval(), copy.deepcopy(text_encoder).eval()
    params = list(unet.parameters()) + list(text_encoder.parameters())
    ema_params = list(ema_unet.parameters()) + list(ema_text.parameters())
    n_params = sum(p.numel() for p in params)
    print(f"parameters: {n_params / 1e6:.3f} M", flush=True)

    opt = torch.optim.AdamW(
        [
            {"params": list(unet.parameters()), "mult": 1.0},
            {"params": list(text_encoder.parameters()), "mult": args.text_lr_mult},
        ],
        lr=args.lr,
        weight_decay=0.01,
    )

    def lr_at(step: int) -> float:
        if step < args.warmup:
            return args.lr * (step + 1) / args.warmup
        progress = (step - args.warmup) / max(1, args.steps - args.warmup)
        return args.lr * 0.5 * (1 + math.cos(math.pi * progress))

    betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=torch.float64) ** 2
    alphas_cumprod = torch.cumprod(1 - betas, 0).float()

    rng = np.random.default_rng(args.seed)
    gen = torch.Generator("cpu").manual_seed(args.seed)
    log = open(args.out / "loss.csv", "w")  # noqa: SIM115
    log.write("step,loss,lr,seconds\n")
    start = time.time()
    running = 0.0
    stop = args.steps if args.stop_at is None else min(args.stop_at, args.steps)
    transitions = args.transition_rate > 0 or args.pair_transition_rate > 0 or args.camera_rate > 0
    camera = None
    if args.camera_rate > 0:
        import camera_pairs

        camera = (args.camera_rate, camera_pairs.draw_move, camera_pairs.warp_image)
    for step in range(stop):
        if transitions:
            images, sources, captions = shapes.make_transition_batch(
                rng, args.batch, args.transition_rate, args.pair_transition_rate,
                args.free_layout_rate, camera,
            )  # fmt: skip
        else:
            images, captions = shapes.make_batch(rng, args.batch, args.free_layout_rate)
        captions = ["" if rng.random() < args.empty_rate else c for c in captions]
        x0 = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
        if transitions:
            # With an empty caption nothing asks for a change: the target is the source itself.
            empty = torch.tensor([c == "" for c in captions]).view(-1, 1, 1, 1)
            source = torch.from_numpy(sources).permute(0, 3, 1, 2).float() / 127.5 - 1
            x0 = torch.where(empty, source, x0)
            moved = (source != x0).flatten(1).any(dim=1)
        ids = tokenizer(captions)
        t = torch.randint(0, 1000, (args.batch,), generator=gen)
        if args.high_noise_rate > 0:
            high = torch.rand(args.batch, generator=gen) < args.high_noise_rate
            t = torch.where(high, torch.randint(500, 1000, (args.batch,), generator=gen), t)
        if transitions:
            t_moved = torch.randint(args.transition_t_min, 1000, (args.batch,), generator=gen)
            t = torch.where(moved, t_moved, t)
        eps = torch.randn(x0.shape, generator=gen)
        if args.offset_noise > 0 and step >= args.offset_noise_from:
            # Offset noise (Guttenberg 2023): SD's schedule leaves sqrt(alpha_bar) = 0.068 of the
            # image at t = 999, and over 32x32 pixels the image's mean shows through the noise.
            # A model trained on that reads the background from its input's mean, which at
            # sampling time is noise: backgrounds come out random. A per-channel constant in
            # the noise hides the mean, so the model must take the background from the text.
            offset = torch.randn(x0.shape[0], x0.shape[1], 1, 1, generator=gen)
            eps = eps + args.offset_noise * offset
        if args.pyramid_noise > 0:
            eps = pyramid_noise(eps, args.pyramid_noise, gen)
        a = alphas_cumprod[t].view(-1, 1, 1, 1)
        if transitions:
            x_t, eps = transition(source, x0, eps, a)
        else:
            x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
        if args.channels_last:
            x_t = x_t.contiguous(memory_format=torch.channels_last)

        states = text_encoder(ids).last_hidden_state
        eps_pred = unet(x_t, t, encoder_hidden_states=states).sample
        per_item = ((eps_pred - eps) ** 2).mean(dim=(1, 2, 3))
        snr = alphas_cumprod[t] / (1 - alphas_cumprod[t])
        late = args.x0_weights_from is not None and step >= args.x0_weights_from
        if args.min_snr > 0 and not late:
            # Min-SNR-gamma weighting for eps-prediction (Hang et al. 2023): min(SNR, g) / SNR.
            per_item = per_item * snr.clamp(max=args.min_snr) / snr
        truncated = args.truncated_snr or (
            args.truncated_snr_from is not None and step >= args.truncated_snr_from
        )
        if truncated or late:
            # Truncated-SNR weighting, max(SNR, 1) in x0 terms = max(1, sigma^2) in eps terms:
            # at high noise an x0 error is only an eps error / sigma, too small to learn from.
            per_item = per_item * (1 / snr).clamp(min=1.0)
        loss = per_item.mean()

        for group in opt.param_groups:
            group["lr"] = lr_at(step) * group["mult"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_lerp_(ema_params, params, 1 - decay)

        running += loss.item()
        elapsed = time.time() - start
        log.write(f"{step + 1},{loss.item():.5f},{lr_at(step):.6f},{elapsed:.1f}\n")
        if (step + 1) % 10 == 0:
            log.flush()
            print(f"step {step + 1} loss {running / 10:.4f} {elapsed:.0f}s", flush=True)
            running = 0.0
        if (step + 1) % args.save_every == 0 and step + 1 < stop:
            save_folder(args.out / f"checkpoint-{step + 1:05d}", ema_unet, ema_text, tokenizer)
    save_folder(args.out / "final", ema_unet, ema_text, tokenizer)
    print(f"done: {stop} steps in {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
