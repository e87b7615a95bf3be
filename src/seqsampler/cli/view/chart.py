"""The plan chart as a PNG file (the drawing is shared: `seqsampler.chart`)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from ...chart import (  # noqa: F401 (re-exported)
    CFG_COLOUR,
    STEPS_COLOUR,
    panel_rows,
    plan_chart_image,
    plan_table,
    prompt_weights,
)
from ...files import atomic_write_bytes
from ...planning import Plan


def plan_chart(plan: Plan, texts: Sequence[str], path: Path) -> None:
    """Draw the plan chart (`seqsampler.chart.plan_chart_image`) to the PNG file `path`."""
    buffer = BytesIO()
    plan_chart_image(plan, texts).save(buffer, format="PNG")
    atomic_write_bytes(path, buffer.getvalue())
