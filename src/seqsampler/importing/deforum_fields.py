"""The Deforum settings that become seqsampler fields: seed and seed behaviour, sampler, steps,
cfg, strength -> denoise, noise, colour coherence, and the motion / cadence / video settings
(carried once seqsampler has the field: `SpecBuilder.put` decides).

Deforum's semantics are read from sd-webui-deforum (`seed.py` next_seed, `render.py`,
`animation_key_frames.py`) and the Deforum notebook; `deforum.py` lists the whole mapping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..planning.names import SEED_LIMIT
from ..planning.schedule import ScheduleError, schedule_values
from . import deforum_rules as rules
from .names import a1111_scheduler, sampler_and_scheduler
from .result import field_choices, field_range, first_known, is_number
from .schedules import clamped, compact_table, per_255, uses_seed_symbol, with_seed
from .source import Source, whole_number

# seed_behavior -> seed + f(t) as a seed schedule expression (sd-webui-deforum seed.py next_seed,
# called once per frame after it is drawn): ladder +2, -1, ...; alternate +1, -1, ...
SEED_FORMULAS = {"ladder": "t // 2 + 2 * (t % 2)", "alternate": "t % 2"}


def _frames_text(frames: list[int]) -> str:
    shown = ", ".join(str(f) for f in frames[:6])
    return shown + (f" and {len(frames) - 6} more" if len(frames) > 6 else "")


def schedule_text(src: Source, name: str, raw: Any) -> str | None:
    """A Deforum schedule (or number) as schedule text, Deforum's `s` replaced by the seed;
    None (with a note) when it is neither or needs a seed that is random."""
    if is_number(raw):
        return str(raw)
    if not isinstance(raw, str) or not raw.strip():
        src.builder.not_carried(name, raw, "not a schedule or a number")
        return None
    if uses_seed_symbol(raw):
        if src.seed is None:
            src.builder.not_carried(name, raw, "it uses s, the run's seed, and the seed is random")
            return None
        return with_seed(raw, src.seed)
    return raw


def put_schedule(
    src: Source,
    name: str,
    target: str,
    *comments: str,
    transform: Callable[[str, str, int], str] | None = None,
    integer: bool = False,
) -> bool:
    """Carry Deforum schedule `name` as field `target`: checked with the planner's parser, kept
    in the field's range (Deforum clamps), a constant written as a number."""
    raw = src.take(name)
    if not src.builder.knows(target):
        return src.builder.put(target, raw, name)  # noted: no such field yet
    text = schedule_text(src, name, raw)
    if text is None:
        return False
    low, high = field_range(target)
    try:
        text = transform(text, target, src.frames) if transform else text
        value: Any = text
        moved: list[int] = []
        if low is not None and high is not None:
            value, moved = clamped(text, target, src.frames, low, high)
        value = _simplest(src, name, value, target, integer)
    except ScheduleError as exc:
        src.builder.not_carried(name, raw, f"seqsampler cannot read it: {exc}")
        return False
    if moved:
        src.builder.note(
            f"{name}: kept within [{low:g}, {high:g}] at frames {_frames_text(moved)} (as "
            "Deforum clamps it), written as its per-frame values"
        )
    return src.builder.put(target, value, name, *comments)


def _simplest(src: Source, name: str, value: Any, target: str, integer: bool) -> Any:
    """A schedule (text or table) as a number when constant; an int field whose values are not
    whole as the table of Deforum's int() of each frame's value; else unchanged."""
    table = {str(k): v for k, v in value.items()} if isinstance(value, dict) else value
    values = schedule_values(table, target, src.frames)
    if integer and any(not v.is_integer() for v in values):
        src.builder.note(f"{name}: per-frame values truncated to ints, as Deforum's int() does")
        ints = [int(v) for v in values]
        value = compact_table(ints)
    if len(set(values)) == 1:
        return int(values[0]) if integer else values[0]
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


