"""`seqsampler plan`: JSON and table output, the chart, errors; no model is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from seqsampler.cli import demo_spec_text, main
from seqsampler.planning import Plan

SPEC = """
frame_count = 10
steps = 4
denoise_sine = false
denoise_seq = "0:(0.3), 9:(0.6)"
use_conditioning_slerp = true
cond_slerp_strength = 0.5
seed = "0:(1), 5:(1), 6:(9)"

[prompts]
"0" = "a red circle"
"5" = "a blue square"

[negative]
"0" = "black background"
"""


@pytest.fixture(autouse=True)
def no_model(monkeypatch):
    import seqsampler.models.loader as loader

    def refuse(*args, **kwargs):
        raise AssertionError("plan must not load a model")

    monkeypatch.setattr(loader, "load_model", refuse)


def test_plan_json_is_the_planners(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(SPEC)
    assert main(["plan", str(tmp_path / "s.toml")]) == 0
    data = json.loads(capsys.readouterr().out)
    plan = Plan.from_json(data)
    assert plan.frame_count == 10 and plan.keyframes == (5,)
    assert [f.positive for f in plan.frames] == [0] * 5 + [1] * 5
    assert [f.seed for f in plan.frames] == [1] * 6 + [9] * 4
    assert plan.frames[9].denoise == pytest.approx(0.6)


def test_plan_table_and_chart(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(SPEC)
    chart = tmp_path / "chart.png"
    args = ["plan", str(tmp_path / "s.toml"), "--format", "table", "--chart", str(chart)]
    assert main([*args, "--frame-count", "12"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:5] == ["frame", "prompt", "neg", "seed", "denoise"]
    assert len(lines) == 13
    with Image.open(chart) as image:
        assert image.format == "PNG" and image.size[0] >= 640
        pixels = image.convert("RGB").getcolors(1 << 16)
    assert len(pixels) > 5  # lines in several colours, not a blank page


def test_plan_errors_exit_2_with_one_message(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(SPEC)
    assert main(["plan", str(tmp_path / "s.toml"), "--cfg", "0:(1), 3:(x)"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seqsampler: error: cfg: key '3' at position 8: unknown name 'x'")
    assert main(["plan", str(tmp_path / "missing.toml")]) == 2
    assert "spec: no file at" in capsys.readouterr().err


def test_yaml_spec(tmp_path, capsys):
    (tmp_path / "s.yaml").write_text('prompts: ["a red circle", "a blue square"]\nframe_count: 4\n')
    assert main(["plan", str(tmp_path / "s.yaml")]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert [f["positive"] for f in plan["frames"]] == [0, 0, 1, 1]


def test_demo_spec_is_packaged_and_matches_examples(capsys):
    from pathlib import Path

    repo_copy = Path(__file__).resolve().parents[2] / "examples" / "demo.toml"
    assert demo_spec_text() == repo_copy.read_text()
    assert main(["plan", str(repo_copy), "--format", "table"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 25


def test_every_field_has_a_flag(capsys):
    from seqsampler.cli.spec.fields import all_fields

    with pytest.raises(SystemExit):
        main(["render", "--help"])
    text = capsys.readouterr().out
    for name in all_fields():
        assert "--" + name.replace("_", "-") in text


EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.*ml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_plans(path, capsys):
    assert main(["plan", str(path)]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["frame_count"] == len(plan["frames"]) > 1


def test_plan_needs_no_model_file_but_render_does(tmp_path, capsys):
    (tmp_path / "s.toml").write_text('model = "missing/model.safetensors"\nprompts = "a"\n')
    assert main(["plan", str(tmp_path / "s.toml")]) == 0
    capsys.readouterr()
    assert main(["render", str(tmp_path / "s.toml"), "--out", str(tmp_path / "r")]) == 2
    assert "model: nothing at 'missing/model.safetensors'" in capsys.readouterr().err


def test_render_dry_run_prints_the_plan(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(SPEC)
    assert main(["plan", str(tmp_path / "s.toml")]) == 0
    planned = capsys.readouterr().out
    assert (
        main(["render", str(tmp_path / "s.toml"), "--dry-run", "--out", str(tmp_path / "r")]) == 0
    )
    assert capsys.readouterr().out == planned
    assert not (tmp_path / "r").exists()
