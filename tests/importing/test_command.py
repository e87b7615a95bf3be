"""`seqsampler import` as its back end runs it (`main_import`): the spec file written (or
stdout), an existing file kept unless --overwrite, one-line errors with exit status 2, and the
package importable without torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from seqsampler.importing import import_file, main_import, read_source

from .helpers import DATA, cli_fields, tomllib

ROTATE = str(DATA / "deforum_a1111_rotate_slow.txt")


def test_writes_the_spec_and_keeps_an_existing_file(tmp_path, capsys):
    out = tmp_path / "spec.toml"
    assert main_import(["deforum", ROTATE, "-o", str(out)], cli_fields()) == 0
    first = out.read_text(encoding="utf-8")
    assert tomllib.loads(first)["frame_count"] == 501
    assert first.startswith("# seqsampler ") and "deforum_a1111_rotate_slow.txt" in first
    out.write_text("mine", encoding="utf-8")
    assert main_import(["deforum", ROTATE, "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "mine"
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main_import(["deforum", ROTATE, "-o", str(out), "--overwrite"], cli_fields()) == 0
    assert out.read_text(encoding="utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["spec.toml"]  # no temporary left


def test_stdout(capsys):
    assert main_import(["deforum", str(DATA / "deforum_notebook_animation_extra.txt")]) == 0
    assert tomllib.loads(capsys.readouterr().out)["frame_count"] == 100


@pytest.mark.parametrize(
    ("content", "kind", "message"),
    [
        (b"{not json", "deforum", "is not JSON (Expecting property name"),
        (b'{"max_frames": NaN}', "deforum", "is not JSON (the number NaN (not JSON))"),
        (b"[1, 2]", "deforum", "deforum settings: got a JSON list"),
        (b"\xff\xfe{}", "deforum", "is not JSON ('utf-8' codec"),
        (b'{"rendered_frames": []}', "parseq", "rendered_frames is list; accepted: a non-empty"),
        (b"[" * 100_000, "parseq", "is not JSON"),
    ],
)
def test_bad_files_are_one_line_errors(tmp_path, capsys, content, kind, message):
    path = tmp_path / "in.txt"
    path.write_bytes(content)
    assert main_import([kind, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("seqsampler: error: ") and message in err and err.count("\n") == 1


def test_missing_file_and_unknown_kind(tmp_path, capsys):
    assert main_import(["deforum", str(tmp_path / "none.txt")]) == 2
    assert "cannot read it (No such file or directory)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main_import(["comfyui", ROTATE])
    assert exc.value.code == 2
    with pytest.raises(ValueError, match="accepted: deforum, parseq"):
        import_file("comfyui", ROTATE)


def test_a_bom_is_allowed(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + Path(ROTATE).read_bytes())
    assert read_source("deforum", path)["max_frames"] == 501


def test_importing_needs_no_torch():
    code = (
        "import sys; import seqsampler.importing as i; "
        "i.import_file('deforum', sys.argv[1]); print('torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, ROTATE], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
