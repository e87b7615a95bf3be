"""docs/architecture.md's tree is the source's: every module, its lines, its docstring's first
line (`python tests/architecture_tree.py` rewrites it)."""

from __future__ import annotations

from architecture_tree import DOC, doc_tree, folder_lines, tree

from seqsampler import planning


def test_the_docs_tree_is_the_generated_one():
    stale = doc_tree(DOC.read_text(encoding="utf-8"))
    assert stale == tree(), (
        "docs/architecture.md's tree is stale: run python tests/architecture_tree.py"
    )


def test_the_tree_lists_every_module_with_its_lines(tmp_path):
    """On a planted package: files with their counts and first lines, a subpackage under its
    folder line, a description-only __init__ left out, long lines cut."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.py").write_text('"""Alpha module.\n\nMore."""\nx = 1\n')
    (tmp_path / "b.py").write_text('"""' + "word " * 40 + '"""\n')
    (tmp_path / "sub" / "__init__.py").write_text('"""The sub package."""\n')
    (tmp_path / "sub" / "c.py").write_text("y = 2\n")
    lines = folder_lines(tmp_path, 1)
    assert lines[0].split() == ["a.py", "4", "Alpha", "module."]
    assert len(lines[1]) == 100 and lines[1].endswith("...")
    assert lines[2].split() == ["sub/", "The", "sub", "package."]
    assert lines[3].split() == ["c.py", "1"] and lines[3].startswith("    c.py")
    assert len(lines) == 4


def test_the_tree_shows_a_real_module():
    config = planning.config.__file__
    count = len(open(config, encoding="utf-8").read().splitlines())
    assert any(line.split()[:2] == ["config.py", str(count)] for line in tree().splitlines())
