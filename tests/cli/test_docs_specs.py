"""The spec examples in docs/cli.md are what they say: the TOML and the YAML one are the same
spec, and both are examples/demo.toml's."""

import re
from pathlib import Path

import yaml

from seqsampler.cli.spec.file import load_spec_file, tomllib
from seqsampler.cli.spec.resolve import resolve_spec

ROOT = Path(__file__).resolve().parents[2]


def _blocks(language: str) -> list[str]:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.S | re.M)


def test_the_yaml_example_is_the_toml_example_is_the_demo():
    toml_spec = resolve_spec(tomllib.loads(_blocks("toml")[0]))
    yaml_spec = resolve_spec(yaml.safe_load(_blocks("yaml")[0]))
    demo = resolve_spec(load_spec_file(ROOT / "examples" / "demo.toml"))
    assert yaml_spec.fields == toml_spec.fields == demo.fields
    assert yaml_spec.positive == toml_spec.positive and yaml_spec.config == toml_spec.config
