"""The plan preview with camera motion (seqsampler.chart): the motion knobs as table columns and
a fifth chart panel, only when the plan moves."""

from __future__ import annotations

import numpy as np
import pytest
from test_camera import with_motion

from seqsampler.chart import (
    PALETTE,
    chart_size,
    motion_curves,
    panel_rows,
    plan_chart_image,
    plan_table,
)
from seqsampler.planning import FrameMotion

pytest.importorskip("PIL")


def test_motion_columns_and_panel_only_when_the_plan_moves():
    zoom = {i: FrameMotion(zoom=1.0 + 0.01 * i, angle=0.5) for i in range(1, 6)}
    moving, still = with_motion(6, zoom), with_motion(6, {})
    assert motion_curves(still) is None
    assert "zoom" not in plan_table(still).splitlines()[0]
    header, first, last = (plan_table(moving).splitlines()[i] for i in (0, 1, -1))
    assert header.split()[-6:] == ["zoom", "angle", "tx", "ty", "sharpen", "contrast"]
    assert first.split()[-6:] == ["1", "0", "0", "0", "0", "1"]  # frame 0: no move
    assert last.split()[-6:] == ["1.05", "0.5", "0", "0", "0", "1"]
    assert plan_chart_image(still, ["a"]).size == chart_size(6, 1)
    image = plan_chart_image(moving, ["a"])
    assert image.size == chart_size(6, 1, panels=5)
    top, bottom = panel_rows(4)
    panel = np.asarray(image)[top:bottom]
    zoom_colour = np.all(panel == np.array(PALETTE[0], dtype=np.uint8), axis=-1)
    assert zoom_colour.sum() > 50  # the zoom curve is drawn in the motion panel
    rows = np.nonzero(zoom_colour.any(axis=1))[0]
    assert rows.min() < 0.3 * (bottom - top) and rows.max() > 0.7 * (bottom - top)  # it rises
