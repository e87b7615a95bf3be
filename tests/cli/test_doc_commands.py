"""Every shell command in README.md and docs/*.md runs as written, in order, each document's on a
fresh copy of the repository (the tracked files and new ones not ignored, no runs/), with the project's
virtual environment as `.venv` and on PATH (docs/cli.md says to activate it).

The commands are the lines of ```sh fences and the `$ ` lines of ```console fences. `seqsampler`
commands run verbatim (with this checkout's src/ first on PYTHONPATH, so the code under test
runs); `make demo` runs its recipe's seqsampler command from the Makefile (the recipe's setup
step is this virtual environment); every other line is skipped with the reason in SKIP.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\s*$")
# A command line that is not run, and why (checked in this order; the first match wins).
SKIP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^make test\b"), "runs the whole test suite (this test is part of it)"),
    (re.compile(r"--serve\b"), "serves the run folder until Ctrl-C"),
    (re.compile(r"COMFYUI_PATH="), "needs a ComfyUI checkout"),
    (re.compile(r"--ray-address\b"), "needs a Ray cluster and its shared storage"),
    (re.compile(r"--device cuda\b"), "needs a CUDA GPU"),
)
PER_COMMAND_S = 600


def doc_commands(path: Path) -> list[str]:
    """The command lines of `path`'s sh and console fences, in order (continuations joined)."""
    commands: list[str] = []
    fence: str | None = None
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = FENCE.match(line.strip())
        if match:
            fence = None if fence is not None else match.group(1)
            continue
        if fence not in ("sh", "console"):
            continue
        text = line.strip()
        if fence == "console":
            if not text.startswith("$ "):
                continue
            text = text[2:]
        text = pending + text
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        if text and not text.startswith("#"):
            commands.append(text)
    return commands


def _make_recipe(target: str) -> list[str]:
    """The seqsampler lines of a Makefile target's recipe, with $(BIN) as .venv/bin."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = lines.index(next(line for line in lines if line.startswith(f"{target}:")))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)", ".venv/bin"))
    return [line for line in recipe if line.split()[0].endswith("/seqsampler")]


def _fresh_copy(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, dest / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree, not yet in the index
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    (dest / ".venv").symlink_to(Path(sys.prefix))


def test_doc_commands_are_found():
    readme = doc_commands(ROOT / "README.md")
    assert readme[0].startswith("make demo") and readme[2].startswith(".venv/bin/seqsampler")
    assert "seqsampler view runs/demo --serve" in " ".join(doc_commands(ROOT / "docs/cli.md"))
    assert _make_recipe("demo") == [".venv/bin/seqsampler demo --overwrite"]
    names = {str(doc.relative_to(ROOT)) for doc in RUN_DOCS}
    assert {"README.md", "docs/cli.md", "docs/quality.md"} <= names, names


def runnable(line: str) -> tuple[list[str], str | None]:
    """What running a doc's command line means: (the commands to run, None) or ([], why not)."""
    reason = next((why for pattern, why in SKIP if pattern.search(line)), None)
    if reason:
        return [], reason
    if line.startswith("make demo"):
        return _make_recipe("demo"), None
    if shlex.split(line, comments=True)[0].endswith("seqsampler"):
        return [line], None
    return [], "not a seqsampler command"


# Each document's commands run in order in a copy of their own, so that xdist can run the
# documents side by side; none of them uses what another document's commands made.
RUN_DOCS = [doc for doc in DOCS if any(runnable(line)[0] for line in doc_commands(doc))]


@pytest.mark.slow
@pytest.mark.parametrize("doc", RUN_DOCS, ids=[str(d.relative_to(ROOT)) for d in RUN_DOCS])
def test_every_doc_command_runs_verbatim_in_order(doc, tmp_path):
    repo = tmp_path / "repo"
    _fresh_copy(repo)
    env = {
        **os.environ,
        "PATH": f"{repo / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(repo / "src"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
    }
    where, report = doc.relative_to(ROOT), []
    for line in doc_commands(doc):
        to_run, reason = runnable(line)
        if reason:
            report.append(f"SKIP {where}: {line}  ({reason})")
            continue
        for command in to_run:
            started = time.perf_counter()
            done = subprocess.run(
                shlex.split(command, comments=True),
                cwd=repo,
                env=env,
                capture_output=True,
                text=True,
                timeout=PER_COMMAND_S,
            )
            seconds = time.perf_counter() - started
            report.append(f"ok   {where}: {command}  ({seconds:.1f} s)")
            assert done.returncode == 0, (
                f"{where}: {command!r} exited {done.returncode}\n{done.stderr[-3000:]}\n"
                + "\n".join(report)
            )
    print("\n" + "\n".join(report))
