"""The plan as a table and as a chart image (Pillow only): denoise (unsample frames marked, and
with cadence the frames made between diffused ones),
seed changes, cfg and steps, prompt weights, and the camera motion when the plan moves.

Shared by both front doors: the CLI writes the chart as a PNG (`seqsampler.cli.view.chart`), the
ComfyUI node `SeqSamplerPlanPreview` returns it as an IMAGE. Pillow is imported when drawing.

Prompt weights: a hard cut gives the active prompt weight 1; a glide of strength g moves the
weights `w_i = (1 - g) w_{i-1} + g onehot(target_i)` (the linear picture of the slerp glide).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .planning import FrameMotion, Plan

PALETTE = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)
CFG_COLOUR, STEPS_COLOUR = PALETTE[0], PALETTE[1]
SEED_BAR, SEED_DOT = PALETTE[3], PALETTE[4]
BETWEEN_TICK = PALETTE[9]  # cadence: a frame made between diffused ones
LEFT, TOP, PANEL_H, GAP = 70, 30, 110, 40


def panel_rows(index: int) -> tuple[int, int]:
    """The pixel rows (top, bottom) of chart panel `index` (0 denoise, 1 seeds, 2 cfg and
    steps, 3 prompt weights, 4 camera motion when the plan moves) inside `plan_chart`'s image."""
    y0 = TOP + index * (PANEL_H + GAP)
    return y0, y0 + PANEL_H


COLUMNS = (
    ("frame", "frame"),
    ("prompt", "positive"),
    ("neg", "negative"),
    ("seed", "seed"),
    ("denoise", "denoise"),
    ("path", "path"),
    ("steps", "steps"),
    ("start", "start_step"),
    ("evals", None),
    ("cfg", "cfg"),
    ("glide", "glide"),
    ("noise", "noise_strength"),
    ("interp", "interp"),
)
# The camera's per-frame knobs (FramePlan.motion; identity where a frame has none): the table's
# extra columns and the chart's motion panel, each curve scaled to its own range.
# (panel title, FrameMotion field) of the knobs the chart draws; a still frame reads the default.
CHART_KNOBS = (
    ("zoom", "zoom"),
    ("angle", "angle"),
    ("tx", "translation_x"),
    ("ty", "translation_y"),
    ("sharpen", "sharpen_amount"),
    ("contrast", "contrast"),
)


def motion_curves(plan: Plan) -> dict[str, list[float]] | None:
    """Per motion knob (CHART_KNOBS), its value at every frame; None when no frame moves."""
    if all(f.motion is None for f in plan.frames):
        return None
    still = FrameMotion()
    return {
        title: [getattr(still if f.motion is None else f.motion, key) for f in plan.frames]
        for title, key in CHART_KNOBS
    }


def prompt_weights(plan: Plan, texts: Sequence[str]) -> dict[str, list[float]]:
    """Per distinct prompt text, its weight at every frame (see the module docstring)."""
    names = list(dict.fromkeys(texts))
    weights: dict[str, list[float]] = {name: [] for name in names}
    previous: dict[str, float] | None = None
    for frame in plan.frames:
        target = {name: float(name == texts[frame.positive]) for name in names}
        if frame.glide is None or previous is None:
            current = target
        else:
            g = frame.glide
            current = {name: (1 - g) * previous[name] + g * target[name] for name in names}
        for name in names:
            weights[name].append(current[name])
        previous = current
    return weights


def cell_text(frame, key: str | None) -> str:
    if key is None:
        return str(frame.model_steps)
    value = getattr(frame, key)
    if value is None:
        return "-"
    if key == "interp":
        return f"{value.mode}:{value.strength:.3g}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def video_text(frame) -> str:
    """A frame's input from the video (FramePlan.video): `init 0`, `indep 5`, `hybrid 5 x0.5`
    (the input frame's weight), `+lab` when its colours are matched to the input frame."""
    video = frame.video
    if video is None:
        return "-"
    text = f"{'indep' if video.mode == 'independent' else video.mode} {video.frame}"
    if video.mode == "hybrid":
        text += f" x{video.strength:.3g}"
    return text + (f" +{video.color.mode}" if video.color is not None else "")


