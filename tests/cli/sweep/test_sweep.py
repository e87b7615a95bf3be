"""Sweeps without Ray: the axes and variants, job names, validation before rendering, `plan`'s
job list, a local sweep's frames equal to each job rendered alone, sweep.json, resume, failure."""

from __future__ import annotations

import json

import pytest

from seqsampler.cli import main
from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.sweep.jobs import build_jobs, job_name, parse_sweep_flag, sweep_axes
from seqsampler.models.embedded import EMBEDDED_DIR

from .helpers import assert_same_frames, render_alone, sweep_spec

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()


def test_sweep_flags():
    assert parse_sweep_flag("seed=1..4") == ("seed", [1, 2, 3, 4])
    assert parse_sweep_flag("cfg=4,6.5") == ("cfg", [4, 6.5])
    assert parse_sweep_flag('prompts=["a, b", "c"]') == ("prompts", ["a, b", "c"])
    assert parse_sweep_flag("sampler-name=euler,dpmpp_2m") == (
        "sampler_name",
        ["euler", "dpmpp_2m"],
    )
    for bad in ("seed", "=1", "seed=", "seed=5..1"):
        with pytest.raises(SpecError, match="--sweep"):
            parse_sweep_flag(bad)


def test_product_variants_and_names():
    axes, variants = sweep_axes({"seed": [1, 2], "cfg": [4]}, ["cfg=4,6"])
    jobs = build_jobs(axes, variants)
    assert [j.name for j in jobs] == [
        "seed=1,cfg=4",
        "seed=1,cfg=6",
        "seed=2,cfg=4",
        "seed=2,cfg=6",
    ]
    assert jobs[3].values == {"seed": 2, "cfg": 6}
    axes, variants = sweep_axes(
        {"variants": [{"name": "wide", "cfg": 9}, {"seed": 3}], "steps": [2, 3]}, []
    )
    names = [j.name for j in build_jobs(axes, variants)]
    assert names == ["wide,steps=2", "wide,steps=3", "seed=3,steps=2", "seed=3,steps=3"]
    assert job_name({"prompts": "a/b c"}) == "prompts=a_b_c"
    same = build_jobs({"prompts": ["a b", "a/b"]}, [])
    assert [j.name for j in same] == ["prompts=a_b", "prompts=a_b~2"]


def test_bad_sweeps_are_one_line_errors():
    with pytest.raises(SpecError, match="sweep: unknown field 'cfgg' \\(did you mean 'cfg'\\?\\)"):
        sweep_axes({"cfgg": [1]}, [])
    with pytest.raises(SpecError, match="sweep: seed: got 3; accepted: a non-empty list"):
        sweep_axes({"seed": 3}, [])
    with pytest.raises(SpecError, match="variants"):
        sweep_axes({"variants": [1, 2]}, [])
    with pytest.raises(SpecError, match="more than 10000 jobs"):
        build_jobs({"seed": list(range(200)), "cfg": list(range(100))}, [])


def test_plan_lists_jobs_and_validates_each(tmp_path, capsys):
    spec = sweep_spec(tmp_path / "s.toml", sweep="[sweep]\nseed = [1, 2]\n")
    assert main(["plan", str(spec), "--sweep", "cfg=4,6"]) == 0
    jobs = json.loads(capsys.readouterr().out)["jobs"]
    assert [j["name"] for j in jobs] == [
        "seed=1,cfg=4",
        "seed=1,cfg=6",
        "seed=2,cfg=4",
        "seed=2,cfg=6",
    ]
    assert jobs[0]["frame_count"] == 3
    assert main(["plan", str(spec), "--format", "table"]) == 0
    assert "seed=2" in capsys.readouterr().out
    assert main(["plan", str(spec), "--chart", str(tmp_path / "c.png")]) == 2
    assert "chart: " in capsys.readouterr().err
    out = tmp_path / "never"
    assert main(["render", str(spec), "--sweep", "cfg=4,600", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err.startswith("seqsampler: error: sweep: job 'seed=1,cfg=600': cfg ") and "\n" not in err
    )
    assert not out.exists()  # nothing rendered
    assert main(["render", str(spec), "--cfg", "5", "--sweep", "cfg=4,6"]) == 2
    assert "both swept and given as a flag" in capsys.readouterr().err


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_local_sweep_equals_jobs_alone_and_resumes(tmp_path, capsys, monkeypatch):
    spec = sweep_spec(tmp_path / "s.toml", sweep="[sweep]\nseed = [1, 2]\n")
    out = tmp_path / "sweep"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    index = json.loads((out / "sweep.json").read_text())
    assert [(j["name"], j["status"], j["frames_done"]) for j in index["jobs"]] == [
        ("seed=1", "done", 3),
        ("seed=2", "done", 3),
    ]
    assert (out / "contact_sheet.png").is_file()
    alone = render_alone(spec, tmp_path / "alone", seed=2)
    assert_same_frames(out / "seed=2", alone, 3)

    # The same command again: both jobs are done and skipped (no render at all).
    def no_render(*args, **kwargs):
        raise AssertionError("a done job was rendered again")

    monkeypatch.setattr("seqsampler.cli.run.render.render", no_render)
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    # A new axis value adds a job; it fails here (render is patched) and is reported.
    assert main(["render", str(spec), "--out", str(out), "-q", "--sweep", "seed=1,2,3"]) == 1
    assert "1 of 3 jobs failed (seed=3)" in capsys.readouterr().err
    jobs = json.loads((out / "sweep.json").read_text())["jobs"]
    assert [j["status"] for j in jobs] == ["done", "done", "failed"]
    assert "a done job was rendered again" in jobs[2]["error"]
    # A changed spec is refused before anything renders, naming the job and the field.
    assert main(["render", str(spec), "--out", str(out), "-q", "--steps", "3"]) == 2
    err = capsys.readouterr().err
    assert "sweep: job 'seed=1': out: the run folder" in err and "steps: saved 2, now 3" in err


def test_contact_sheet_tiles_are_labelled():
    import numpy as np

    from seqsampler.cli.sweep.index import labelled_sheet

    tiles = [
        (f"seed={i},cfg=4.5,a_very_long_label", np.zeros((32, 32, 3), np.uint8)) for i in range(3)
    ]
    sheet = labelled_sheet(tiles)
    assert sheet.shape == (2 * (128 + 18 + 4) + 4, 2 * (128 + 4) + 4, 3)
    strip = sheet[4 + 128 : 4 + 128 + 18, 4 : 4 + 128]
    assert (strip > 200).any() and (strip < 40).any()  # white text on the dark label strip


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path, capsys):
    spec = sweep_spec(tmp_path / "s.toml", sweep="[sweep]\nseed = [1, 2]\n")
    out = tmp_path / "busy"
    out.mkdir()
    (out / "mine.txt").write_text("x")
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    assert "holds no sweep.json" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_process_pool_sweep_equals_jobs_alone(tmp_path):
    spec = sweep_spec(tmp_path / "s.toml", sweep="[sweep]\nseed = [1, 2]\n")
    out = tmp_path / "sweep"
    assert main(["render", str(spec), "--out", str(out), "-q", "--workers", "2"]) == 0
    jobs = json.loads((out / "sweep.json").read_text())["jobs"]
    assert [j["status"] for j in jobs] == ["done", "done"]
    assert jobs[0]["pid"] != jobs[1]["pid"]  # two worker processes
    for seed in (1, 2):
        alone = render_alone(spec, tmp_path / f"alone{seed}", seed=seed)
        assert_same_frames(out / f"seed={seed}", alone, 3)
