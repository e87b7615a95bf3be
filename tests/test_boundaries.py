"""Module boundaries (docs/architecture.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest


def test_plan_imports_no_torch():
    code = (
        "import sys; import seqsampler.planning; from seqsampler import SequenceConfig, plan; "
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
    assert seqsampler.plan is plan and isinstance(seqsampler.plan(SequenceConfig()), Plan)
    assert not callable(seqsampler.planning)  # the package is a plain package


@pytest.mark.slow
def test_core_imports_no_host_or_heavy_libraries():
    code = (
        "import sys; import seqsampler.sequence, seqsampler.interp; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('comfy', 'comfy_api', 'nodes', 'folder_paths', 'latent_preview', 'diffusers', 'transformers')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


REPO = Path(__file__).resolve().parents[1]
LIBRARY_INIT = str(REPO / "src" / "seqsampler" / "__init__.py")


@pytest.mark.slow
def test_clone_does_not_shadow_the_library_from_its_parent_folder(tmp_path):
    """A script run beside a clone named `seqsampler` gets the library, not the pack's entry."""
    (tmp_path / "seqsampler").symlink_to(REPO, target_is_directory=True)
    code = (
        "import seqsampler; from seqsampler import SequenceConfig, plan; "
        "print(seqsampler.__file__); print(len(plan(SequenceConfig(frame_count=3)).frames))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [LIBRARY_INIT, "3"]


@pytest.mark.slow
def test_pack_entry_loads_the_library_by_path_when_not_installed():
    """ComfyUI imports the entry by its path; with seqsampler not installed (no .pth files
    read: `python -S`), the entry loads src/seqsampler without editing sys.path."""
    site_packages = sysconfig.get_paths()["purelib"]
    code = (
        f"import sys, importlib.util; sys.path.append({site_packages!r}); "
        "assert importlib.util.find_spec('seqsampler') is None; "
        "before = list(sys.path); "
        f"spec = importlib.util.spec_from_file_location('custom_nodes_pack', {str(REPO / '__init__.py')!r}); "
        "pack = importlib.util.module_from_spec(spec); spec.loader.exec_module(pack); "
        "import seqsampler; "
        "assert sys.path == before, 'sys.path was edited'; "
        "print(sorted(pack.NODE_CLASS_MAPPINGS)); print(seqsampler.__file__)"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=REPO.parent, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "['CLIPTextEncodeSequence2', 'KSamplerSeq2', 'SeqSamplerPlanPreview', 'SeqSamplerScheduled']",
        LIBRARY_INIT,
    ]


# Which of seqsampler's top-level modules each one may import (docs/architecture.md): the
# arrows point one way, from the front doors down to the planner.
ALLOWED = {
    "planning": set(),
    "conditioning": set(),
    "files": set(),
    "threads": set(),
    "version": set(),
    "noise": {"planning"},
    "sampling": {"noise", "planning"},
    "models": {"conditioning", "noise", "planning", "sampling"},
    "interp": {"conditioning", "planning"},
    "masks": {"conditioning", "models"},
    "chart": {"planning"},
    "coherence": {"planning"},
    "metrics": {"files"},
    "sequence_checks": {"conditioning", "planning"},
    "sequence": {"conditioning", "interp", "masks", "models", "noise", "planning", "sampling",
                 "sequence_checks"},
    "frame_sampler": {"conditioning", "masks", "models", "noise", "planning", "sampling",
                      "sequence"},
    "variants": {"conditioning", "planning", "sequence", "sequence_checks"},
    "cli": {"chart", "coherence", "conditioning", "files", "frame_sampler", "interp", "masks",
            "metrics", "models", "noise", "planning", "sampling", "sequence", "threads", "variants",
            "version"},
    "comfy_adapter": {"chart", "coherence", "conditioning", "interp", "masks", "noise", "planning",
                      "sampling", "sequence"},
    "__init__": {"conditioning", "planning", "sequence", "version"},
}  # fmt: skip
HOST_MODULES = {"comfy", "comfy_api", "comfy_extras", "nodes", "folder_paths", "latent_preview"}
TRAINING_MODULES = {path.stem for path in (REPO / "training").glob("*.py")}


def _imports(path: Path) -> list[str]:
    """Absolute names of what `path` (a module of src/seqsampler) imports, relative ones resolved."""
    package = ["seqsampler", *path.relative_to(REPO / "src" / "seqsampler").parent.parts]
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] if node.module else [f"{module}.{a.name}" for a in node.names]
    return names


def test_import_graph_points_one_way():
    broken = []
    for path in sorted((REPO / "src" / "seqsampler").rglob("*.py")):
        parts = path.relative_to(REPO / "src" / "seqsampler").with_suffix("").parts
        top = parts[0]
        for name in _imports(path):
            head, *rest = name.split(".")
            if head == "seqsampler" and rest and rest[0] != top and rest[0] not in ALLOWED[top]:
                broken.append(f"{'/'.join(parts)} imports {name}")
            if head in HOST_MODULES and top != "comfy_adapter":
                broken.append(f"{'/'.join(parts)} imports ComfyUI's {name}")
            if head in TRAINING_MODULES:
                broken.append(f"{'/'.join(parts)} imports training/{head}.py")
            if head in ("torch", "numpy") and top == "planning":
                broken.append(f"{'/'.join(parts)} imports {name} (the planner is pure Python)")
    assert not broken, "\n".join(broken)
