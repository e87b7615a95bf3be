"""Loss curve of a run: a small PNG (Pillow) and a Markdown table of the mean loss per 100 steps.

.venv/bin/python training/plot_loss.py training/runs/main/loss.csv training/loss.png
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("csv", type=Path)
    p.add_argument("png", type=Path)
    p.add_argument("--window", type=int, default=20)
    args = p.parse_args()
    rows = list(csv.DictReader(args.csv.open()))
    steps = [int(r["step"]) for r in rows]
    losses = [float(r["loss"]) for r in rows]
    w = args.window
    smooth = [sum(losses[i : i + w]) / len(losses[i : i + w]) for i in range(0, len(losses), w)]
    centres = [steps[min(i + w // 2, len(steps) - 1)] for i in range(0, len(losses), w)]

    from PIL import Image, ImageDraw

    width, height, margin = 520, 260, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    top = max(smooth[1:] or smooth)
    low = 0.0
    last = steps[-1]

    def xy(step: float, loss: float) -> tuple[float, float]:
        x = margin + (width - 2 * margin) * step / last
        y = height - margin - (height - 2 * margin) * (min(loss, top) - low) / (top - low)
        return x, y

    draw.line([xy(0, low), xy(last, low)], fill="black")
    draw.line([xy(0, low), xy(0, top)], fill="black")
    draw.line([xy(s, v) for s, v in zip(centres, smooth, strict=True)], fill="blue", width=2)
    draw.text((margin, 8), f"training loss (Min-SNR-5 weighted, mean of {w} steps)", fill="black")
    draw.text((4, xy(0, top)[1] - 6), f"{top:.2f}", fill="black")
    draw.text((4, xy(0, low)[1] - 6), f"{low:.2f}", fill="black")
    draw.text((width - margin - 30, height - margin + 6), f"step {last}", fill="black")
    args.png.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.png, optimize=True)

    print("| steps | mean loss | seconds at end |")
    print("|---|---|---|")
    for start in range(0, len(rows), 100):
        chunk = rows[start : start + 100]
        mean = sum(float(r["loss"]) for r in chunk) / len(chunk)
        print(
            f"| {chunk[0]['step']}-{chunk[-1]['step']} | {mean:.4f} | {float(chunk[-1]['seconds']):.0f} |"
        )


if __name__ == "__main__":
    main()
