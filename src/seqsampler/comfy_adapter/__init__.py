"""The ComfyUI adapter: the only package that imports ComfyUI (`comfy`, `nodes`, ...).

Importing it does not import ComfyUI; the nodes import ComfyUI's modules when they run.
"""

from __future__ import annotations

from .nodes import NODE_CLASS_MAPPINGS, NODE_DISPLAY_NAME_MAPPINGS, node_class_mappings

__all__ = ["NODE_CLASS_MAPPINGS", "NODE_DISPLAY_NAME_MAPPINGS", "node_class_mappings"]
