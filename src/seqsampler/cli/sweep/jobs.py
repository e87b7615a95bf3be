"""Sweeps: one spec rendered many ways, as jobs (each a normal run folder).

A sweep comes from the spec's `[sweep]` table and the command line's `--sweep` flags:

    [sweep]
    seed = [1, 2, 3]            # axes: every combination of the listed values (the product)
    cfg = [4, 6]
    variants = [{seed = 1, cfg = 4}, {name = "wide", cfg = 9}]   # or an explicit list

    --sweep "seed=1..8"  --sweep "cfg=4,6"  --sweep 'prompts=["a red circle", "a blue square"]'

With both axes and variants, every variant is combined with every combination of the axes. A
flag's axis replaces the table's axis of the same name. Each job is named by its values
(`seed=3,cfg=6`, or a variant's `name`) and renders into `OUT/<name>/`.

`sweep_axes(table, flags)`, `build_jobs(axes, variants)`, `resolve_jobs(base, jobs)` (every
job's spec validated before any rendering; errors name the job and the field).
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..spec.fields import SpecError, short_repr
from ..spec.file import apply_overrides, check_names, check_structure, parse_flag_value
from ..spec.resolve import ResolvedSpec, resolve_spec

log = logging.getLogger("seqsampler.cli")

SWEEP_KEY = "sweep"
VARIANTS_KEY = "variants"
NAME_KEY = "name"
MAX_JOBS = 10_000  # jobs in one sweep
MAX_RANGE = 10_000  # values of one `a..b` range
MAX_NAME = 120  # characters of a job's folder name
_RANGE = re.compile(r"^\s*(-?[0-9]+)\s*\.\.\s*(-?[0-9]+)\s*$")  # ASCII digits only
MAX_BOUND_DIGITS = 40  # digits of a range's bound (int() refuses 4,300 and more)
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+\-]+")


@dataclass(frozen=True)
class Job:
    """One job of a sweep: its folder name and the fields it sets over the base spec."""

    name: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResolvedJob:
    """A job with its validated spec."""

    job: Job
    spec: ResolvedSpec

    @property
    def name(self) -> str:
        return self.job.name


def split_sweep(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The spec without its `[sweep]` table, and that table ({} when absent)."""
    base = {k: v for k, v in data.items() if k != SWEEP_KEY}
    table = data.get(SWEEP_KEY, {})
    if not isinstance(table, Mapping):
        raise SpecError(
            f"sweep: got {short_repr(table)}; accepted: a table of field = [values] and/or "
            "variants = [{field = value}, ...]"
        )
    return base, dict(table)


def parse_sweep_flag(text: str) -> tuple[str, list[Any]]:
    """One `--sweep` value: `field=a..b` (ints, inclusive), `field=v1,v2,...`, or
    `field=[v1, v2]` (a TOML / JSON list); values read like field flags."""
    name, sep, rest = text.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name or not rest.strip():
        raise SpecError(
            f"--sweep: got {short_repr(text)}; accepted: 'field=a..b', 'field=v1,v2' or "
            "'field=[v1, v2]', e.g. --sweep seed=1..8"
        )
    match = _RANGE.match(rest)
    if match:
        longest = max(match.group(1), match.group(2), key=len).lstrip("-")
        if len(longest) > MAX_BOUND_DIGITS:
            raise SpecError(
                f"--sweep: {name}: range bound {short_repr(longest, 40)} has {len(longest)} "
                f"digits; accepted: a..b with at most {MAX_BOUND_DIGITS} digits each"
            )
        low, high = int(match.group(1)), int(match.group(2))
        if high < low or high - low + 1 > MAX_RANGE:
            raise SpecError(
                f"--sweep: {name}: range {short_repr(rest.strip())}; accepted: a..b with a <= b "
                f"and at most {MAX_RANGE} values"
            )
        return name, list(range(low, high + 1))
    parsed = parse_flag_value(rest)
    if isinstance(parsed, list):
        return name, parsed
    return name, [parse_flag_value(part) for part in rest.split(",")]


def sweep_axes(table: Mapping[str, Any], flags: Sequence[str]) -> tuple[dict[str, list], list]:
    """The axes (field -> values) and the variants from a `[sweep]` table and `--sweep` flags."""
    check_structure(table, "sweep")
    variants = table.get(VARIANTS_KEY, [])
    if not isinstance(variants, list) or not all(isinstance(v, Mapping) for v in variants):
        raise SpecError(
            f"sweep: variants: got {short_repr(variants)}; accepted: a list of tables, e.g. "
            "variants = [{seed = 1, cfg = 4}, {seed = 2}]"
        )
    axes: dict[str, list] = {}
    for name, values in table.items():
        if name == VARIANTS_KEY:
            continue
        axes[name] = values
    flagged: dict[str, str] = {}
    for text in flags:
        name, values = parse_sweep_flag(text)
        if name in flagged:
            raise SpecError(
                f"--sweep: {name} is given twice ({short_repr(flagged[name])} and "
                f"{short_repr(text)}); accepted: each field once, with all its values, e.g. "
                f"--sweep {name}=1,2,3,4"
            )
        if name in axes:
            log.info("sweep: --sweep %s replaces the spec's [sweep] %s", name, name)
        flagged[name] = text
        axes[name] = values
    for name, values in axes.items():
        if not isinstance(values, list) or not values:
            raise SpecError(
                f"sweep: {name}: got {short_repr(values)}; accepted: a non-empty list of values, "
                f"e.g. {name} = [1, 2]"
            )
        _check_unique_values(name, values)
    check_names(axes, "sweep")
    for index, variant in enumerate(variants):
        check_names(
            {k: v for k, v in variant.items() if k != NAME_KEY}, f"sweep: variants[{index}]"
        )
    return axes, [dict(v) for v in variants]


