"""seqsampler.metrics.report: `run_metrics` on a run folder's frames and plan (docs/quality.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("skimage")
pytest.importorskip("cv2")

from test_measures import flat  # noqa: E402

from seqsampler.metrics import SERIES, run_metrics  # noqa: E402


def fake_run(root: Path, frames, prompts=None) -> Path:
    from PIL import Image

    (root / "frames").mkdir(parents=True)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(root / "frames" / f"{i:05d}.png")
    prompts = prompts or [0] * len(frames)
    plan = {"frames": [{"frame": i, "positive": p} for i, p in enumerate(prompts)]}
    (root / "plan.json").write_text(json.dumps(plan))
    return root


def test_run_metrics_reads_segments_from_the_plan_and_writes_the_files(tmp_path):
    red, orange = (200, 40, 30), (210, 90, 30)
    frames = [flat(red), flat(red), flat(orange), flat(orange)]
    run = fake_run(tmp_path / "run", frames, [0, 0, 1, 1])
    result = run_metrics(run)
    assert result["segment_starts"] == [0, 2]
    assert result["frames"]["delta_e_segment"] == pytest.approx([0, 0, 0, 0], abs=1e-9)
    saved = json.loads((run / "metrics.json").read_text())
    assert saved["frames"] == result["frames"] and saved["summary"] == result["summary"]
    rows = (run / "metrics.csv").read_text().splitlines()
    assert rows[0].split(",") == ["frame", "keyframe", *SERIES]
    assert [r.split(",")[1] for r in rows[1:]] == ["1", "0", "1", "0"]


def test_run_metrics_bad_folders(tmp_path):
    with pytest.raises(ValueError, match="does not exist; accepted: a run folder"):
        run_metrics(tmp_path / "missing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ValueError, match=r"is not a run folder \(no plan.json or frames\)"):
        run_metrics(tmp_path / "plain")
    empty = fake_run(tmp_path / "empty", [])
    with pytest.raises(ValueError, match="holds no frames"):
        run_metrics(empty)
    sizes = fake_run(tmp_path / "sizes", [flat((1, 2, 3)), flat((1, 2, 3), (32, 40))])
    with pytest.raises(ValueError, match=r"00001.png' is 40x32 while 00000.png is 32x32"):
        run_metrics(sizes)
    gap = fake_run(tmp_path / "gap", [flat((1, 2, 3))] * 3)
    (gap / "frames" / "00001.png").unlink()
    with pytest.raises(ValueError, match="lacks frame 00001.png"):
        run_metrics(gap)
    more = fake_run(tmp_path / "more", [flat((1, 2, 3))] * 3, [0])
    with pytest.raises(ValueError, match="holds 3 frames but plan.json plans 1"):
        run_metrics(more)


@pytest.mark.slow
def test_run_metrics_imports_no_torch(tmp_path):
    run = fake_run(tmp_path / "run", [flat((1, 2, 3)), flat((3, 2, 1))])
    code = (
        "import sys; from seqsampler.metrics import run_metrics; "
        f"run_metrics({str(run)!r}); "
        "bad = [m for m in sys.modules if m.split('.')[0] == 'torch']; assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
