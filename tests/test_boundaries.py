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
def test_pack_entry_loads_the_library_by_path_when_not_installed(tmp_path):
    """ComfyUI imports the entry by its path; with seqsampler not installed (no .pth files
    read: `python -S`), the entry loads src/seqsampler without editing sys.path. Isolated
    (`-I`: no PYTHONPATH, no current folder on sys.path) and run from an empty folder, so the
    clone's own folder name (a clone named `seqsampler`) plays no part; the case of a script
    run beside such a clone is the test above."""
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
        [sys.executable, "-I", "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True
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
    "masks": {"conditioning"},
    "chart": {"planning"},
    "coherence": {"planning"},
    "camera": {"motion", "planning"},
    "step_noise": {"planning"},
    "camera_noise": {"camera", "motion", "noise", "planning", "step_noise"},
    "metrics": {"files"},
    "motion": {"planning"},
    "inbetween": {"motion", "planning", "video"},
    "importing": {"planning", "version"},
    "video": set(),
    "video_chain": {"coherence", "planning", "video"},
    "video_noise": {"camera_noise", "motion", "planning", "video", "video_chain"},
    "sequence_checks": {"conditioning", "planning"},
    "cadence_chain": {"camera", "inbetween", "motion", "planning"},
    "frame_call": {"conditioning", "interp", "masks", "noise", "planning"},
    "sequence": {"cadence_chain", "conditioning", "frame_call", "interp", "planning",
                 "sequence_checks"},
    "frame_sampler": {"conditioning", "frame_call", "masks", "models", "noise", "planning",
                      "sampling", "step_noise"},
    "variants": {"cadence_chain", "conditioning", "planning", "sequence", "sequence_checks"},
    "cli": {"cadence_chain", "camera", "camera_noise", "chart", "coherence", "conditioning", "files",
            "frame_sampler", "importing", "inbetween", "interp", "masks", "metrics", "models",
            "motion", "noise", "planning", "sampling", "sequence", "threads", "variants",
            "version", "video", "video_chain", "video_noise"},
    "comfy_adapter": {"cadence_chain", "camera", "camera_noise", "chart", "coherence",
                      "conditioning", "inbetween", "interp", "masks", "motion", "noise",
                      "planning", "sampling", "sequence", "step_noise", "video", "video_chain",
                      "video_noise"},
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


def module_graph(src: Path, package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` (under `src`) it imports anywhere in its file:
    top level, inside functions and under `if TYPE_CHECKING`, relative imports resolved.
    `from a import b` is an edge to the module `a.b` when there is one, else to `a`."""
    modules: dict[str, tuple[Path, list[str]]] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = parts[:-1] if is_package else parts
        modules[".".join(name)] = (path, name if is_package else name[:-1])
    graph: dict[str, set[str]] = {}
    for name, (path, here) in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    targets.add(sub if sub in modules else module)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles of `graph`: its strongly connected components of more than one
    module (Tarjan 1972, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            child = next(edges, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return sorted(cycles)


def test_no_import_cycle_between_modules_at_any_depth():
    """No two modules of seqsampler import each other, directly or through others, even from
    inside a function (an import cycle hidden in a function still ties the modules together)."""
    graph = module_graph(REPO / "src", "seqsampler")
    assert len(graph) > 50 and "seqsampler.cli.app" in graph["seqsampler.cli"]  # parsed
    cycles = import_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in cycles)


def test_cycle_finder_sees_a_cycle_planted_inside_a_function(tmp_path):
    """The finder on a planted package: `a` imports `b` at the top, `b` imports `a` inside a
    function (relative import), `c` -> `d` -> `e` -> `c` through `from pkg import x`, `f` alone."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "from . import b\n",
        "b.py": "def late():\n    from .a import thing\n    return thing\n",
        "sub/__init__.py": "",
        "sub/c.py": "import pkg.sub.d\n",
        "sub/d.py": "from pkg.sub import e\n",
        "sub/e.py": "from ..sub.c import x\n",
        "f.py": "from .a import y\nimport os\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    graph = module_graph(tmp_path, "pkg")
    assert graph["pkg.b"] == {"pkg.a"} and graph["pkg.f"] == {"pkg.a"}
    assert import_cycles(graph) == [["pkg.a", "pkg.b"], ["pkg.sub.c", "pkg.sub.d", "pkg.sub.e"]]
    (package / "b.py").write_text("def late():\n    return 1\n")
    assert import_cycles(module_graph(tmp_path, "pkg")) == [["pkg.sub.c", "pkg.sub.d", "pkg.sub.e"]]


# The CLI's groups (src/seqsampler/cli/<group>/) and which others each may import: layered
# under `cli/app.py` (with `parser.py`, `output.py` and the entry points), which may import
# them all.
CLI_LAYERS = {
    "spec": set(),
    "run": {"spec"},
    "sweep": {"spec", "run"},
    "view": {"spec", "run"},
}


def test_cli_groups_are_layered():
    graph = module_graph(REPO / "src", "seqsampler")
    groups = {p.name for p in (REPO / "src" / "seqsampler" / "cli").iterdir() if p.is_dir()}
    assert groups - {"__pycache__"} == set(CLI_LAYERS)
    broken = []
    for module, targets in sorted(graph.items()):
        parts = module.split(".")
        if parts[:2] != ["seqsampler", "cli"] or len(parts) < 4:
            continue  # the package, app.py, output.py, __main__.py: on top
        for target in sorted(targets):
            other = target.split(".")
            if other[:2] != ["seqsampler", "cli"] or other[2:3] == parts[2:3]:
                continue
            if len(other) < 4 or other[2] not in CLI_LAYERS[parts[2]]:
                broken.append(f"{module} imports {target}")
    assert not broken, "\n".join(broken)
