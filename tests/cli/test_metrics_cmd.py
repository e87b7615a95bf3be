"""`seqsampler metrics RUN_FOLDER` on a fake run folder (a few PNGs and a minimal plan.json)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("skimage")
pytest.importorskip("cv2")

from PIL import Image  # noqa: E402

from seqsampler.cli import main  # noqa: E402
from seqsampler.metrics import SERIES  # noqa: E402


def test_metrics_command_writes_the_three_files(tmp_path, capsys):
    run = tmp_path / "run"
    (run / "frames").mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(5):
        frame = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
        Image.fromarray(frame).save(run / "frames" / f"{i:05d}.png")
    plan = {"frames": [{"positive": p} for p in (0, 0, 0, 1, 1)]}
    (run / "plan.json").write_text(json.dumps(plan))

    assert main(["metrics", str(run)]) == 0

    out = capsys.readouterr().out
    for name in ("metrics.json", "metrics.csv", "metrics.png"):
        assert (run / name).is_file()
        assert str(run / name) in out
    for name in SERIES:
        assert name in out
    assert "loop seam" in out
    data = json.loads((run / "metrics.json").read_text())
    assert {"frame_count", "segment_starts", "frames", "summary", "settings"} <= set(data)
    assert data["frame_count"] == 5 and data["segment_starts"] == [0, 3]
    assert set(data["frames"]) == set(SERIES)
    assert all(len(v) == 5 for v in data["frames"].values())
    assert set(data["summary"]) == {*SERIES, "seam"}
    assert {"mean", "min", "max", "worst_frame"} <= set(data["summary"]["flicker"])
    assert {"change", "median_change", "ratio"} == set(data["summary"]["seam"])
    assert len((run / "metrics.csv").read_text().splitlines()) == 6
    with Image.open(run / "metrics.png") as chart:
        assert chart.width >= 900 and chart.height > 600


def test_metrics_command_bad_folder_exits_2_with_one_line(tmp_path, capsys):
    assert main(["metrics", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("seqsampler: error: run_folder: ")
    assert "nowhere" in err[0] and "accepted" in err[0]


def test_overwrite_clears_stale_metrics(tmp_path):
    from seqsampler.cli.run.folder import RunFolder

    for name in ("metrics.json", "metrics.csv", "metrics.png", "notes.txt"):
        (tmp_path / name).write_text("x")
    RunFolder(tmp_path).clear()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
