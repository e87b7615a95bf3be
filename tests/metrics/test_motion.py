"""Motion-compensated change (seqsampler.metrics.motion): the plan's camera undone before the
measure; series only when the plan moves; the CLI reads the plan's `motion` records."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("skimage")
cv2 = pytest.importorskip("cv2")

from PIL import Image  # noqa: E402
from test_measures import texture  # noqa: E402

from seqsampler.cli import main  # noqa: E402
from seqsampler.metrics import MOTION_SERIES, SERIES, run_metrics, sequence_metrics  # noqa: E402
from seqsampler.metrics.motion import compensated_change  # noqa: E402
from seqsampler.motion.knobs import Knobs, knobs_from  # noqa: E402
from seqsampler.motion.transform import frame_matrix  # noqa: E402

W, H = 128, 96
MOVE = {"zoom": 1.03, "angle": 2.0, "translation_x": 1.5, "translation_y": -0.5}


def moving(frames: int, noise: float = 0.0, seed: int = 0) -> tuple[list[np.ndarray], list]:
    """A smooth texture moved frame by frame by MOVE (OpenCV's warp), plus optional grain."""
    rng = np.random.default_rng(seed)
    m = np.array(frame_matrix(Knobs(**MOVE), W, H))
    out = [texture((H, W), sigma=3.0, seed=seed)]
    clean = out[0].astype(np.float32)
    for _ in range(frames - 1):
        clean = cv2.warpPerspective(clean, m, (W, H), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        grain = rng.normal(0, noise, clean.shape) if noise else 0
        out.append(np.clip(clean + grain, 0, 255).round().astype(np.uint8))
    return out, [None] + [m] * (frames - 1)


def test_known_motion_is_undone_and_grain_is_left():
    frames, matrices = moving(5)
    m = sequence_metrics(frames, matrices=matrices)
    raw, moved = m["frames"]["change"][1:], m["frames"]["change_motion"][1:]
    assert min(raw) > 0.02  # the move changes a lot of pixels
    assert max(moved) < 0.1 * min(raw)  # undone: what is left is rounding
    assert m["frames"]["flicker_motion"][0] is None
    assert m["frames"]["flicker_motion"][1] == pytest.approx(1 - moved[0])
    grainy, _ = moving(5, noise=6.0)
    n = sequence_metrics(grainy, matrices=matrices)["frames"]["change_motion"][1:]
    assert all(0.01 < v < 0.04 for v in n), n  # |N(0, 6 * sqrt(2))| ~ 6.8 / 255 = 0.027


def test_the_valid_region_excludes_what_came_from_out_of_frame():
    """A 20-pixel pan: the 20 columns that entered are not compared (replicated border)."""
    frames, _ = moving(2)
    m = np.array(frame_matrix(Knobs(translation_x=20.0), W, H))
    shifted = cv2.warpPerspective(frames[0], m, (W, H), borderMode=cv2.BORDER_CONSTANT)
    assert compensated_change(frames[0], shifted, m) == pytest.approx(0.0, abs=1e-6)
    assert compensated_change(frames[0], shifted, None) > 0.05


def test_without_motion_the_series_are_absent():
    frames, _ = moving(3)
    for matrices in (None, [None, None, None]):
        m = sequence_metrics(frames, matrices=matrices)
        assert set(m["frames"]) == set(SERIES)


@pytest.mark.parametrize(
    ("matrices", "message"),
    [([None, None], "one 3x3 matrix or None per frame"), ([None, None, [[1, 0], [0, 1]]], "3x3"),
     ([None, None, np.zeros((3, 3))], "singular")],
)  # fmt: skip
def test_bad_matrices_are_named(matrices, message):
    with pytest.raises(ValueError, match=message):
        sequence_metrics(moving(3)[0], matrices=matrices)


def write_run(root, frames, motions):
    (root / "frames").mkdir(parents=True)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(root / "frames" / f"{i:05d}.png")
    plan = {"frames": [{"positive": 0, "motion": motion} for motion in motions]}
    (root / "plan.json").write_text(json.dumps(plan))
    return root


def test_the_cli_reads_the_plans_motion_records(tmp_path, capsys):
    frames, _ = moving(4)
    record = {**MOVE, "border": "replicate", "space": "pixel", "contrast": 1.0}
    run = write_run(tmp_path / "run", frames, [None, record, record, record])
    assert main(["metrics", str(run)]) == 0
    out = capsys.readouterr().out
    data = json.loads((run / "metrics.json").read_text())
    assert set(data["frames"]) == {*SERIES, *MOTION_SERIES} and "change_motion" in out
    assert max(data["frames"]["change_motion"][1:]) < 0.1 * min(data["frames"]["change"][1:])
    header = (run / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[-2:] == list(MOTION_SERIES)
    # a library call without motion_matrix measures as before
    assert set(run_metrics(run)["frames"]) == set(SERIES)
    assert knobs_from(record) == Knobs(**MOVE)
