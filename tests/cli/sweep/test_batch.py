"""Batched sweeps (`render --sweep ... --batch K`): jobs grouped by what they may differ in, each
job's run folder equal to the job rendered alone within the stated tolerance, resume, and the
checks before any model work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from safetensors.torch import load_file

from seqsampler.cli import main
from seqsampler.cli.run.render_batch import batch_key, group_jobs, render_batch
from seqsampler.cli.run.writers import load_frames
from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.sweep.jobs import build_jobs, resolve_jobs
from seqsampler.models.embedded import EMBEDDED_DIR

from .helpers import BASE as BASE_TEXT
from .helpers import render_alone, sweep_spec

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
needs_model = pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are absent")
# docs/cli.md "Batched variants".
PIXEL_ATOL = 1
LATENT_ATOL = 2e-3
# Colour coherence (per-variant anchors), a loop (frame 0 per variant), glide, interpolation.
TEMPORAL = """use_conditioning_slerp = true
use_latent_interpolation = true
latent_interp_strength = 0.8
color_coherence = "lab"
color_coherence_anchor = "keyframe"
loop_frames = 2
"""
BASE = {
    "model": "embedded",
    "frame_count": 3,
    "steps": 2,
    "seed": 1,
    "formats": [],
    "prompts": "a big red circle in the center, blue background",
}


def jobs_of(values: list[dict]) -> list:
    return resolve_jobs(BASE, build_jobs({}, values), check_model=False)


def assert_close_frames(a: Path, b: Path, frames: int) -> None:
    for i in range(frames):
        pa, pb = (load_frames([x / f"frames/{i:05d}.png"])[0].astype(int) for x in (a, b))
        assert np.abs(pa - pb).max() <= PIXEL_ATOL, f"{a.name}: frame {i}"
        la, lb = (load_file(x / f"latents/{i:05d}.safetensors")["latent"] for x in (a, b))
        assert (la - lb).abs().max() <= LATENT_ATOL, f"{a.name}: latent {i}"


def test_jobs_are_grouped_by_everything_but_seed_and_outputs():
    jobs = jobs_of(
        [
            {"seed": 1, "steps": 2},
            {"seed": 2, "steps": 3},
            {"seed": 3, "steps": 2, "fps": 12},  # fps changes only the videos
            {"seed": 4, "steps": 2},
            {"seed": 5, "steps": 3},
        ]
    )
    groups = group_jobs(jobs, 2)
    assert [[j.job.values["seed"] for j in g] for g in groups] == [[1, 3], [4], [2, 5]]
    singles = group_jobs(jobs, 1)  # batches of one, class by class
    assert [[j.job.values["seed"] for j in g] for g in singles] == [[1], [3], [4], [2], [5]]
    assert batch_key(jobs[0].spec) == batch_key(jobs[2].spec) != batch_key(jobs[1].spec)
    with pytest.raises(SpecError, match=r"batch: got 0; accepted: an int in \[1, 1024\]"):
        group_jobs(jobs, 0)


def test_render_batch_refuses_specs_that_differ_beyond_seeds(tmp_path, monkeypatch):
    import seqsampler.models.loader as loader

    monkeypatch.setattr(loader, "load_model", lambda *a, **k: pytest.fail("model loaded"))
    a, b = (j.spec for j in jobs_of([{"seed": 1}, {"seed": 2, "steps": 3}]))
    with pytest.raises(SpecError, match=r"batch: plans\[1\] differs .*\(frame 0: steps: 2 vs 3\)"):
        render_batch([a, b], [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(SpecError, match="batch: a folder is given twice"):
        render_batch([a, a], [tmp_path / "a", tmp_path / "a"])
    assert not (tmp_path / "a").exists()


@needs_model
def test_batched_sweep_matches_each_job_alone(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(TEMPORAL + BASE_TEXT.format(frames=4, steps=2) + "[sweep]\nseed = [1, 2, 3]\n")
    out = tmp_path / "sweep"
    argv = ["render", str(spec), "--out", str(out), "-q", "--batch", "3"]
    assert main(argv) == 0
    index = json.loads((out / "sweep.json").read_text())
    assert [(j["name"], j["status"], j["frames_done"]) for j in index["jobs"]] == [
        ("seed=1", "done", 4),
        ("seed=2", "done", 4),
        ("seed=3", "done", 4),
    ]
    environment = json.loads((out / "seed=2" / "environment.json").read_text())
    assert environment["batch"] == 3
    for seed in (1, 3):
        alone = render_alone(spec, tmp_path / f"alone{seed}", seed=seed)
        assert_close_frames(out / f"seed={seed}", alone, 4)
    # The other variant's frames differ: each item drew from its own seed.
    other = load_frames([out / "seed=1/frames/00003.png"])[0].astype(int)
    assert np.abs(other - load_frames([alone / "frames/00003.png"])[0]).max() > 10


@needs_model
def test_a_batch_resumes_each_folder_from_its_frames(tmp_path, capsys):
    a, b = (j.spec for j in jobs_of([{"seed": 1}, {"seed": 2}]))
    outs = [tmp_path / "a", tmp_path / "b"]
    render_batch([a, b], outs)
    before = {p: p.read_bytes() for o in outs for p in sorted(o.glob("*/*.*"))}
    manifest = outs[1] / "manifest.jsonl"  # b lost its last two frames' records
    manifest.write_text(manifest.read_text().splitlines(keepends=True)[0])
    results = render_batch([a, b], outs)
    assert [(r.resumed_from, r.rendered) for r in results] == [(3, 0), (1, 2)]
    after = {p: p.read_bytes() for o in outs for p in sorted(o.glob("*/*.*"))}
    assert after == before  # a's frames untouched; b's made again, the same bytes
    # A batched folder is not resumed alone: its frames would not match bit for bit.
    manifest.write_text(manifest.read_text().splitlines(keepends=True)[0])
    spec = tmp_path / "s.toml"
    spec.write_text(
        'model = "embedded"\nframe_count = 3\nsteps = 2\nseed = 2\nformats = []\n'
        'prompts = "a big red circle in the center, blue background"\n'
    )
    capsys.readouterr()
    assert main(["render", str(spec), "--out", str(outs[1]), "-q"]) == 2
    assert "batch: then 2, now None" in capsys.readouterr().err


def test_batch_needs_a_sweep_and_a_size(tmp_path, capsys):
    spec = sweep_spec(tmp_path / "s.toml")
    assert main(["render", str(spec), "--out", str(tmp_path / "o"), "--batch", "2"]) == 2
    assert "batch: 2 without a sweep" in capsys.readouterr().err
    argv = [
        "render",
        str(spec),
        "--out",
        str(tmp_path / "o"),
        "--sweep",
        "seed=1,2",
        "--batch",
        "-1",
    ]
    assert main(argv) == 2
    assert "batch: got -1; accepted: an int in [1, 1024]" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
