"""seqsampler: keyframed sequence sampling for diffusion models.

The public names are loaded lazily, so `import seqsampler.planning` stays free of torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

__all__ = ["Conditioning", "Plan", "SequenceConfig", "plan", "run_sequence", "__version__"]

_LAZY = {
    "SequenceConfig": "seqsampler.planning",
    "Plan": "seqsampler.planning",
    "plan": "seqsampler.planning",
    "run_sequence": "seqsampler.sequence",
    "Conditioning": "seqsampler.conditioning",
}

if TYPE_CHECKING:
    from .conditioning import Conditioning
    from .planning import Plan, SequenceConfig, plan
    from .sequence import run_sequence


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'seqsampler' has no attribute {name!r}")
