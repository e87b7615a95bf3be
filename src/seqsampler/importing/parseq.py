"""Parseq's rendered output -> a seqsampler spec: `parseq_to_spec(rendered) -> ImportResult`.

Parseq (rewbs/sd-parseq) renders its keyframes into `rendered_frames`, one object per frame with
a value for every field it manages (its contract: frame 0 names them all). Each series becomes a
schedule table with a key per frame, less the inner frames of runs of equal values, so the
planner's in-betweens reproduce every frame exactly (`schedules.compact_table`). Read as Deforum
reads them (sd-webui-deforum `parseq_adapter.py`): `deforum_prompt` is `positive --neg
negative`; `seed` is truncated to an int; `scale` is cfg; `strength` becomes denoise 1 - v;
`noise` the injected noise; motion uses the `*_delta` series (Deforum's `parseq_use_deltas`,
on by default), carried once seqsampler has the motion fields.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from ..planning.fields import MAX_FRAMES
from ..planning.names import SEED_LIMIT
from . import deforum_rules as rules
from .prompts import put_prompts
from .result import (
    ImportResult,
    SpecBuilder,
    field_range,
    first_known,
    is_number,
    settings_mapping,
)
from .schedules import compact_table
from .source import whole_number

WHAT = "parseq rendered output"
MOTION = {**rules.MOTION_2D, **rules.FLIP_SCHEDULES}
# Motion series Deforum reads as per-frame changes (`*_delta`) while parseq_use_deltas is on.
DELTA_FIELDS = ("angle", "zoom", "translation_x", "translation_y", "perspective_flip_theta",
                "perspective_flip_phi", "perspective_flip_gamma")  # fmt: skip
Series = dict[str, list[Any]]  # field -> its value at each frame
DOCUMENT_KEYS = ("prompts", "keyframes", "managedFields", "displayedFields", "timeSeries",
                 "keyframeLock", "rendered_frames_meta")  # fmt: skip


def parseq_to_spec(
    rendered: Mapping[str, Any], known_fields: Collection[str] | None = None
) -> ImportResult:
    """A spec from Parseq's rendered JSON; `known_fields` as for `deforum_to_spec`."""
    data = settings_mapping(rendered, WHAT)
    frames = _frames(data.get("rendered_frames"))
    b = SpecBuilder(known_fields)
    meta = data.get("meta")
    meta = meta if isinstance(meta, Mapping) else {}
    b.header.append(
        f"from Parseq {meta.get('version', '?')} output ({meta.get('generated_at', 'undated')})"
    )
    if len(frames) > MAX_FRAMES:
        b.note(f"{len(frames)} rendered frames cut to {MAX_FRAMES}, seqsampler's most frames")
        frames = frames[:MAX_FRAMES]
    b.put("frame_count", len(frames), "rendered_frames")
    series: Series = {name: [f[name] for f in frames] for name in frames[0] if name != "frame"}
    used = {"frame"}
    _prompts(b, series, used)
    _seed(b, series, used)
    _number_series(b, series, used, "scale", "cfg", lambda v: v)
    if "strength" in series:
        b.put("denoise_start", 1.0, "strength", "frame 0 from noise, as Deforum's first frame")
    _number_series(b, series, used, "strength", "denoise_seq", lambda v: 1 - v)
    if "strength" in series:
        why = "A1111 img2img's steps: about steps x denoise model steps per frame"
        b.put("denoise_mode", "steps", "strength", why)
    _noise(b, series, used)
    _motion(b, series, used)
    for name, values in series.items():
        if name.endswith(("_delta", "_pc")) and name.rsplit("_", 1)[0] in series:
            continue  # derived from a series reported on its own
        if name not in used:
            b.not_carried(name, values, "no seqsampler equivalent")
    _options(b, data.get("options"))
    for key in data:
        if key not in ("meta", "options", "rendered_frames", "reverseRender", *DOCUMENT_KEYS):
            b.not_carried(key, data[key], "not part of Parseq's rendered frames")
    if data.get("reverseRender"):
        b.not_carried("reverseRender", True, "seqsampler renders frames in order")
    b.note("Parseq's keyframes, prompts and interpolations are carried as the frames they render")
    managed = ", ".join(n for n in series if not n.endswith(("_delta", "_pc")))
    b.note(
        f"Deforum takes what Parseq does not manage (here Parseq manages {managed}) from its own "
        "settings: import those with `seqsampler import deforum` and merge the two specs"
    )
    return b.result()


def _frames(value: Any) -> list[Mapping[str, Any]]:
    """The rendered frames, checked: objects numbered 0, 1, ... without gaps or repeats."""
    if not isinstance(value, list) or not value:
        raise ValueError(
            f"{WHAT}: rendered_frames is {type(value).__name__}; accepted: a non-empty list of "
            "frames (Parseq's rendered output, not a Parseq document)"
        )
    for i, frame in enumerate(value):
        number = frame.get("frame") if isinstance(frame, Mapping) else None
        if number != i or isinstance(number, bool):
            raise ValueError(
                f"{WHAT}: rendered_frames[{i}] has frame {number!r}; accepted: frames numbered "
                "0, 1, 2, ... in order, each once"
            )
        missing = [name for name in value[0] if name not in frame]
        if missing:
            raise ValueError(
                f"{WHAT}: rendered frame {i} has no {missing[0]!r}; accepted: every frame with "
                "the fields of frame 0"
            )
    return value


