"""The plot of bench/pareto.py (Pillow; the venv has no matplotlib): one panel per spec, model
evaluations per output frame (x) against flicker (y, the mean motion-compensated change), one
dot per row coloured by denoise mode and cfg_mode and labelled with its cadence, the diffusers
loop a black square; a dot is hollow where its settled-frame adherence is below 95% of the
loop's. The green box: half the loop's evaluations or fewer at flicker <= 1.05x the loop's
(goal 1 but its wall-time part). Lower left is better."""

from __future__ import annotations

from pathlib import Path
from typing import Any

COLOURS = {
    ("comfyui", "full"): (31, 119, 180),
    ("comfyui", "once"): (158, 202, 225),
    ("steps", "full"): (214, 39, 40),
    ("steps", "once"): (252, 146, 114),
}
PANEL, MARGIN = (420, 300), (56, 34, 16, 44)  # panel size; left, top, right, bottom margins


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: one size
        return ImageFont.load_default()


def _panel(
    draw: Any, x0: int, title: str, rows: list[dict[str, Any]], peer: dict[str, Any]
) -> None:
    left, top, right, bottom = MARGIN
    w, h = PANEL[0] - left - right, PANEL[1] - top - bottom
    xs = [r["evals"] for r in [*rows, peer]]
    ys = [r["flicker"] for r in [*rows, peer]]
    x_hi, y_hi = max(xs) * 1.1, max(ys) * 1.15

    def at(x: float, y: float) -> tuple[float, float]:
        return x0 + left + w * x / x_hi, top + h * (1 - y / y_hi)

    small, font = _font(11), _font(13)
    gx, gy = at(peer["evals"] / 2, 1.05 * peer["flicker"])  # goal 1's corner
    draw.rectangle((x0 + left, gy, gx, top + h), fill=(222, 245, 222))
    draw.rectangle((x0 + left, top, x0 + left + w, top + h), outline=(0, 0, 0))
    draw.text((x0 + left, 8), title, fill=(0, 0, 0), font=font)
    for i in range(5):
        xv, yv = x_hi * i / 4, y_hi * i / 4
        px, _ = at(xv, 0)
        _, py = at(0, yv)
        draw.text((px - 8, top + h + 4), f"{xv:.0f}", fill=(0, 0, 0), font=small)
        draw.text((x0 + 4, py - 6), f"{yv:.3f}", fill=(0, 0, 0), font=small)
    draw.text((x0 + left + w // 2 - 90, top + h + 20), "model evaluations per output frame",
              fill=(0, 0, 0), font=small)  # fmt: skip
    bar = 0.95 * peer["adherence"]
    for r in rows:
        px, py = at(r["evals"], r["flicker"])
        colour = COLOURS[(r["denoise_mode"], r["cfg_mode"])]
        fill = colour if r["adherence"] >= bar else None
        draw.ellipse((px - 5, py - 5, px + 5, py + 5), fill=fill, outline=colour, width=2)
        draw.text((px + 6, py - 12), str(r["cadence"]), fill=(0, 0, 0), font=small)
    px, py = at(peer["evals"], peer["flicker"])
    draw.rectangle((px - 7, py - 7, px + 7, py + 7), outline=(0, 0, 0), width=2)
    draw.text((px + 7, py - 12), "diffusers loop", fill=(0, 0, 0), font=small)


def pareto_png(panels: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]], path: Path) -> Path:
    """Write the panels ({title: (rows, peer row)}) side by side with a legend to `path`."""
    from PIL import Image, ImageDraw

    legend_h = 56
    image = Image.new("RGB", (PANEL[0] * len(panels), PANEL[1] + legend_h), "white")
    draw = ImageDraw.Draw(image)
    for i, (title, (rows, peer)) in enumerate(panels.items()):
        _panel(draw, i * PANEL[0], title, rows, peer)
    y, x, small = PANEL[1] + 4, 10, _font(11)
    draw.text((x, y - 2), "y: flicker (mean motion-compensated |diff|/255)", fill=(0, 0, 0),
              font=small)  # fmt: skip
    y += 16
    for (mode, cfg), colour in COLOURS.items():
        draw.ellipse((x, y, x + 10, y + 10), fill=colour)
        draw.text((x + 14, y - 1), f"{mode}, cfg {cfg}", fill=(0, 0, 0), font=small)
        x += 130
    draw.text((x, y - 1), "label: cadence; hollow: adherence < 95% of loop", fill=(0, 0, 0),
              font=small)  # fmt: skip
    draw.text((10, y + 16), "green: <= 1/2 the loop's evaluations at flicker <= 1.05x the loop's",
              fill=(0, 0, 0), font=small)  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
