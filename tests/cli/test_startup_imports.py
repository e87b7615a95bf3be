"""What the quick commands import: `seqsampler plan` plans the demo without torch, and checking
a spec's prompts against the embedded model's words needs no torch either (bench/startup.py
measures the times)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imported(code: str) -> list[str]:
    probe = f"{code}\nprint(sorted(n for n in ('torch', 'diffusers', 'transformers') if n in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()


@pytest.mark.slow
def test_plan_and_its_chart_import_no_torch(tmp_path):
    chart = tmp_path / "plan.png"
    code = (
        "import sys; from seqsampler.cli import main\n"
        f"assert main(['plan', 'examples/demo.toml', '--format', 'table', '--chart', {str(chart)!r}]) == 0"
    )
    assert _imported(code)[-1] == "[]"
    assert chart.stat().st_size > 0


@pytest.mark.slow
def test_a_bad_prompt_word_is_refused_without_torch():
    code = (
        "import sys; from seqsampler.cli import main\n"
        "assert main(['plan', 'examples/demo.toml', '--prompts', 'a red dragon']) == 2"
    )
    assert _imported(code)[-1] == "[]"
