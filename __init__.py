"""ComfyUI entry point of the seqsampler node pack (custom_nodes/<this repo>/__init__.py).

ComfyUI imports this file by its path and reads the node mappings. The library lives in
`src/seqsampler`: when it is not installed, it is loaded from there by its path under its own
name (no `sys.path` edits). Imported as `seqsampler` itself (a script run from the clone's
parent folder, where this folder would shadow the library), this module puts the real package
in its place in `sys.modules`, so `import seqsampler` gives the library either way.
"""

import importlib.util
import logging
import sys
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent / "src" / "seqsampler"


def _library():
    """The `seqsampler` package: already imported, installed, or loaded from src/ by path."""
    loaded = sys.modules.get("seqsampler")
    if loaded is not None and loaded is not sys.modules.get(__name__):
        return loaded
    spec = importlib.util.find_spec("seqsampler") if __name__ != "seqsampler" else None
    if spec is None or spec.origin == __file__:
        spec = importlib.util.spec_from_file_location(
            "seqsampler", _PACKAGE / "__init__.py", submodule_search_locations=[str(_PACKAGE)]
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules["seqsampler"] = module
    spec.loader.exec_module(module)
    return module


if __name__ == "seqsampler":
    _library()  # Python's import returns what sys.modules holds under our name: the library.
else:
    try:
        _library()
        from seqsampler.comfy_adapter import NODE_DISPLAY_NAME_MAPPINGS, node_class_mappings

        NODE_CLASS_MAPPINGS = node_class_mappings()  # V3 classes where ComfyUI has the schema
    except ImportError as error:  # A broken install: say so, load nothing.
        logging.getLogger("seqsampler").warning("seqsampler nodes not loaded: %s", error)
        NODE_CLASS_MAPPINGS = {}
        NODE_DISPLAY_NAME_MAPPINGS = {}

    __all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS"]
