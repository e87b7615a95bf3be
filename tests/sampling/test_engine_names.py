"""The torch-free lists of the engine's names (planning.names.ENGINE_SAMPLERS / _SCHEDULERS, which
the spec checks read so that `seqsampler plan` imports no torch) are the registry's, in order."""

from seqsampler.planning.names import (
    ENGINE_SAMPLERS,
    ENGINE_SCHEDULERS,
    SAMPLER_NAMES,
    SCHEDULER_NAMES,
)
from seqsampler.sampling import SAMPLERS, SCHEDULERS


def test_engine_names_are_the_registry_in_order():
    assert ENGINE_SAMPLERS == tuple(SAMPLERS)
    assert ENGINE_SCHEDULERS == tuple(SCHEDULERS)


def test_engine_names_are_comfyui_names():
    assert set(ENGINE_SAMPLERS) <= set(SAMPLER_NAMES)
    assert set(ENGINE_SCHEDULERS) <= set(SCHEDULER_NAMES)
