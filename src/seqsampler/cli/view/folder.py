"""The run folder as `seqsampler view` reads it: `plan.json` (required), `spec.json` (its
prompt texts), and `plan.png` (drawn here with `chart.plan_chart` if missing).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...files import refuse_outside_links

log = logging.getLogger(__name__)

VIEW_NAME = "view.html"
CHART_NAME = "plan.png"


class ViewError(ValueError):
    """Bad input to `view` (reported as one line, exit status 2, like the spec's errors)."""


@dataclass(frozen=True)
class RunView:
    """What the page shows: the run folder, its plan and spec (JSON), the prompt texts."""

    root: Path
    plan: dict[str, Any]
    spec: dict[str, Any]
    positive: tuple[str, ...]
    negative: tuple[str, ...]

    @property
    def frames(self) -> list[dict[str, Any]]:
        return list(self.plan["frames"])

    def frame_file(self, index: int) -> Path:
        return self.root / "frames" / f"{index:05d}.png"


def _texts(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def prompt_texts(spec: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The positive and negative prompt lists the plan's indices point into, from spec.json."""
    try:
        from ..spec.resolve import resolve_spec

        resolved = resolve_spec(spec, check_model=False)
        return resolved.positive, resolved.negative
    except Exception as exc:  # another version's spec: fall back to its prompt fields
        log.debug("view: spec.json does not resolve (%s); reading its prompts as given", exc)

    def listed(value: Any) -> tuple[str, ...]:
        if isinstance(value, Mapping):
            keys = [str(k).strip() for k in value]
            if not all(k.isascii() and k.isdigit() and len(k) <= 18 for k in keys):
                return ()  # not frame numbers: the page shows no prompt texts
            keyed = sorted((int(k), str(v)) for k, v in zip(keys, value.values(), strict=True))
            return tuple(text for _, text in keyed)
        return tuple(_texts(value) or ())

    return listed(spec.get("prompts")), listed(spec.get("negative", ""))


def load_run(folder: Path) -> RunView:
    """Read a run folder (plan.json required, spec.json optional); ViewError if it is not one."""
    if not folder.is_dir():
        raise ViewError(f"view: {str(folder)!r} is not a folder; accepted: a run folder")
    refuse_outside_links(folder, "view", "remove the link, or view a copy without it")
    plan_path = folder / "plan.json"
    if not plan_path.is_file():
        raise ViewError(
            f"view: {str(folder)!r} holds no plan.json (not a run folder); accepted: a folder "
            "written by `seqsampler render` or `seqsampler demo`"
        )
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        frames = plan.get("frames")
        if not isinstance(frames, list) or not all(isinstance(f, dict) for f in frames):
            raise ValueError("no list of frames")
    except (OSError, ValueError, AttributeError, RecursionError) as exc:
        raise ViewError(f"view: {str(plan_path)!r} is not a plan ({_reason(exc)})") from None
    spec: dict[str, Any] = {}
    spec_path = folder / "spec.json"
    if spec_path.is_file():
        try:
            spec = json.loads(spec_path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise ViewError(f"view: {str(spec_path)!r} is not JSON ({_reason(exc)})") from None
        if not isinstance(spec, dict):
            raise ViewError(f"view: {str(spec_path)!r} is not a spec (not a JSON object)")
    positive, negative = prompt_texts(spec) if spec else ((), ())
    return RunView(folder, plan, spec, positive, negative)


def _reason(exc: BaseException) -> str:
    return "nested too deep" if isinstance(exc, RecursionError) else str(exc)


def ensure_chart(run: RunView) -> Path | None:
    """`plan.png` in the folder, drawn with `plan_chart` if missing; None if it cannot be."""
    path = run.root / CHART_NAME
    if path.is_file():
        return path
    try:
        from ...planning import Plan
        from .chart import plan_chart

        the_plan = Plan.from_json(run.plan)
        count = 1 + max((f["positive"] for f in run.frames), default=0)
        texts = list(run.positive) + [f"prompt {i}" for i in range(len(run.positive), count)]
        plan_chart(the_plan, texts, path)
    except Exception as exc:  # a plan from another version: the page goes without its chart
        log.warning("view: no plan chart (%s)", exc)
        return None
    return path


__all__ = ["CHART_NAME", "VIEW_NAME", "RunView", "ViewError", "ensure_chart", "load_run"]
