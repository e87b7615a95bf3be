"""Prompt adherence, grain, sampling time and a contact sheet for a model folder (default: the shipped one).

    .venv/bin/python training/evaluate.py [--model FOLDER] [--count 64] [--sheet docs/contact_sheet.png]

Adherence: `training/adherence.py` (image statistics + rendered templates) over `count`
single-shape prompts and `count` two-shape prompts, each set sampled in one batch at the default
sampler, steps and cfg. Grain: `training/grain.py` (high-pass rms on the background, 0..255) of
the single-shape samples.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import adherence
import grain
import numpy as np
import torch

from seqsampler.models import embedded
from seqsampler.models.loader import load_model


def contact_sheet(images: np.ndarray, texts: list[str], path: Path, scale: int = 4) -> None:
    """A 4-column grid of upscaled samples, each with its prompt underneath (wrapped)."""
    import textwrap

    from PIL import Image, ImageDraw

    cell = images.shape[1] * scale
    text_h = 40
    columns = 4
    rows = (len(images) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * (cell + 8) + 8, rows * (cell + text_h + 8) + 8), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (image, text) in enumerate(zip(images, texts, strict=True)):
        r, c = divmod(i, columns)
        x, y = 8 + c * (cell + 8), 8 + r * (cell + text_h + 8)
        tile = Image.fromarray(image).resize((cell, cell), Image.Resampling.NEAREST)
        sheet.paste(tile, (x, y))
        draw.multiline_text((x, y + cell + 2), textwrap.fill(text, 24), fill="black", spacing=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, optimize=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--count", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=embedded.DEFAULT_STEPS)
    p.add_argument("--cfg", type=float, default=embedded.DEFAULT_CFG)
    p.add_argument("--scheduler", default=embedded.DEFAULT_SCHEDULER)
    p.add_argument("--sampler", default=embedded.DEFAULT_SAMPLER)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sheet", type=Path, default=None)
    p.add_argument("--show-misses", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model)
    scenes = adherence.prompt_scenes(args.seed, args.count)
    texts = adherence.captions(scenes)
    start = time.perf_counter()
    images = adherence.sample_prompts(
        model,
        texts,
        args.seed,
        steps=args.steps,
        cfg=args.cfg,
        sampler_name=args.sampler,
        scheduler=args.scheduler,
    )
    seconds = time.perf_counter() - start
    scores = adherence.score(scenes, images)
    print(
        f"{args.count} prompts, {args.sampler}/{args.scheduler}, {args.steps} steps, cfg {args.cfg}: "
        f"{seconds:.1f}s ({seconds / args.count * 1000:.0f} ms/image, batched, "
        f"{args.threads} thread(s))"
    )
    print("  ".join(f"{k} {v:.1%}" for k, v in scores.items()))
    g = grain.background_grain(images, scenes)
    print(
        f"grain (background high-pass rms, 0..255): mean {np.nanmean(g):.2f}, median "
        f"{np.nanmedian(g):.2f}, max {np.nanmax(g):.2f}"
    )
    pairs = adherence.pair_scenes(args.seed, args.count)
    pair_images = adherence.sample_prompts(
        model, adherence.captions(pairs), args.seed, steps=args.steps, cfg=args.cfg,
        sampler_name=args.sampler, scheduler=args.scheduler,
    )  # fmt: skip
    pair_scores = adherence.score_pairs(pairs, pair_images)
    print("two shapes: " + "  ".join(f"{k} {v:.1%}" for k, v in pair_scores.items()))
    if args.show_misses:
        for scene, image, text in zip(scenes, images, texts, strict=True):
            m = adherence.measure(image)
            item = scene.items[0]
            got = (m.colour, m.shape, m.size, m.position, m.background)
            want = (item.colour, item.shape, item.size, item.position, scene.background)
            if got != want:
                print(f"  {text!r}: measured {got}")
    if args.sheet:
        contact_sheet(images[:16], texts[:16], args.sheet)
        print(f"wrote {args.sheet}")


if __name__ == "__main__":
    main()