def _numbers(b: SpecBuilder, name: str, values: Sequence[Any]) -> list[float] | None:
    if all(is_number(v) for v in values):
        return [float(v) for v in values]
    b.not_carried(name, values, "not numbers at every frame")
    return None


def _put_table(b: SpecBuilder, field: str, values: list[float], origin: str, *why: str) -> None:
    """Per-frame values as a number (constant) or a compact exact table, kept in range."""
    low, high = field_range(field)
    if low is not None and high is not None:
        moved = [i for i, v in enumerate(values) if not low <= v <= high]
        if moved:
            b.note(f"{origin}: kept within [{low:g}, {high:g}] at {len(moved)} frames")
            values = [min(max(v, low), high) for v in values]
    table = compact_table(values)
    value: Any = values[0] if len(table) == 1 else {str(k): v for k, v in table.items()}
    b.put(field, value, origin, *why)


def _number_series(
    b: SpecBuilder,
    series: Series,
    used: set[str],
    name: str,
    field: str,
    f: Callable[[float], float],
) -> None:
    if name not in series:
        return
    used.add(name)
    values = _numbers(b, name, series[name])
    if values is not None:
        _put_table(b, field, [f(v) for v in values], name)


def _prompts(b: SpecBuilder, series: Series, used: set[str]) -> None:
    texts = series.get("deforum_prompt")
    used.add("deforum_prompt")
    if texts is None:
        b.header.append("no prompts: Parseq left them to Deforum; add a [prompts] table")
        return
    prompts: dict[int, str] = {}
    for frame, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"{WHAT}: deforum_prompt of frame {frame} is {type(text).__name__}")
        if frame == 0 or text != texts[frame - 1]:
            prompts[frame] = text
    put_prompts(b, prompts, "deforum_prompt")


def _seed(b: SpecBuilder, series: Series, used: set[str]) -> None:
    if "seed" not in series:
        return
    used.update(("seed", "subseed", "subseed_strength"))
    values = _numbers(b, "seed", series["seed"])
    if values is None:
        return
    seeds = [int(v) for v in values]  # Deforum: int(seed), the fraction is seed travel
    if not all(0 <= s < SEED_LIMIT for s in seeds):
        b.not_carried("seed", series["seed"], "-1 draws a random seed in Deforum")
    else:
        table = compact_table(seeds)
        if len(table) == 1:
            b.put("seed", seeds[0], "seed")
            b.put("seed_mode_seq", "fixed", "seed")
        else:
            b.put("seed", {str(k): v for k, v in table.items()}, "seed", "Parseq's seed per frame")
    travel = series.get("subseed_strength", [])
    if any(is_number(v) and v != 0 for v in travel):
        b.not_carried("subseed_strength", travel, "seqsampler has no seed travel (subseeds)")


def _noise(b: SpecBuilder, series: Series, used: set[str]) -> None:
    if "noise" not in series:
        return
    used.add("noise")
    values = _numbers(b, "noise", series["noise"])
    if values is None:
        return
    if max(values) <= 0:
        b.put("inject_noise", False, "noise", "Parseq's noise is 0 at every frame")
        return
    if b.knows("noise_strength"):
        b.put("inject_noise", True, "noise")
    why = "Deforum adds this noise to the image, seqsampler to the latent: tune it by eye"
    _put_table(b, "noise_strength", values, "noise", why)


def _motion(b: SpecBuilder, series: Series, used: set[str]) -> None:
    for name, targets in MOTION.items():
        source = f"{name}_delta" if name in DELTA_FIELDS and f"{name}_delta" in series else name
        if source not in series:
            continue
        used.update((name, source))
        target = first_known(b, targets)
        if not b.knows(target):
            b.put(target, series[source], source)  # noted: no such field yet
            continue
        values = _numbers(b, source, series[source])
        if values is not None:
            _put_table(b, target, values, source, f"Parseq's {source} (Deforum's 2D motion)")


def _option_number(value: Any) -> float | None:
    """An option's number: Parseq writes some as strings ("30")."""
    if is_number(value):
        return float(value)
    whole = whole_number(value)
    return float(whole) if whole is not None else None


def _options(b: SpecBuilder, options: Any) -> None:
    if not isinstance(options, Mapping):
        return
    for key, value in options.items():
        number = _option_number(value)
        if key == "output_fps" and number is not None and 1 <= number <= 240:
            b.put("fps", round(number), "options.output_fps")
        elif key == "cadence" and number is not None and number >= 1 and number.is_integer():
            if number > 1:  # 1: every frame diffused, as seqsampler does
                b.put(first_known(b, rules.CADENCE_FIELD), int(number), "options.cadence")
        elif key in ("input_fps", "bpm"):
            b.header.append(f"Parseq placed its keyframes at {key} {value!r} (already rendered)")
        else:
            b.not_carried(f"options.{key}", value, "no seqsampler equivalent")
