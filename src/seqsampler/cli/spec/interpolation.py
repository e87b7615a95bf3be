"""The spec's output interpolation fields: `interpolate` (video frames per rendered frame) and
`interpolate_mode` (how the in-betweens are made, `planning.cadence.INBETWEEN_MODES`). Both are
output-only (`fields.OUTPUT_ONLY`): they change the videos, not frames/ or the plan."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ...planning.cadence import MAX_INTERPOLATE, check_inbetween_mode
from .fields import CLI_FIELDS, MAX_FPS, SpecError, positive_int


def interpolation_fields(data: Mapping[str, Any], fps: int | str) -> dict[str, Any]:
    """{interpolate, interpolate_mode} of `data`, checked and defaulted; the videos' rate
    fps x interpolate must stay within MAX_FPS (`fps` as resolved: an int or "num/den")."""
    k = positive_int(
        "interpolate", data.get("interpolate", CLI_FIELDS["interpolate"][0]), high=MAX_INTERPOLATE
    )
    mode = data.get("interpolate_mode", CLI_FIELDS["interpolate_mode"][0])
    try:
        check_inbetween_mode(mode)
    except ValueError as exc:
        raise SpecError(str(exc)) from None
    rate = Fraction(fps) * k
    if rate > MAX_FPS:
        raise SpecError(
            f"interpolate: {k} x fps {fps} = {float(rate):g} video frames per second; accepted: "
            f"at most {MAX_FPS} (a lower interpolate or fps)"
        )
    return {"interpolate": k, "interpolate_mode": mode}
