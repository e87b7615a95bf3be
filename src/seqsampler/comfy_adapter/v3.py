"""The scheduled nodes on ComfyUI's V3 schema (`comfy_api.latest`, `io.ComfyNode`), when present.

Feature-detected: `scheduled_nodes()` returns {} outside ComfyUI or on a ComfyUI without a
usable `comfy_api.latest` (the classic classes in nodes.py are used then). Same inputs (built
from `scheduled_plan.SCHEDULED_INPUTS`), same behaviour, same queue-time validation. V3 classes
work in a pack's NODE_CLASS_MAPPINGS (ComfyUI 0.3.64 checks `issubclass(_ComfyNodeInternal)`
for validation and /object_info).

`register_replacements()`: where ComfyUI has the Node Replacement API
(`ComfyAPI().node_replacement.register(io.NodeReplace(...))`, newer than 0.3.64), see
docs/comfyui.md: our `KSamplerSeq2` has the published node's id, so no mapping is needed, and
none is registered; untested here (0.3.64 lacks the API).
"""

from __future__ import annotations

import logging
from typing import Any

from . import scheduled, scheduled_plan

logger = logging.getLogger(__name__)


def _io() -> Any:
    try:
        from comfy_api.latest import io
    except Exception:  # noqa: BLE001 - any failure means: no usable V3 API here
        return None
    needed = ("ComfyNode", "Schema", "NodeOutput", "Model", "Clip", "Latent", "Image", "String",
              "Vae")  # fmt: skip
    return io if all(hasattr(io, name) for name in needed) else None


def _input(
    io: Any,
    name: str,
    kind: Any,
    options: dict[str, Any],
    lists: dict[str, list[str]],
    optional: bool = False,
):
    tip = options.get("tooltip")
    if isinstance(kind, list) or kind in lists:
        choices = kind if isinstance(kind, list) else lists[kind]
        return io.Combo.Input(
            name, options=list(choices), default=choices[0], tooltip=tip, optional=optional
        )
    simple = {"MODEL": io.Model, "CLIP": io.Clip, "LATENT": io.Latent, "IMAGE": io.Image,
              "VAE": io.Vae}  # fmt: skip
    if kind in simple:
        return simple[kind].Input(name, tooltip=tip, optional=optional)
    extra = {k: v for k, v in options.items() if k != "tooltip"}
    widget = {"INT": io.Int, "FLOAT": io.Float, "BOOLEAN": io.Boolean, "STRING": io.String}[kind]
    return widget.Input(name, tooltip=tip, optional=optional, **extra)


def _schema(
    io: Any, node_id: str, display: str, description: str, specs, outputs, optional=()
) -> Any:
    lists = scheduled.live_lists()
    inputs = [_input(io, name, kind, options, lists) for name, kind, options in specs]
    inputs += [_input(io, name, kind, options, lists, True) for name, kind, options in optional]
    return io.Schema(
        node_id=node_id,
        display_name=display,
        category="sampling",
        description=description,
        inputs=inputs,
        outputs=outputs,
    )


def scheduled_nodes(display_names: dict[str, str]) -> dict[str, Any]:
    """{node id: V3 class} for the scheduled nodes, or {} where ComfyUI has no V3 schema."""
    io = _io()
    if io is None:
        return {}
    base: Any = io.ComfyNode  # a run-time base class (mypy cannot see comfy_api)

    class SeqSamplerScheduled(base):
        @classmethod
        def define_schema(cls):
            return _schema(
                io, "SeqSamplerScheduled", display_names["SeqSamplerScheduled"],
                scheduled_plan.SCHEDULED_DESCRIPTION, scheduled_plan.SCHEDULED_INPUTS,
                [io.Latent.Output(tooltip="All frames as one batch, frame-major.")],
                scheduled_plan.OPTIONAL_INPUTS,
            )  # fmt: skip

        validate_inputs = classmethod(scheduled.validate_schedules)

        @classmethod
        def execute(cls, model, clip, latent_image, **widgets):
            return io.NodeOutput(scheduled.run_scheduled(model, clip, latent_image, **widgets))

    class SeqSamplerPlanPreview(base):
        @classmethod
        def define_schema(cls):
            return _schema(
                io, "SeqSamplerPlanPreview", display_names["SeqSamplerPlanPreview"],
                scheduled_plan.PREVIEW_DESCRIPTION, scheduled_plan.PREVIEW_INPUTS,
                [io.Image.Output("chart", display_name="chart", tooltip=scheduled_plan.PREVIEW_TOOLTIPS[0]),
                 io.String.Output("plan", display_name="plan", tooltip=scheduled_plan.PREVIEW_TOOLTIPS[1])],
                scheduled_plan.PREVIEW_OPTIONAL,
            )  # fmt: skip

        validate_inputs = classmethod(scheduled.validate_schedules)

        @classmethod
        def execute(cls, **widgets):
            return io.NodeOutput(*scheduled.preview_image(**widgets))

    return {
        "SeqSamplerScheduled": SeqSamplerScheduled,
        "SeqSamplerPlanPreview": SeqSamplerPlanPreview,
    }


def register_replacements() -> list[Any]:
    """Node Replacement API mappings for the published pack's node ids; see the module doc.

    Returns what was registered (nothing: the ids are the same). Untested: ComfyUI 0.3.64 has no
    `io.NodeReplace`.
    """
    io = _io()
    if io is None or not hasattr(io, "NodeReplace"):
        return []
    # WAS_Extras' KSamplerSeq2 / CLIPTextEncodeSequence2 ids are ours: a saved workflow opens
    # on our nodes with its 28 widget values by position, and an old -> new mapping from an id
    # to itself would be a no-op (or a loop in the frontend). Nothing to register.
    return []