def put_seed(src: Source) -> None:
    """`seed` and `seed_behavior` (+ `seed_iter_N`, `seed_schedule`) -> seed, seed_mode_seq."""
    b = src.builder
    raw = src.take("seed")
    seed = whole_number(raw)
    if seed is None or not 0 <= seed < SEED_LIMIT:
        why = "Deforum draws a random seed for each run" if seed == -1 else "not a seed"
        b.not_carried("seed", raw, f"{why}; set seed = N for a fixed one (seqsampler: 0)")
    else:
        src.seed = seed
        b.put("seed", seed, "seed")
    behaviour = src.take("seed_behavior", "iter")
    every = whole_number(src.take("seed_iter_N", 1)) or 1
    formula = SEED_FORMULAS.get(behaviour)
    if behaviour == "iter" and every > 1:
        formula = f"(t + {every - 1}) // {every}"
    if behaviour == "iter" and every == 1:
        b.put("seed_mode_seq", "increment", "seed_behavior", "Deforum's iter: seed + 1 per frame")
    elif behaviour == "random":
        why = "Deforum draws each frame's seed at random; here a fixed hash of (seed, frame)"
        b.put("seed_mode_seq", "random", "seed_behavior", why)
    elif behaviour == "fixed":
        b.put("seed_mode_seq", "fixed", "seed_behavior")
    elif formula is not None and src.seed is not None:
        why = f"Deforum's seed_behavior {behaviour!r} (seed_iter_N {every}) as a seed schedule"
        b.put("seed", f"0:({src.seed} + {formula})", "seed_behavior", why)
    elif behaviour == "schedule":
        _put_seed_schedule(src)
    else:
        why = "it needs a fixed seed" if formula else "an unknown seed behaviour"
        b.not_carried("seed_behavior", behaviour, why)


def _put_seed_schedule(src: Source) -> None:
    raw = src.settings.get("seed_schedule")
    text = schedule_text(src, "seed_schedule", raw)
    if text is None:
        src.take("seed_schedule")
        return
    try:
        values = schedule_values(text, "seed", src.frames)
    except ScheduleError as exc:
        src.take("seed_schedule")
        src.builder.not_carried("seed_schedule", raw, f"seqsampler cannot read it: {exc}")
        return
    if min(values) < 0:  # Deforum draws a random seed for -1
        src.take("seed_schedule")
        src.builder.not_carried("seed_schedule", raw, "its -1 frames draw random seeds in Deforum")
        why = "the nearest to seed_schedule's random (-1) frames: a hash of (seed, frame)"
        src.builder.put("seed_mode_seq", "random", "seed_behavior", why)
        return
    put_schedule(src, "seed_schedule", "seed", "Deforum's seed_schedule", integer=True)


def put_sampler(src: Source) -> None:
    """`sampler` (+ A1111 v1.9's `scheduler`) -> sampler_name and scheduler."""
    raw = src.take("sampler")
    if raw is None:
        return
    found = sampler_and_scheduler(raw) if isinstance(raw, str) else None
    if found is None or found[0] not in field_choices("sampler_name"):
        src.builder.not_carried("sampler", raw, "no sampler of that name in seqsampler")
        return
    sampler, scheduler = found
    if src.has("scheduler"):
        label = src.take("scheduler")
        known, named = a1111_scheduler(label) if isinstance(label, str) else (False, None)
        if not known or (named and named not in field_choices("scheduler")):
            src.builder.not_carried("scheduler", label, "no scheduler of that name in seqsampler")
        scheduler = named or scheduler
    src.builder.put("sampler_name", sampler, "sampler", f"Deforum's {raw!r}")
    src.builder.put("scheduler", scheduler, "sampler")


def put_motion(src: Source, mode: Any) -> None:
    """2D motion, the perspective flip and the border (2D mode), cadence (2D and 3D), the video
    input (Video Input mode): each carried once seqsampler has its field."""
    s, b = src.settings, src.builder
    if mode == "2D":
        for name, targets in rules.MOTION_2D.items():
            if name in s:
                put_schedule(src, name, first_known(b, targets))
        switch = next((n for n in rules.FLIP_SWITCHES if n in s), None)
        if switch and src.flag(switch):
            b.put(first_known(b, rules.FLIP_FIELD), True, switch)
            for name, targets in rules.FLIP_SCHEDULES.items():
                if name in s:
                    put_schedule(src, name, first_known(b, targets))
        if "border" in s:
            b.put(first_known(b, rules.BORDER_FIELD), src.take("border"), "border")
    if mode in ("2D", "3D"):
        for name, (target, integer) in rules.IMAGE_SCHEDULES.items():
            if name in s:
                put_schedule(src, name, target, integer=integer)
        name, target = rules.THRESHOLD_SCHEDULE
        if name in s:
            put_schedule(src, name, target, "Deforum's threshold / 255", transform=per_255)
    if mode in ("2D", "3D") and "diffusion_cadence" in s:
        raw = src.take("diffusion_cadence")
        cadence = whole_number(raw)
        if cadence is None or cadence < 1:
            b.not_carried("diffusion_cadence", raw, "not a whole number >= 1")
        elif cadence > 1:  # 1: every frame diffused, as seqsampler does
            b.put(first_known(b, rules.CADENCE_FIELD), cadence, "diffusion_cadence")
    if mode == "Video Input" and s.get("video_init_path"):
        b.put(first_known(b, rules.VIDEO_FIELD), src.take("video_init_path"), "video_init_path")
