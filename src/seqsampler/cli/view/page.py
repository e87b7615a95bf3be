"""`seqsampler view RUN_FOLDER`: one self-contained HTML page, `view.html`, in the run folder.

The page links (relatively) to the run's video, contact sheet, plan chart (`plan.png`, drawn
if missing: `folder.py`) and frames; hovering or focusing a frame shows its plan entry and its
prompt text. No script is needed: the details are in the page and CSS shows them. `--serve` serves the
page and the files it links on 127.0.0.1 until Ctrl-C (`server.py`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from ...planning import FrameMotion
from ..run.writers import atomic_write_text
from .folder import VIEW_NAME, RunView, ensure_chart, load_run

VIDEOS = (("video.mp4", "video/mp4"), ("video.webp", None), ("video.gif", None))


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items())
    return str(value)


def _text_at(texts: Sequence[str], index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(texts):
        return texts[index]
    return "(unknown)"


# A frame's motion record as the view shows it: the knobs off their identity, then where.
_STILL = FrameMotion()  # the defaults: no motion
_MOTION_IDENTITY = {name: getattr(_STILL, name) for name in ("zoom", "angle", "translation_x",
                    "translation_y", "sharpen_amount", "contrast")}  # fmt: skip


def _motion_text(motion: Mapping[str, Any]) -> str:
    moved = [f"{k} {_fmt(v)}" for k, v in motion.items() if k in _MOTION_IDENTITY
             and v != _MOTION_IDENTITY[k]]  # fmt: skip
    if motion.get("perspective_flip"):
        moved.append("perspective flip")
    where = f"{_fmt(motion.get('border'))} border, {_fmt(motion.get('space'))} space"
    return f"{', '.join(moved) or 'none'} ({where})"


def _frame_html(run: RunView, entry: Mapping[str, Any], changed: bool) -> str:
    i = entry.get("frame", 0)
    steps = entry.get("steps")
    start = entry.get("start_step")
    rows = [
        ("seed", _fmt(entry.get("seed"))),
        ("denoise", _fmt(entry.get("denoise"))),
        ("steps", f"{_fmt(steps)} (from step {_fmt(start)})" if start else _fmt(steps)),
        ("cfg", _fmt(entry.get("cfg"))),
        ("path", _fmt(entry.get("path"))),
        ("prompt", f"{_fmt(entry.get('positive'))} (negative {_fmt(entry.get('negative'))})"),
        ("glide", _fmt(entry.get("glide"))),
    ]
    if entry.get("noise_strength") is not None:
        rows.append(("noise", _fmt(entry.get("noise_strength"))))
    if entry.get("interp") is not None:
        rows.append(("interp", _fmt(entry.get("interp"))))
    if isinstance(entry.get("motion"), Mapping):
        rows.append(("motion", _motion_text(entry["motion"])))
    details = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    prompt = _text_at(run.positive, entry.get("positive"))
    negative = _text_at(run.negative, entry.get("negative")) if run.negative else ""
    neg_html = f'<p class="neg">negative: {_e(negative)}</p>' if negative else ""
    exists = run.frame_file(i).is_file()
    image = (
        f'<img src="frames/{i:05d}.png" alt="frame {i}" loading="lazy">'
        if exists
        else '<span class="missing">not rendered</span>'
    )
    label = f"frame {i}, seed {entry.get('seed')}, prompt: {prompt}"
    classes = "frame change" if changed else "frame"
    return (
        f'<figure class="{classes}" id="f{_e(i)}" tabindex="0" data-frame="{_e(i)}" '
        f'data-seed="{_e(entry.get("seed"))}" aria-label="{_e(label)}">'
        f"{image}<figcaption>{_e(i)}</figcaption>"
        f'<div class="info" role="tooltip"><h3>frame {_e(i)}</h3><dl>{details}</dl>'
        f'<p class="prompt">{_e(prompt)}</p>{neg_html}</div></figure>'
    )


def _video_html(root: Path) -> str:
    for name, mime in VIDEOS:
        if (root / name).is_file():
            if mime:
                return (
                    f'<video src="{name}" controls autoplay loop muted playsinline '
                    f'class="pixel"><a href="{name}">{name}</a></video>'
                )
            return f'<img src="{name}" alt="the animation" class="pixel">'
    return '<p class="missing">no video in this run (formats = [])</p>'


CSS = """
:root { color-scheme: dark; --bg: #15171c; --panel: #1f232b; --text: #e6e6e6;
  --dim: #9aa3b2; --accent: #ff8c00; --line: #343a46; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem 2rem 8rem; background: var(--bg); color: var(--text);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.4rem; margin: 0 0 .2rem; }
h2 { font-size: 1.05rem; margin: 1.6rem 0 .6rem; color: var(--dim); font-weight: 600; }
.summary { color: var(--dim); margin: 0 0 1rem; }
.top { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px;
  padding: .8rem; }
.card h2 { margin-top: 0; }
.card img, .card video { display: block; max-width: 100%; }
.media video, .media img { width: 300px; height: auto; }
.sheet img { width: 360px; height: auto; }
.prompts-card { flex: 1 1 18rem; max-width: 40rem; }
.chart img { width: 640px; max-width: 100%; background: #fff; border-radius: 4px; }
.pixel, .frame img { image-rendering: pixelated; }
ol.prompts { margin: 0; padding-left: 1.2rem; }
ol.prompts li { margin: .15rem 0; }
.key { color: var(--accent); font-variant-numeric: tabular-nums; }
.frames { display: grid; grid-template-columns: repeat(auto-fill, minmax(96px, 1fr));
  gap: .5rem; }
.frame { margin: 0; position: relative; background: var(--panel); border: 2px solid var(--line);
  border-radius: 6px; padding: 4px; cursor: default; outline: none; }
.frame img { width: 100%; height: auto; display: block; border-radius: 3px; }
.frame figcaption { font-size: .75rem; color: var(--dim); text-align: center;
  font-variant-numeric: tabular-nums; }
.frame.change { border-color: var(--accent); }
.frame.change figcaption { color: var(--accent); font-weight: 600; }
.frame:hover, .frame:focus { border-color: #7aa2f7; }
.frame:focus { box-shadow: 0 0 0 3px #7aa2f7; }
.info { display: none; position: fixed; right: 1.5rem; bottom: 1.5rem; width: 24rem;
  max-width: calc(100vw - 3rem); background: #0d0f13; border: 1px solid var(--accent);
  border-radius: 8px; padding: .8rem 1rem; z-index: 10;
  box-shadow: 0 6px 24px rgba(0,0,0,.5); }
.frame:hover .info, .frame:focus .info, .frame:target .info { display: block; }
.frames:hover .frame:target:not(:hover) .info { display: none; }
.info h3 { margin: 0 0 .4rem; font-size: 1rem; }
.info dl { display: grid; grid-template-columns: auto 1fr; gap: .1rem .8rem; margin: 0; }
.info dt { color: var(--dim); }
.info dd { margin: 0; font-variant-numeric: tabular-nums; }
.info .prompt { margin: .6rem 0 0; }
.info .neg { margin: .3rem 0 0; color: var(--dim); }
.missing { color: var(--dim); font-style: italic; }
.hint { color: var(--dim); font-size: .85rem; margin: -.3rem 0 .6rem; }
"""


def render_html(run: RunView, chart: Path | None) -> str:
    """The page's HTML (every text from the run escaped)."""
    frames = run.frames
    spec = run.spec
    title = run.root.resolve().name or str(run.root)
    done = sum(1 for f in frames if run.frame_file(f.get("frame", 0)).is_file())
    bits = [f"{len(frames)} frames"]
    if done != len(frames):
        bits.append(f"{done} rendered")
    for key in ("fps", "steps", "cfg", "sampler_name", "scheduler", "seed"):
        if key in spec and not isinstance(spec[key], (dict, list)):
            bits.append(f"{key} {spec[key]}")
    if "model" in spec:
        bits.append(f"model {Path(str(spec['model'])).name}")
    previous = None
    tiles = []
    for n, entry in enumerate(frames):
        frame_prompts = (entry.get("positive"), entry.get("negative"))
        tiles.append(_frame_html(run, entry, n > 0 and frame_prompts != previous))
        previous = frame_prompts
    starts = _prompt_starts(frames)
    prompt_items = "".join(
        f'<li value="{i}"><span class="key">from frame {_e(starts.get(i, "-"))}</span> '
        f"{_e(text)}</li>"
        for i, text in enumerate(run.positive)
    )
    prompts = f'<ol class="prompts" start="0">{prompt_items}</ol>' if prompt_items else ""
    sheet = (
        '<img src="contact_sheet.png" alt="contact sheet">'
        if (run.root / "contact_sheet.png").is_file()
        else '<p class="missing">no contact sheet yet</p>'
    )
    chart_html = (
        f'<section class="card chart"><h2>Plan</h2><img src="{chart.name}" alt="plan chart">'
        "</section>"
        if chart
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)} - seqsampler</title>
<style>{CSS}</style></head>
<body>
<h1>{_e(title)}</h1>
<p class="summary">{_e(" · ".join(bits))}</p>
<div class="top">
<section class="card media"><h2>Video</h2>{_video_html(run.root)}</section>
<section class="card sheet"><h2>Contact sheet</h2>{sheet}</section>
<section class="card prompts-card"><h2>Prompts</h2>{prompts}</section>
</div>
<h2>Frames</h2>
<p class="hint">Hover or focus (Tab) a frame for its plan entry and prompt (view.html#f8 opens
frame 8's); an orange frame starts a new prompt.</p>
<div class="frames">
{"".join(tiles)}
</div>
<div class="top" style="margin-top:1.5rem">{chart_html}</div>
</body></html>
"""


def _prompt_starts(frames: Sequence[Mapping[str, Any]]) -> dict[int, int]:
    starts: dict[int, int] = {}
    for entry in frames:
        index = entry.get("positive")
        if isinstance(index, int):
            starts.setdefault(index, entry.get("frame", 0))
    return starts


def write_view(folder: Path) -> Path:
    """Write `view.html` (and `plan.png` if missing) into the run folder; returns the page."""
    run = load_run(folder)
    chart = ensure_chart(run)
    page = folder / VIEW_NAME
    atomic_write_text(page, render_html(run, chart))
    return page


__all__ = ["render_html", "write_view"]
