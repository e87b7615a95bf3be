"""No traceback from a hostile file or number: JSON nested 100,000 deep in a run folder's
spec.json / plan.json (resume, view, metrics), a truncated or empty frame PNG in `metrics`,
5,000-digit numbers, digits outside 0-9 (`str.isdigit` and `float` take some), `--threads`
beyond its bound. Each is one line naming the file or the input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from seqsampler import SequenceConfig, plan
from seqsampler.cli import main
from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.cli.sweep.jobs import parse_sweep_flag
from seqsampler.metrics import run_metrics
from seqsampler.models.embedded import EMBEDDED_DIR
from seqsampler.planning.schedule import ScheduleError, parse_schedule
from seqsampler.planning.schedule.keys import non_ascii_digit

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
DEEP = "[" * 100_000 + "]" * 100_000
NON_ASCII = [
    "٣",
    "³",
    "①",
    "３",
    "߃",
    "Ⅲ",
]  # Arabic-Indic, superscript, circled, fullwidth, NKo, roman


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err.removeprefix("seqsampler: error: ").strip()


def _run_folder(root: Path, frames: int = 3) -> Path:
    """A run folder without a model: plan.json, spec.json and frame PNGs."""
    folder = root / "run"
    (folder / "frames").mkdir(parents=True)
    (folder / "plan.json").write_text(plan(SequenceConfig(frame_count=frames, steps=1)).to_json())
    (folder / "spec.json").write_text(json.dumps({"prompts": "a red circle"}))
    for i in range(frames):
        Image.new("RGB", (16, 16), (60 * i, 20, 200)).save(folder / "frames" / f"{i:05d}.png")
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[Path, Path]:
    """(spec, run folder): a real 2-frame, 1-step render on the embedded model."""
    if not HAS_EMBEDDED:
        pytest.skip("the embedded model's weights are not in assets/")
    root = tmp_path_factory.mktemp("hostile")
    spec = root / "spec.toml"
    spec.write_text(
        'model = "embedded"\nframe_count = 2\nsteps = 1\nformats = []\nprompts = "a red circle"\n'
    )
    out = root / "run"
    assert main(["render", str(spec), "--out", str(out), "-q"]) == 0
    return spec, out


# --- JSON nested 100,000 deep --------------------------------------------------------------


@pytest.mark.parametrize("name", ["spec.json", "plan.json", "model.json"])
def test_a_resume_names_a_deep_run_file(rendered, tmp_path, capsys, name):
    spec, out = rendered
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    (copy / name).write_text(DEEP)
    assert main(["render", str(spec), "--out", str(copy), "-q"]) == 2
    message = _one_line(capsys)
    assert message == (
        f"out: {str(copy / name)!r} is damaged ('nested too deep'); pass --overwrite to render "
        "the run folder again"
    )
    assert main(["render", str(spec), "--out", str(copy), "-q", "--overwrite"]) == 0


def test_a_deep_manifest_line_is_damaged_not_a_traceback(rendered, tmp_path, capsys):
    spec, out = rendered
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    (copy / "manifest.jsonl").write_text(DEEP + "\n")
    assert main(["render", str(spec), "--out", str(copy), "-q"]) == 2
    assert "manifest.jsonl' is damaged (line 1: " in _one_line(capsys)


@pytest.mark.parametrize("name", ["spec.json", "plan.json"])
def test_view_names_a_deep_file(tmp_path, capsys, name):
    folder = _run_folder(tmp_path)
    (folder / name).write_text(DEEP)
    assert main(["view", str(folder)]) == 2
    kind = "a plan" if name == "plan.json" else "JSON"
    assert _one_line(capsys) == f"view: {str(folder / name)!r} is not {kind} (nested too deep)"


def test_view_refuses_a_spec_or_plan_of_the_wrong_shape(tmp_path, capsys):
    folder = _run_folder(tmp_path)
    (folder / "spec.json").write_text("[1, 2]")
    assert main(["view", str(folder)]) == 2
    assert "spec.json' is not a spec (not a JSON object)" in _one_line(capsys)
    (folder / "spec.json").write_text(json.dumps({"prompts": {"0": "a", "③": "b", "x": "c"}}))
    (folder / "plan.json").write_text(json.dumps({"frames": [1, 2]}))
    assert main(["view", str(folder)]) == 2
    assert "plan.json' is not a plan (no list of frames)" in _one_line(capsys)


def test_view_shows_no_texts_for_prompt_keys_that_are_not_frame_numbers(tmp_path, capsys):
    folder = _run_folder(tmp_path)
    (folder / "spec.json").write_text(json.dumps({"prompts": {"0": "a", "③": "b"}}))
    assert main(["view", str(folder)]) == 0
    assert "(unknown)" in (folder / "view.html").read_text()


def test_metrics_names_a_deep_plan(tmp_path, capsys):
    folder = _run_folder(tmp_path)
    (folder / "plan.json").write_text(DEEP)
    assert main(["metrics", str(folder)]) == 2
    assert "plan.json' is not a plan (RecursionError: nested too deep)" in _one_line(capsys)


# --- frame PNGs that are not images --------------------------------------------------------


@pytest.mark.parametrize("cut", ["empty", "signature", "header", "pixels"])
def test_metrics_names_an_empty_or_truncated_frame(tmp_path, capsys, cut):
    folder = _run_folder(tmp_path)
    frame = folder / "frames" / "00001.png"
    data = frame.read_bytes()
    at = {"empty": 0, "signature": 8, "header": 20, "pixels": data.index(b"IDAT") + 8}[cut]
    frame.write_bytes(data[:at])
    assert main(["metrics", str(folder)]) == 2
    message = _one_line(capsys)
    assert message.startswith(f"run_folder: {str(frame)!r} is not a readable image (")
    assert message.endswith("(render the run again to replace it)")
    with pytest.raises(ValueError, match="00001.png' is not a readable image"):
        run_metrics(folder)
    assert not (folder / "metrics.json").exists()


def test_metrics_ignores_frame_names_in_other_digits(tmp_path, capsys):
    folder = _run_folder(tmp_path, frames=2)
    shutil.copy(folder / "frames" / "00000.png", folder / "frames" / "٠٠٠٠٢.png")
    assert main(["metrics", str(folder)]) == 0
    assert json.loads((folder / "metrics.json").read_text())["frame_count"] == 2


# --- numbers -------------------------------------------------------------------------------


def test_5000_digit_numbers_are_one_line(tmp_path):
    digits = "9" * 5000
    with pytest.raises(SpecError, match=r"range bound '9+\.\.\. \(5000 chars\) has 5000 digits"):
        parse_sweep_flag(f"seed=1..{digits}")
    with pytest.raises(SpecError, match=r"^seed: '9+\.\.\. \(5000 chars\) has 5000 digits"):
        resolve_spec({"prompts": "a red circle", "seed": digits})
    spec = tmp_path / "s.toml"
    spec.write_text(f'prompts = "a red circle"\nseed = {digits}\n')
    with pytest.raises(SpecError, match="is not valid TOML: Exceeds the limit"):
        from seqsampler.cli.spec.file import load_spec_file

        load_spec_file(spec)


@pytest.mark.parametrize("digit", NON_ASCII)
def test_non_ascii_digits_are_found(digit):
    note = non_ascii_digit(f"1{digit}")
    assert note is not None and note.startswith(f"the non-ASCII digit U+{ord(digit):04X} (")
    assert note.endswith("at position 2")
    assert non_ascii_digit("0:(0.5 + 12*t), 4:(3e-2)") is None


@pytest.mark.parametrize("digit", NON_ASCII)
def test_non_ascii_digits_are_refused_as_numbers(digit):
    base = {"prompts": "a red circle", "frame_count": 8}
    for field, value in [
        ("seed", digit),
        ("steps", digit),
        ("frame_count", digit),
        ("cfg", digit),
        ("cfg", f"0:({digit})"),
        ("denoise_seq", f"0:(0.5), {digit}:(0.6)"),
        ("prompts", {"0": "a red circle", digit: "a blue square"}),
    ]:
        with pytest.raises(SpecError, match=f"U\\+{ord(digit):04X}"):
            resolve_spec({**base, field: value})
    with pytest.raises(ScheduleError, match=f"U\\+{ord(digit):04X}"):
        parse_schedule(f"0:(1), 2:(t*{digit})", "cfg", 8)


def test_a_prompt_may_hold_any_digits():
    spec = resolve_spec({"prompts": "٣ red circles ①", "frame_count": 2})
    assert spec.positive == ("٣ red circles ①",)


@pytest.mark.parametrize("flag", ["--threads", "--workers", "--batch", "--max-retries"])
def test_int_flags_take_ascii_digits_only(tmp_path, capsys, flag):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a red circle"\n')
    with pytest.raises(SystemExit) as info:
        main(["render", str(spec), "--sweep", "seed=1,2", flag, "٣", "-q"])
    assert info.value.code == 2
    assert _one_line(capsys).endswith(f"argument {flag}: invalid int value: '٣'")


def test_threads_beyond_the_bound_is_one_line_for_a_sweep_too(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('model = "embedded"\nprompts = "a red circle"\nformats = []\n')
    out = tmp_path / "sweep"
    argv = ["render", str(spec), "--out", str(out), "--sweep", "seed=1,2", "-q"]
    assert main([*argv, "--threads", "100000"]) == 2
    assert _one_line(capsys).startswith("threads: got 100000; accepted: an int in [1, ")
    assert not out.exists()
