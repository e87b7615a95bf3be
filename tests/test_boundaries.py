"""Module boundaries (docs/architecture.md)."""

from __future__ import annotations

import subprocess
import sys


def test_plan_imports_no_torch():
    code = (
        "import sys; import seqsampler.plan; from seqsampler import SequenceConfig, plan; "
        "plan(SequenceConfig(frame_count=3, positive_count=2)).to_json(); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'numpy')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names():
    import seqsampler
    from seqsampler import Plan, SequenceConfig, plan, run_sequence

    assert callable(plan) and callable(run_sequence)
    assert isinstance(plan(SequenceConfig()), Plan)
    assert isinstance(seqsampler.plan(SequenceConfig()), Plan)


def test_core_imports_no_host_or_heavy_libraries():
    code = (
        "import sys; import seqsampler.sequence, seqsampler.interp; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('comfy', 'comfy_api', 'nodes', 'folder_paths', 'latent_preview', 'diffusers', 'transformers')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
