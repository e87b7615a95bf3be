"""Loss curve of a run's phases: a small PNG (Pillow) and Markdown tables of the mean loss per 100 steps.

    .venv/bin/python training/plot_loss.py training/loss.png training/runs/main/loss.csv[:STEPS] ...

Each CSV is one phase (optionally cut at STEPS, the checkpoint the next phase started from);
phases are drawn one after another, separated by grey lines. Phases weight the loss differently
(see README), so compare within a phase.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path


def read(spec: str) -> tuple[str, list[dict]]:
    path, _, cut = spec.partition(":")
    rows = list(csv.DictReader(Path(path).open()))
    if cut:
        rows = rows[: int(cut)]
    return path, rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("png", type=Path)
    p.add_argument("csv", nargs="+")
    p.add_argument("--window", type=int, default=20)
    args = p.parse_args()
    phases = [read(s) for s in args.csv]
    w = args.window
    points, bounds, offset = [], [], 0
    for _, rows in phases:
        losses = [float(r["loss"]) for r in rows]
        for i in range(0, len(losses), w):
            chunk = losses[i : i + w]
            points.append((offset + i + len(chunk) / 2, sum(chunk) / len(chunk)))
        offset += len(rows)
        bounds.append(offset)

    from PIL import Image, ImageDraw

    width, height, margin = 560, 260, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    top = max(v for _, v in points[2:]) if len(points) > 2 else max(v for _, v in points)
    last = bounds[-1]

    def xy(step: float, loss: float) -> tuple[float, float]:
        x = margin + (width - 2 * margin) * step / last
        y = height - margin - (height - 2 * margin) * min(loss, top) / top
        return x, y

    draw.line([xy(0, 0), xy(last, 0)], fill="black")
    draw.line([xy(0, 0), xy(0, top)], fill="black")
    for b in bounds[:-1]:
        draw.line([xy(b, 0), xy(b, top)], fill="grey")
    draw.line([xy(s, v) for s, v in points], fill="blue", width=2)
    draw.text(
        (margin, 8),
        f"training loss (weighted; mean of {w} steps), phases split by grey lines",
        fill="black",
    )
    draw.text((4, xy(0, top)[1] - 6), f"{top:.2f}", fill="black")
    draw.text((4, xy(0, 0)[1] - 6), "0", fill="black")
    draw.text((width - margin - 40, height - margin + 6), f"step {last}", fill="black")
    args.png.parent.mkdir(parents=True, exist_ok=True)
    image.save(args.png, optimize=True)

    for path, rows in phases:
        print(f"\n{path}\n\n| steps | mean loss | seconds at end |\n|---|---|---|")
        for start in range(0, len(rows), 100):
            chunk = rows[start : start + 100]
            mean = sum(float(r["loss"]) for r in chunk) / len(chunk)
            end = float(chunk[-1]["seconds"])
            print(f"| {chunk[0]['step']}-{chunk[-1]['step']} | {mean:.4f} | {end:.0f} |")


if __name__ == "__main__":
    main()