def _same(value: Any) -> tuple[str, Any]:
    """A hashable key equal for values that make the same job (1 and 1.0; tables by content)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("n", value)
    if isinstance(value, float):
        return ("n", int(value)) if value.is_integer() else ("n", value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return ("n", int(value.strip())) if len(value.strip()) <= 40 else ("s", value)
    try:
        return ("j", json.dumps(value, sort_keys=True))
    except (TypeError, ValueError):
        return ("r", repr(value))


def _check_unique_values(name: str, values: list) -> None:
    seen: dict[tuple[str, Any], int] = {}
    for index, value in enumerate(values):
        first = seen.setdefault(_same(value), index)
        if first != index:
            raise SpecError(
                f"sweep: {name} lists {short_repr(values[first])} twice (values {first + 1} and "
                f"{index + 1} of {len(values)}); accepted: each value once"
            )


def _label(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def job_name(values: Mapping[str, Any]) -> str:
    """A folder name from a job's values: `seed=3,cfg=6` (unsafe characters become `_`)."""
    text = ",".join(f"{k}={_label(v)}" for k, v in values.items()) or "base"
    text = _UNSAFE.sub("_", text).strip("._") or "job"
    return text[:MAX_NAME]


def build_jobs(axes: Mapping[str, list], variants: Sequence[Mapping[str, Any]]) -> list[Job]:
    """Every variant (or the base spec) with every combination of the axes, in order."""
    count = max(1, len(variants))
    for axis in axes.values():
        count *= len(axis)
        if count > MAX_JOBS:
            raise SpecError(
                f"sweep: more than {MAX_JOBS} jobs ({' x '.join(str(len(v)) for v in axes.values())}"
                f"{f' x {len(variants)} variants' if variants else ''}); accepted: at most {MAX_JOBS}"
            )
    from .index import INDEX, SHEET
    from .worker import WORKERS_DIR

    reserved = {n.lower(): n for n in (INDEX, SHEET, WORKERS_DIR)}
    jobs: list[Job] = []
    names: set[str] = set()  # lower case: two names may not differ only in case (macOS, Windows)
    same: dict[tuple, str] = {}
    for variant in variants or [{}]:
        given = variant.get(NAME_KEY)
        fields = {k: v for k, v in variant.items() if k != NAME_KEY}
        for combo in itertools.product(*axes.values()):
            values = {**fields, **dict(zip(axes, combo, strict=True))}
            if given is None:
                name = job_name(values)
            else:
                axis_values = dict(zip(axes, combo, strict=True))
                name = _UNSAFE.sub("_", str(given)).strip("._") or "job"
                if axis_values:
                    name = f"{name},{job_name(axis_values)}"
                name = name[:MAX_NAME]
            if name.lower() in reserved:
                raise SpecError(
                    f"sweep: job {short_repr(name)} would be named like the sweep's own "
                    f"{reserved[name.lower()]}; accepted: a job name other than "
                    f"{', '.join(reserved.values())} (rename the variant)"
                )
            key = tuple(sorted((f, _same(v)) for f, v in values.items()))
            if key in same:
                raise SpecError(
                    f"sweep: jobs {short_repr(same[key])} and {short_repr(name)} set the same "
                    f"values {short_repr(values)}; accepted: each combination once"
                )
            base, k = name, 2
            while name.lower() in names:  # names that differ only in unsafe characters or case
                name, k = f"{base}~{k}", k + 1
            names.add(name.lower())
            same[key] = name
            jobs.append(Job(name, values))
    return jobs


def resolve_jobs(
    base: Mapping[str, Any], jobs: Sequence[Job], *, check_model: bool = True
) -> list[ResolvedJob]:
    """Every job's spec (the base with the job's values) validated, before any rendering; a
    bad one is a SpecError `sweep: job 'NAME': FIELD: ...`."""
    from ..spec.checks import check_spec

    resolved = []
    for job in jobs:
        try:
            spec = resolve_spec(apply_overrides(base, job.values), check_model=check_model)
            if check_model:
                check_spec(spec)
        except ValueError as exc:
            raise SpecError(f"sweep: job {short_repr(job.name)}: {exc}") from None
        resolved.append(ResolvedJob(job, spec))
    return resolved
