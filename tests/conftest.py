"""Shared fixtures: tiny random SD-style and SDXL-style diffusers folders (tests/tiny_pipelines.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tiny_pipelines import save_tiny_pipeline


def _need_model_libraries() -> None:
    pytest.importorskip("diffusers")
    pytest.importorskip("transformers")


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory) -> Path:
    """An SD 1.x-style eps-prediction folder."""
    _need_model_libraries()
    return save_tiny_pipeline(tmp_path_factory.mktemp("tiny_sd"))


@pytest.fixture(scope="session")
def tiny_sd_v(tmp_path_factory) -> Path:
    """An SD 2.x-style v-prediction folder."""
    _need_model_libraries()
    return save_tiny_pipeline(tmp_path_factory.mktemp("tiny_sd_v"), prediction="v_prediction")


@pytest.fixture(scope="session")
def tiny_sdxl(tmp_path_factory) -> Path:
    """An SDXL-style folder: two text encoders, pooled output and size conditioning."""
    _need_model_libraries()
    return save_tiny_pipeline(tmp_path_factory.mktemp("tiny_sdxl"), xl=True)


# Building a tiny diffusers pipeline takes seconds (once per worker): tests on one are `slow`.
_PIPELINE_FIXTURES = {"tiny_sd", "tiny_sd_v", "tiny_sdxl"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
