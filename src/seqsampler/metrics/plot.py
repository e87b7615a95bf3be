"""metrics.png: every per-frame curve over frames, keyframes (segment starts) marked (Pillow)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

PALETTE = ((31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40))
GRID = (225, 225, 225)
KEYFRAME = (150, 150, 150)
BLACK = (0, 0, 0)

PANELS = (
    (
        "flicker: 1 - mean|frame i - frame i-1| / 255  (1 = still)",
        (("flicker", "all frequencies"), ("flicker_hf", "high-pass (grain)")),
        "up",
    ),
    ("SSIM between consecutive frames (luma; 1 = same)", (("ssim", "SSIM"),), "up"),
    (
        "colour drift: mean CIEDE2000",
        (("delta_e_first", "vs frame 0"), ("delta_e_segment", "vs segment start")),
        "zero",
    ),
    (
        "change between consecutive frames: mean|diff| / 255",
        (("change", "raw mean|diff|"), ("flow_residual", "after DIS flow warp")),
        "zero",
    ),
)


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: the bitmap font only
        return ImageFont.load_default()


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """About `count` round tick values covering [low, high]."""
    if not high > low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-6:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _range(values: Sequence[float], anchor: str) -> tuple[float, float]:
    if anchor == "up":  # quantities at most 1: from below the lowest value up to 1
        low = min(min(values, default=1.0), 1.0 - 1e-3)
        return low - 0.05 * (1.0 - low), 1.0
    high = max(values, default=0.0)
    return 0.0, high * 1.05 if high > 0 else 1.0


def _label(value: float) -> str:
    return f"{value:.4g}"


def metrics_png(metrics: dict[str, Any]) -> bytes:
    """Draw the per-frame series of `sequence_metrics`'s result as a PNG (bytes)."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    series = metrics["frames"]
    panels = list(PANELS)
    if "change_motion" in series:  # camera motion in the plan: the change with it undone
        heading, curves, anchor = panels[3]
        panels[3] = (heading, (*curves, ("change_motion", "camera undone")), anchor)
    count = metrics["frame_count"]
    starts = metrics["segment_starts"]
    seam = metrics["summary"]["seam"]
    font, small, title_font = _font(14), _font(12), _font(16)
    left, right, top, panel_h, gap = 80, 30, 96, 170, 74
    width = max(900, left + right + 10 * count)
    height = top + len(panels) * (panel_h + gap) + 10
    plot_w = width - left - right
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title = (
        f"seqsampler metrics: {count} frames, {metrics['width']}x{metrics['height']}; "
        f"grey dashed lines: keyframes (segment starts) {', '.join(map(str, starts))}"
    )
    draw.text((left, 12), title, fill=BLACK, font=title_font)

    def x_of(i: float) -> float:
        return left + plot_w * i / max(1, count - 1)

    for n, (heading, curves, anchor) in enumerate(panels):
        y0 = top + n * (panel_h + gap)
        values = [v for key, _ in curves for v in series[key] if v is not None]
        if n == 3:
            values.append(seam["change"])
        low, high = _range(values, anchor)
        ticks = [t for t in nice_ticks(low, high) if low - 1e-12 <= t <= high + 1e-12]

        def y_of(v: float, y0=y0, low=low, high=high) -> float:
            return y0 + panel_h - panel_h * (v - low) / ((high - low) or 1.0)

        for t in ticks:
            y = y_of(t)
            draw.line((left, y, left + plot_w, y), fill=GRID)
            draw.line((left - 4, y, left, y), fill=BLACK)
            text = _label(t)
            draw.text((left - 8 - draw.textlength(text, font=small), y - 7), text, BLACK, small)
        for k in starts:
            x = x_of(k)
            for y in range(int(y0), int(y0 + panel_h), 8):
                draw.line((x, y, x, min(y + 4, y0 + panel_h)), fill=KEYFRAME, width=2)
            if n == 0 and k > 0:
                draw.text((x + 3, y0 + 2), f"key {k}", fill=KEYFRAME, font=small)
        draw.rectangle((left, y0, left + plot_w, y0 + panel_h), outline=BLACK)
        step = max(1, math.ceil(count / 16))
        for i in range(0, count, step):
            x = x_of(i)
            draw.line((x, y0 + panel_h, x, y0 + panel_h + 4), fill=BLACK)
            draw.text(
                (x - draw.textlength(str(i), font=small) / 2, y0 + panel_h + 6),
                str(i),
                BLACK,
                small,
            )
        draw.text((left + plot_w / 2 - 18, y0 + panel_h + 22), "frame", BLACK, small)

        # heading and legend above the panel
        draw.text((left, y0 - 40), heading, fill=BLACK, font=font)
        lx: float = left
        legend = [(PALETTE[c], label) for c, (_, label) in enumerate(curves)]
        if n == 3:
            ratio = seam["ratio"]
            ratio_text = "unbounded" if ratio is None else f"{ratio:.3g}x median"
            legend.append((PALETTE[3], f"loop seam last->0 = {seam['change']:.4g} ({ratio_text})"))
        for colour, label in legend:
            draw.rectangle((lx, y0 - 17, lx + 18, y0 - 13), fill=colour)
            draw.text((lx + 24, y0 - 22), label, fill=BLACK, font=small)
            lx += 40 + draw.textlength(label, font=small)

        for c, (key, _) in enumerate(curves):
            points = [(x_of(i), y_of(v)) for i, v in enumerate(series[key]) if v is not None]
            if len(points) > 1:
                draw.line(points, fill=PALETTE[c], width=2)
            if count <= 64 or len(points) == 1:
                for x, y in points:
                    draw.ellipse((x - 2.5, y - 2.5, x + 2.5, y + 2.5), fill=PALETTE[c])
        if n == 3:
            y = y_of(seam["change"])
            for x in range(left, left + plot_w, 12):
                draw.line((x, y, min(x + 6, left + plot_w), y), fill=PALETTE[3], width=2)

    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
