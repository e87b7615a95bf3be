"""Fixtures for the tests that run against a real ComfyUI checkout (COMFYUI_PATH).

Without COMFYUI_PATH (or without a Python that can import it), the ComfyUI tests skip with
that reason; the pure tests in this folder run anyway.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from comfy_env import REPO_ROOT, import_comfy  # noqa: E402


@pytest.fixture(scope="session")
def comfy():
    """ComfyUI imported in-process on the CPU, with this pack loaded by ComfyUI's own loader."""
    nodes = import_comfy()
    if isinstance(nodes, str):
        pytest.skip(nodes)
    loaded = asyncio.run(nodes.load_custom_node(str(REPO_ROOT)))
    assert loaded, "ComfyUI's load_custom_node refused the pack"
    return nodes


@pytest.fixture(scope="session")
def tiny(comfy):
    """The tiny model helpers (tests/comfy_adapter/tiny_comfy.py), importable once ComfyUI is."""
    import tiny_comfy

    return tiny_comfy


@pytest.fixture(scope="session")
def model(tiny):
    return tiny.tiny_model()