def made_text(frame) -> str:
    """How a frame is made with cadence: `diffused` (the model), or `3-6 @0.333` (between the
    diffused frames 3 and 6 at t = 1/3)."""
    b = frame.between
    return "diffused" if b is None else f"{b.previous}-{b.next} @{b.t:.3g}"


def plan_table(plan: Plan) -> str:
    """A fixed-width text table of the plan, one row per frame (the motion knobs as extra
    columns when the plan moves, the input video's frame when it has one)."""
    rows = [[title for title, _ in COLUMNS]]
    rows += [[cell_text(frame, key) for _, key in COLUMNS] for frame in plan.frames]
    if any(frame.video is not None for frame in plan.frames):
        rows[0].append("video")
        for row, frame in zip(rows[1:], plan.frames, strict=True):
            row.append(video_text(frame))
    if any(frame.between is not None for frame in plan.frames):  # cadence
        rows[0].append("made")
        for row, frame in zip(rows[1:], plan.frames, strict=True):
            row.append(made_text(frame))
    curves = motion_curves(plan)
    if curves is not None:
        rows[0] += list(curves)
        for i, row in enumerate(rows[1:]):
            row += [f"{values[i]:.4g}" for values in curves.values()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def chart_size(frames: int, prompts: int, panels: int = 4) -> tuple[int, int]:
    """The chart's (width, height) in pixels for `frames` frames, `prompts` distinct prompts and
    `panels` panels (5 with the motion panel)."""
    width = max(640, LEFT + 20 + 8 * frames)
    return width, TOP + panels * (PANEL_H + GAP) + 16 * prompts + 10


def frame_x(frame: float, frames: int, width: int) -> float:
    """The x pixel of `frame` in a chart of `width` pixels."""
    return LEFT + ((width - LEFT - 20) * frame / max(1, frames - 1))


def plan_chart_image(plan: Plan, texts: Sequence[str]) -> Any:
    """Denoise, seed changes, cfg and steps, and prompt weights over frames, as an RGB PIL image."""
    from PIL import Image, ImageDraw, ImageFont

    frames = plan.frame_count
    left, right, panel_h, gap, top = LEFT, 20, PANEL_H, GAP, TOP
    weights = prompt_weights(plan, texts)
    curves = motion_curves(plan)
    panels = 4 if curves is None else 5
    width, height = chart_size(frames, len(weights), panels)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    plot_w = width - left - right

    def x_of(i: float) -> float:
        return frame_x(i, frames, width)

    def panel(index: int, title: str, low: float, high: float) -> tuple[float, float]:
        y0 = top + index * (panel_h + gap)
        draw.rectangle((left, y0, left + plot_w, y0 + panel_h), outline=(0, 0, 0))
        draw.text((left, y0 - 14), title, fill=(0, 0, 0), font=font)
        draw.text((4, y0 - 4), f"{high:g}", fill=(0, 0, 0), font=font)
        draw.text((4, y0 + panel_h - 8), f"{low:g}", fill=(0, 0, 0), font=font)
        for i in range(0, frames, max(1, frames // 12)):
            draw.line((x_of(i), y0 + panel_h, x_of(i), y0 + panel_h + 4), fill=(0, 0, 0))
            draw.text((x_of(i) - 3, y0 + panel_h + 5), str(i), fill=(0, 0, 0), font=font)
        return y0, panel_h

    def polyline(values: Sequence[float], y0: float, h: float, colour, low=0.0, high=1.0) -> None:
        span = (high - low) or 1.0
        points = [(x_of(i), y0 + h - h * (v - low) / span) for i, v in enumerate(values)]
        if len(points) == 1:
            points.append((points[0][0] + 2, points[0][1]))
        draw.line(points, fill=colour, width=2)

    title = "denoise per frame (dots: path unsample = orange, copy = grey)"
    between = [f.frame for f in plan.frames if f.between is not None]
    title += "; cyan ticks: made between diffused frames (cadence)" if between else ""
    y0, h = panel(0, title, 0.0, 1.0)
    for i in between:
        draw.line((x_of(i), y0 + 2, x_of(i), y0 + 12), fill=BETWEEN_TICK, width=2)
    polyline([f.denoise for f in plan.frames], y0, h, PALETTE[0])
    for f in plan.frames:
        if f.path != "plain":
            colour = PALETTE[1] if f.path == "unsample" else PALETTE[7]
            x, y = x_of(f.frame), y0 + h - h * f.denoise
            draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=colour)

    seeds = [f.seed for f in plan.frames]
    title = (
        f"seed changes (red bar: differs from the previous frame's); seed {min(seeds)}.."
        f"{max(seeds)} (purple dots, scaled to its range)"
    )
    y0, h = panel(1, title, 0.0, 1.0)
    previous = None
    for f in plan.frames:
        if previous is None or f.seed != previous:
            draw.line((x_of(f.frame), y0 + 4, x_of(f.frame), y0 + h - 4), fill=SEED_BAR, width=2)
        previous = f.seed
    span = (max(seeds) - min(seeds)) or 1
    for f in plan.frames:  # the seed's value: a dot per frame, 8 px inside the panel's edges
        x, y = x_of(f.frame), y0 + h - 8 - (h - 16) * (f.seed - min(seeds)) / span
        draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=SEED_DOT)

    cfgs = [f.cfg for f in plan.frames]
    steps = [f.steps for f in plan.frames]
    title = (
        f"cfg {min(cfgs):g}..{max(cfgs):g} (blue) and steps {min(steps)}..{max(steps)} "
        "(orange), each scaled to its own range"
    )
    y0, h = panel(2, title, 0.0, 1.0)
    # steps first, cfg on top; a constant series gets its own height (steps at 1/3, cfg at
    # 2/3) and a label, so two constant lines never hide each other.
    for name, values, colour, level in (
        ("steps", steps, STEPS_COLOUR, 1 / 3),
        ("cfg", cfgs, CFG_COLOUR, 2 / 3),
    ):
        low, high = min(values), max(values)
        if low == high:
            low, high = low - level / (1 - level), high + 1
            draw.text(
                (left + 4, y0 + h * (1 - level) - 13),
                f"{name} {values[0]:g}",
                fill=colour,
                font=font,
            )
        polyline(values, y0, h, colour, low, high)

    y0, h = panel(3, "prompt weights", 0.0, 1.0)
    for k in plan.keyframes:
        draw.line((x_of(k), y0, x_of(k), y0 + h), fill=(200, 200, 200))
    if curves is not None:
        names = ", ".join(f"{k} {min(v):g}..{max(v):g}" for k, v in curves.items())
        y0, h = panel(4, f"camera motion per frame, each scaled to its own range: {names}", 0, 1)
        for n, values in enumerate(curves.values()):
            low, high = min(values), max(values)
            if low == high:  # a constant knob: a flat line at its own height
                low, high = low - (n + 1) / 7, low + (6 - n) / 7
            polyline(values, y0, h, PALETTE[n], low, high)
    legend_y = top + panels * (panel_h + gap) - 10
    for n, (text, values) in enumerate(weights.items()):
        colour = PALETTE[n % len(PALETTE)]
        polyline(values, y0, h, colour)
        label = text if len(text) <= 90 else text[:87] + "..."
        draw.rectangle(
            (left, legend_y + 16 * n + 3, left + 10, legend_y + 16 * n + 13), fill=colour
        )
        draw.text((left + 16, legend_y + 16 * n + 2), label, fill=(0, 0, 0), font=font)
    return image
