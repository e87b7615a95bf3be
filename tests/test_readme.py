"""README.md says what the repository holds: its TOML example is examples/demo.toml, every
repository path it names exists, it lists every ComfyUI example workflow and KSamplerSeq2's
optional inputs, and its test counts are near what pytest collects (the commands themselves
run in tests/cli/test_doc_commands.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Paths the commands create, or outside the repository.
NOT_IN_REPO = ("runs/", ".venv", "~/", "ComfyUI/", "$")


def test_the_toml_example_is_the_demo_spec():
    blocks = re.findall(r"^```toml\n(.*?)^```$", README, flags=re.S | re.M)
    assert blocks == [(ROOT / "examples" / "demo.toml").read_text(encoding="utf-8")]


def _named_paths() -> set[str]:
    links = {t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", README)}
    quoted = set(re.findall(r"`([^`\s]+)`", README))
    tops = {p.name for p in ROOT.iterdir()}
    paths = {t for t in links if not t.startswith(("http:", "https:", "#"))}
    paths |= {t for t in quoted if "/" in t and t.split("/")[0] in tops}
    return {p for p in paths if p and not p.startswith(NOT_IN_REPO)}


def test_every_path_the_readme_names_exists():
    named = _named_paths()
    assert {"docs/cli.md", "examples/demo.toml", "example_workflows/", ".ci/comfy-env"} <= named
    missing = sorted(p for p in named if not list(ROOT.glob(p.rstrip("/"))))
    assert not missing, missing


def test_every_example_workflow_is_listed():
    files = {p.name for p in (ROOT / "example_workflows").glob("*.json")}
    i = README.index("[`example_workflows/`]")
    paragraph = README[i : README.index("\n\n", i)]
    listed = set(re.findall(r"`([\w.]+\.json)`", paragraph))
    assert files and listed == files
    count = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}[len(files)]
    assert f"holds {count} workflows" in paragraph


def test_the_optional_inputs_of_ksamplerseq2_are_listed():
    from seqsampler.comfy_adapter.temporal import OPTIONAL_WIDGETS

    i = README.index("after the 28 inputs")
    text = README[i : README.index("\n- **", i)]
    names = {*OPTIONAL_WIDGETS, "cfg_mode"}  # cfg_mode: the frame sampler's, not temporal
    assert set(re.findall(r"`(\w+)`", text)) - {"none", "latent", "full", "once"} == names
    count = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}[len(names)]
    assert f"{count} optional" in text


def _collected(marks: str) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marks, "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(re.search(r"(\d+)(?:/\d+)? tests? (?:collected|selected)", done.stdout).group(1))


@pytest.mark.slow
def test_the_test_counts_are_near_what_pytest_collects():
    """Within 10%: a few tests more or fewer leave the README true enough; a tier that doubled
    or halved does not."""
    for marks, pattern in (  # (the `comfyui` tier is counted in ComfyUI's venv, not here)
        ("not slow and not comfyui", r"`make check` \|[^|]*\((\d[\d,]*) tests\)"),
        ("not comfyui", r"every test: (\d[\d,]*) in `\.venv`"),
    ):
        stated = int(re.search(pattern, README).group(1).replace(",", ""))
        actual = _collected(marks)
        assert abs(stated - actual) <= 0.1 * actual, (marks, stated, actual)
