"""Messages print safely: control characters and terminal escape sequences from a prompt, a spec
or a file name are shown escaped in the error line, argparse's errors, the printed paths and the
log lines, never raw."""

from __future__ import annotations

import unicodedata

import pytest

from seqsampler.cli import main
from seqsampler.cli.output import BIDI, printable
from seqsampler.models.embedded import EMBEDDED_DIR

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
RED = "\x1b[31m"


def _raw_controls(text: str) -> list[str]:
    """The characters a terminal would act on, left raw (newlines between lines excepted)."""
    return [
        ch
        for ch in text.replace("\n", "")
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in BIDI
    ]


def test_every_control_character_is_escaped():
    controls = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
    controls += ["\u2028", "\u2029", *sorted(BIDI)]
    for ch in controls:
        shown = printable(f"a{ch}b")
        assert shown.startswith("a\\") and shown.endswith("b") and ch not in shown, repr(ch)
    assert printable("\x1b[31mred\r\n\t") == "\\x1b[31mred\\r\\n\\t"
    assert printable("\u202egnp.exe") == "\\u202egnp.exe"
    assert printable("a\x1b\nb\tc", keep="\n\t") == "a\\x1b\nb\tc"


def test_ordinary_text_is_unchanged():
    for text in ("a red circle", "ein roter Kreis ③ ٣", "赤い丸", "👩\u200d🚀 x", "e\u0301"):
        assert printable(text) == text


def test_a_prompt_with_an_escape_sequence_is_escaped_in_the_error(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('model = "embedded"\nformats = []\n')
    assert main(["plan", str(spec), "--prompts", f"a red {RED}dragon"]) == 2
    err = capsys.readouterr().err
    assert _raw_controls(err) == [] and err.count("\n") == 1
    assert "(\\x1b[31mdragon)" in err  # the unknown word, as the model's check names it


def test_argparse_errors_are_escaped(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a red circle"\n')
    with pytest.raises(SystemExit):
        main(["render", str(spec), "--cfgg", f"{RED}\x1b]0;title\x07"])
    err = capsys.readouterr().err
    assert _raw_controls(err) == []
    assert "unrecognized arguments: --cfgg \\x1b[31m\\x1b]0;title\\x07" in err


def test_a_file_name_with_a_carriage_return_is_escaped(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a red circle"\nformats = []\n')
    blocker = tmp_path / "a\rfile"
    blocker.write_text("not a folder")
    assert main(["render", str(spec), "--out", str(blocker / "run"), "-q"]) == 1
    err = capsys.readouterr().err
    assert _raw_controls(err) == [] and "a\\rfile" in err and err.count("\n") == 1
    assert main(["render", str(tmp_path / "no\rspec.toml")]) == 2
    err = capsys.readouterr().err
    assert _raw_controls(err) == [] and "no\\rspec.toml" in err


def test_log_lines_with_user_text_are_escaped(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a red circle"\n')
    model = tmp_path / f"{RED}model.safetensors"  # not there: `plan` logs that it is not
    assert main(["plan", str(spec), "--model", str(model), "--format", "table"]) == 0
    err = capsys.readouterr().err
    assert "is not here" in err and "\\x1b[31mmodel.safetensors" in err
    assert _raw_controls(err) == []


@pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are not in assets/")
def test_printed_paths_and_progress_lines_are_escaped(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'model = "embedded"\nframe_count = 2\nsteps = 1\nformats = []\nprompts = "a red circle"\n'
    )
    out = tmp_path / f"run\r{RED}"
    assert main(["render", str(spec), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == printable(str(out))
    assert _raw_controls(captured.out) == []
    logged = [line for line in captured.err.splitlines() if "frames in" in line]
    assert logged and all(_raw_controls(line.split("\r")[-1]) == [] for line in logged)
    assert printable(str(out)) in logged[-1]
