"""YAML means what TOML means: a key repeated in one table is refused with its line in both (YAML
alone would keep the last value and lose the earlier prompt silently), and a UTF-8 byte order
mark is accepted in both."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqsampler.cli.spec.fields import SpecError
from seqsampler.cli.spec.file import load_spec_file

BOM = b"\xef\xbb\xbf"


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize(
    "text, key, line, first",
    [
        ("prompts: a red circle\ncfg: 3\nprompts: a blue square\n", "'prompts'", 3, 1),
        ('prompts:\n  "0": a red circle\n  "0": a blue square\n', "'0'", 3, 2),
        ("prompts: {0: a red circle, 0: a blue square}\n", "0", 1, 1),  # one line, flow style
        ("prompts: a red circle\nsweep:\n  seed: [1, 2]\n  seed: [3, 4]\n", "'seed'", 4, 3),
        ("prompts: a red circle\nsweep:\n  variants:\n    - {cfg: 3, cfg: 4}\n", "'cfg'", 4, 4),
    ],
)
def test_a_repeated_yaml_key_is_refused_with_its_line(tmp_path, text, key, line, first):
    path = _write(tmp_path, "spec.yaml", text)
    with pytest.raises(SpecError) as info:
        load_spec_file(path)
    assert str(info.value) == (
        f"spec: {str(path)!r} repeats the key {key} on line {line} (first on line {first}); "
        "accepted: each key once in a table, as in TOML"
    )


def test_toml_refuses_the_same_repetition(tmp_path):
    path = _write(tmp_path, "spec.toml", 'prompts = "a red circle"\nprompts = "a blue square"\n')
    with pytest.raises(SpecError, match=r"is not valid TOML: Cannot overwrite a value \(at line 2"):
        load_spec_file(path)


def test_equal_keys_of_other_spellings_are_one_key(tmp_path):
    path = _write(tmp_path, "spec.yml", "prompts:\n  1: a red circle\n  1.0: a blue square\n")
    with pytest.raises(SpecError, match=r"repeats the key 1.0 on line 3 \(first on line 2\)"):
        load_spec_file(path)


def test_keys_in_different_tables_and_merge_keys_are_not_repeats(tmp_path):
    text = "prompts: a red circle\n<<: {steps: 3}\nsweep:\n  steps: [4, 5]\n  cfg: [1]\n"
    data = load_spec_file(_write(tmp_path, "spec.yaml", text))
    assert data == {"prompts": "a red circle", "steps": 3, "sweep": {"steps": [4, 5], "cfg": [1]}}


@pytest.mark.parametrize(
    "name, text",
    [
        ("spec.toml", 'prompts = "a red circle"\ncfg = 4.5\n'),
        ("spec.yaml", "prompts: a red circle\ncfg: 4.5\n"),
    ],
)
def test_a_byte_order_mark_is_accepted_in_toml_and_yaml(tmp_path, name, text):
    plain = load_spec_file(_write(tmp_path, name, text))
    marked = load_spec_file(_write(tmp_path, "bom-" + name, BOM + text.encode()))
    assert marked == plain == {"prompts": "a red circle", "cfg": 4.5}


def test_a_bom_inside_toml_is_still_refused(tmp_path):
    path = _write(tmp_path, "spec.toml", b'prompts = "a red circle"\n' + BOM + b"cfg = 4.5\n")
    with pytest.raises(SpecError, match="is not valid TOML"):
        load_spec_file(path)
