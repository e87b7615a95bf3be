"""ComfyUI entry point of the seqsampler node pack (custom_nodes/<this repo>).

It only exports the node mappings. `seqsampler` lives in `src/`; that folder goes on the path
when the package is not installed, so the pack works cloned, symlinked or pip-installed.
"""

import logging
import os
import sys

_SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")
if os.path.isdir(os.path.join(_SRC, "seqsampler")) and _SRC not in sys.path:
    sys.path.insert(0, _SRC)

try:
    from seqsampler.comfy_adapter import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS
except ImportError as error:  # Outside ComfyUI, or a broken install: say so, load nothing.
    logging.getLogger("seqsampler").warning("seqsampler nodes not loaded: %s", error)
    NODE_CLASS_MAPPINGS = {}
    NODE_DISPLAY_NAME_MAPPINGS = {}

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
