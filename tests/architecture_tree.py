"""The tree of docs/architecture.md: every module of src/seqsampler with its line count and the
first line of its docstring, generated from the files.

`python tests/architecture_tree.py` rewrites the tree in docs/architecture.md (the code block
under "## The tree (lines per file)"); tests/test_architecture_doc.py fails while it is stale.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "seqsampler"
DOC = REPO / "docs" / "architecture.md"
HEADING = "## The tree (lines per file)"
WIDTH = 100  # a line of the tree, at most (ruff's line length)
NAME_WIDTH = 22  # the name column, indentation included
# Folders without Python files: what they hold.
DATA_FOLDERS = {"assets": "the embedded model's weights and configs"}
# What the tree shows outside src/seqsampler (written by hand: folders of scripts and tests).
HEAD_LINES = [
    f"{'__init__.py':<{NAME_WIDTH + 5}}  "
    "ComfyUI entry only: exports the node mappings (see docs/comfyui.md)",
]
TAIL_LINES = [
    f"{'training/':<{NAME_WIDTH + 5}}  how the embedded model was trained: train.py, shapes.py "
    "(the scenes),",
    f"{'':<{NAME_WIDTH + 5}}  adherence.py (the prompt-adherence check), evaluate.py, export.py",
    f"{'tests/':<{NAME_WIDTH + 5}}  mirrors src/seqsampler/ and training/",
    f"{'bench/':<{NAME_WIDTH + 5}}  benchmarks (make bench); results in BENCHMARKS.md",
]


def first_line(path: Path) -> str:
    """The first line of a module's docstring (empty when it has none)."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def docstring_only(path: Path) -> bool:
    """Whether the module holds nothing but its docstring (a package's description)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def _line(depth: int, name: str, count: str, text: str) -> str:
    line = f"{'  ' * depth}{name:<{NAME_WIDTH - 2 * depth}}{count:>5}  {text}".rstrip()
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."


def folder_lines(folder: Path, depth: int) -> list[str]:
    """The lines of `folder`'s modules (files first, then subfolders, each sorted by name)."""
    lines = []
    for path in sorted(folder.glob("*.py")):
        if path.name == "__init__.py" and depth > 1 and docstring_only(path):
            continue  # a subpackage's description is its folder's line
        count = str(len(path.read_text(encoding="utf-8").splitlines()))
        package = path.name == "__init__.py" and depth > 1  # its folder's line has the doc
        lines.append(_line(depth, path.name, count, "" if package else first_line(path)))
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"):
        init = sub / "__init__.py"
        if init.is_file():
            lines.append(_line(depth, f"{sub.name}/", "", first_line(init)))
            lines += folder_lines(sub, depth + 1)
        elif sub.name in DATA_FOLDERS:
            lines.append(_line(depth, f"{sub.name}/", "", DATA_FOLDERS[sub.name]))
    return lines


def tree() -> str:
    """The whole tree block (without its fences)."""
    lines = [*HEAD_LINES, "src/seqsampler/", *folder_lines(SRC, 1), *TAIL_LINES]
    return "\n".join(lines) + "\n"


def doc_tree(text: str) -> str:
    """The tree block of docs/architecture.md's text (without its fences)."""
    match = re.search(re.escape(HEADING) + r"\n```\n(.*?)```\n", text, re.DOTALL)
    if match is None:
        raise ValueError(f"{DOC}: no code block under {HEADING!r}")
    return match.group(1)


def write() -> bool:
    """Rewrite the doc's tree; whether it changed."""
    text = DOC.read_text(encoding="utf-8")
    old = doc_tree(text)
    new = tree()
    if old == new:
        return False
    DOC.write_text(text.replace(f"{HEADING}\n```\n{old}```\n", f"{HEADING}\n```\n{new}```\n"))
    return True


if __name__ == "__main__":
    sys.stdout.write(("rewrote" if write() else "unchanged") + f" the tree in {DOC}\n")
