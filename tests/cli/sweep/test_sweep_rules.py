"""Sweeps say what they do: a field given twice by `--sweep` is refused (the first was dropped
silently), a value listed twice is refused (it made two identical jobs, `seed=1` and
`seed=1~2`), and a job whose folder would be the sweep's own file is refused before any work."""

from __future__ import annotations

import logging

import pytest

from seqsampler.cli import main
from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.sweep.jobs import build_jobs, sweep_axes


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err.removeprefix("seqsampler: error: ").strip()


def test_a_field_given_twice_by_sweep_flags_is_refused():
    with pytest.raises(SpecError) as info:
        sweep_axes({}, ["seed=1,2", "cfg=4", "seed=3,4"])
    assert str(info.value) == (
        "--sweep: seed is given twice ('seed=1,2' and 'seed=3,4'); accepted: each field once, "
        "with all its values, e.g. --sweep seed=1,2,3,4"
    )
    with pytest.raises(SpecError, match="seed is given twice"):
        sweep_axes({}, ["seed=1..2", "seed = [3]"])


def test_a_flag_replaces_the_tables_axis_and_says_so(caplog):
    with caplog.at_level(logging.INFO, logger="seqsampler.cli"):
        axes, _ = sweep_axes({"seed": [1, 2], "cfg": [4]}, ["seed=5,6"])
    assert axes == {"seed": [5, 6], "cfg": [4]}
    assert "--sweep seed replaces the spec's [sweep] seed" in caplog.text


@pytest.mark.parametrize(
    "values, shown, first, second",
    [
        ([1, 2, 1], "1", 1, 3),
        ([4, 4.0], "4", 1, 2),
        ([7, "7"], "7", 1, 2),  # a digit string resolves to the same int
        (["a red circle", "a red circle"], "'a red circle'", 1, 2),
        ([{"0": "a", "4": "b"}, {"4": "b", "0": "a"}], "{'0': 'a', '4': 'b'}", 1, 2),
    ],
)
def test_a_value_listed_twice_is_refused(values, shown, first, second):
    with pytest.raises(SpecError) as info:
        sweep_axes({"seed": values}, [])
    assert str(info.value) == (
        f"sweep: seed lists {shown} twice (values {first} and {second} of {len(values)}); "
        "accepted: each value once"
    )


def test_values_that_differ_are_kept():
    axes, _ = sweep_axes({"cfg": [4, 4.5, "4.5x"], "seed": [1, True]}, [])
    assert len(build_jobs(axes, [])) == 6


def test_two_variants_with_the_same_values_are_refused():
    with pytest.raises(SpecError, match=r"jobs 'seed=1' and 'again' set the same values"):
        build_jobs({}, [{"seed": 1}, {"name": "again", "seed": 1}])
    with pytest.raises(SpecError, match=r"jobs 'a,cfg=4' and 'b,cfg=4' set the same values"):
        build_jobs({"cfg": [4]}, [{"name": "a", "seed": 1}, {"name": "b", "seed": 1}])


@pytest.mark.parametrize(
    "name", ["sweep.json", "contact_sheet.png", "CONTACT_SHEET.PNG", "Sweep.JSON"]
)
def test_a_job_named_like_the_sweeps_own_files_is_refused(name):
    with pytest.raises(SpecError) as info:
        build_jobs({}, [{"name": name, "seed": 1}])
    assert str(info.value).startswith(f"sweep: job {name!r} would be named like the sweep's own ")
    assert "accepted: a job name other than sweep.json, contact_sheet.png, .workers" in str(
        info.value
    )


def test_names_that_differ_only_in_case_get_a_suffix():
    jobs = build_jobs({}, [{"name": "Wide", "cfg": 9}, {"name": "wide", "cfg": 10}])
    assert [job.name for job in jobs] == ["Wide", "wide~2"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--sweep", "seed=1,2", "--sweep", "seed=3,4"],
            "--sweep: seed is given twice ('seed=1,2' and 'seed=3,4')",
        ),
        (["--sweep", "seed=1,2,1"], "sweep: seed lists 1 twice (values 1 and 3 of 3)"),
    ],
)
def test_the_cli_refuses_before_any_work(tmp_path, capsys, argv, message):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a red circle"\nformats = []\n')
    out = tmp_path / "sweep"
    assert main(["render", str(spec), "--out", str(out), "-q", *argv]) == 2
    assert _one_line(capsys).startswith(message)
    assert not out.exists()
    assert main(["plan", str(spec), *argv]) == 2
    assert _one_line(capsys).startswith(message)


def test_a_spec_whose_variant_is_named_sweep_json_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'prompts = "a red circle"\nformats = []\n[sweep]\n'
        'variants = [{ name = "sweep.json", seed = 1 }, { name = "b", seed = 2 }]\n'
    )
    out = tmp_path / "sweep"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 2
    assert "would be named like the sweep's own sweep.json" in _one_line(capsys)
    assert not out.exists()
