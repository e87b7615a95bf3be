"""Every row of the bad-input table (tests/bad_input_table.py, docs/bad-input.md): its error is
the documented one, on one line, with no traceback, and no model is loaded for CLI and spec
rows; the doc is the table's rendering."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import torch
from bad_input_table import CASES, DOC, Case, markdown
from PIL import Image

from seqsampler import SequenceConfig, plan
from seqsampler.models.embedded import EMBEDDED_DIR

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
CLI_SPEC = 'model = "embedded"\nframe_count = 4\nsteps = 2\nformats = []\n'
BASE_SPEC = "formats = []\n"
PROMPT = 'prompts = "a red circle"\n'


def test_the_doc_is_the_tables_rendering():
    assert DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/bad-input.md is stale: run `python tests/bad_input_table.py`"
    )


def _paths(tmp_path: Path) -> dict[str, str]:
    spec = tmp_path / "spec.toml"
    spec.write_text(CLI_SPEC + PROMPT)
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    linked = tmp_path / "linked"  # a run folder whose plan.json links to the user's file
    linked.mkdir()
    (linked / "spec.json").write_text("{}")
    (linked / "plan.json").symlink_to(file)
    yaml_spec = tmp_path / "spec.yaml"  # the second `prompts` would win silently in YAML
    yaml_spec.write_text("prompts: a red circle\nformats: []\nprompts: a blue square\n")
    deep = tmp_path / "deep"  # JSON nested 100,000 deep: json.loads raises RecursionError
    (deep / "frames").mkdir(parents=True)
    for name in ("spec.json", "plan.json"):
        (deep / name).write_text("[" * 100_000 + "]" * 100_000)
    bad_png = tmp_path / "badpng"  # a plan of 2 frames whose second PNG is empty
    (bad_png / "frames").mkdir(parents=True)
    (bad_png / "plan.json").write_text(plan(SequenceConfig(frame_count=2, steps=1)).to_json())
    Image.new("RGB", (8, 8)).save(bad_png / "frames" / "00000.png")
    (bad_png / "frames" / "00001.png").write_bytes(b"")
    return {
        "<digits>": "9" * 5000,
        "<deep>": str(deep),
        "<badpng>": str(bad_png),
        "<linked>": str(linked),
        "<yaml>": str(yaml_spec),
        "<spec>": str(spec),
        "<out>": str(tmp_path / "out"),
        "<file>": str(file),
        "<folder>": str(folder),
        "<nowhere>": str(tmp_path / "nowhere"),
    }


def _fill(text: str, paths: dict[str, str]) -> str:
    for key, value in paths.items():
        text = text.replace(key, value)
    return text


def _check(message: str, case: Case, paths: dict[str, str]) -> None:
    expected = _fill(case.error, paths)
    assert "\n" not in message.strip(), message
    if expected.endswith("..."):
        assert message.startswith(expected[:-3].rstrip()), (message, expected)
    else:
        assert message == expected, (message, expected)


def _run_cli(argv: list[str], capsys, monkeypatch) -> tuple[int, str]:
    import seqsampler.models.loader as loader
    from seqsampler.cli import main

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a bad input must be refused before the model is loaded")

    monkeypatch.setattr(loader, "load_model", refuse)
    capsys.readouterr()
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors exit
        status = int(exc.code or 0)
    return status, capsys.readouterr().err


def _error_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    for prefix in ("seqsampler: error: ", "seqsampler render: error: ", "seqsampler view: error: "):
        if line.startswith(prefix):
            return line[len(prefix) :]
    raise AssertionError(f"not a one-line error: {line!r}")


def _library_namespace() -> dict[str, Any]:
    from seqsampler import Conditioning, SequenceConfig, plan
    from seqsampler.comfy_adapter.convert import conditioning_list, latent_samples
    from seqsampler.frame_sampler import StandaloneFrameSampler
    from seqsampler.models.loader import load_model
    from seqsampler.sequence import run_sequence

    model = load_model(None)
    cfg = SequenceConfig(steps=2, frame_count=2)
    p = plan(cfg)
    sampler = StandaloneFrameSampler(model.denoiser, "euler", "simple")
    good = [model.encode_prompt("a red circle")]

    def run(init: Any = None, *, positive: Any = None, negative: Any = None, plan: Any = None):
        def boom(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("the model was called")

        sampler.sample = boom  # type: ignore[method-assign]
        sampler.unsample = boom  # type: ignore[method-assign]
        return run_sequence(
            p if plan is None else plan,
            sampler,
            good if positive is None else positive,
            good if negative is None else negative,
            torch.zeros(1, 3, 32, 32) if init is None else init,
        )

    return {
        "torch": torch,
        "plan": plan,
        "SequenceConfig": SequenceConfig,
        "Conditioning": Conditioning,
        "model": model,
        "run": run,
        "conditioning_list": conditioning_list,
        "latent_samples": latent_samples,
    }


@pytest.fixture(scope="module")
def library():
    if not HAS_EMBEDDED:
        pytest.skip("the embedded model's weights are not in assets/")
    pytest.importorskip("diffusers")
    return _library_namespace()


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.surface}:{c.input}:{i}" for i, c in enumerate(CASES)]
)
def test_bad_input_gets_its_one_line_error(case, tmp_path, capsys, monkeypatch, request):
    paths = _paths(tmp_path)
    if case.surface == "cli":
        if case.value.endswith("--device cuda") and torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
        argv = [_fill(a, paths) for a in shlex.split(case.value)]
        if argv[0] == "render":
            argv.append("-q")
        status, err = _run_cli(argv, capsys, monkeypatch)
        assert status == case.status, err
        _check(_error_line(err), case, paths)
        assert Path(paths["<file>"]).read_text() == "mine"  # no row writes through a link
    elif case.surface == "spec":
        spec = Path(paths["<spec>"])
        if case.value.startswith("\x00"):
            spec.write_bytes(case.value.encode("latin-1"))
        else:
            lines = case.value + "\n"
            spec.write_text(BASE_SPEC + ("" if "prompts" in case.value else PROMPT) + lines)
        argv = ["render", str(spec), "--out", paths["<out>"], "-q"]
        status, err = _run_cli(argv, capsys, monkeypatch)
        assert status == case.status, err
        _check(_error_line(err), case, paths)
    else:
        namespace = request.getfixturevalue("library")
        with pytest.raises(ValueError) as info:
            eval(case.value, namespace)  # noqa: S307 - the table's own expressions
        _check(str(info.value), case, paths)
