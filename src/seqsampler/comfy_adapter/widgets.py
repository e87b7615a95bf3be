"""Node widgets from the field table (`planning.fields.FIELDS`): a field's widget type, default,
range and tooltip, as the classic INPUT_TYPES and the V3 schema take them. No ComfyUI import."""

from __future__ import annotations

from typing import Any

from ..planning import FIELD_HELP
from ..planning.fields import CFG_MODE, DENOISE_KNOB, SPECS

WIDGET_TYPES = {"int": "INT", "float": "FLOAT", "bool": "BOOLEAN"}
# The config fields and the frame sampler's (cfg_mode), by name.
WIDGET_SPECS = {**SPECS, CFG_MODE.name: CFG_MODE}
SCHEDULE_HELP = (
    " A number (the same on every frame) or a Deforum / FizzNodes schedule "
    "'0:(a), 24:(b), 48:(0.5 + 0.1*sin(2*pi*t/12))' in t (the frame) and max_f (the last frame)."
)


def widget(name: str, tooltip: str | None = None, **options: Any) -> tuple[Any, dict[str, Any]]:
    """(type, options) of field `name`'s widget: a combo of its choices, or an INT / FLOAT /
    BOOLEAN with its default and range; `options` add to them or override them (a step, or a
    node's own default); `tooltip` replaces the field's help."""
    spec = WIDGET_SPECS[name]
    tip = {"tooltip": spec.help if tooltip is None else tooltip}
    if spec.kind == "choice":
        return list(spec.choices), {**options, **tip}
    table: dict[str, Any] = {"default": spec.default}
    if spec.low is not None:
        table["min"] = spec.low
    if spec.high is not None:
        table["max"] = spec.high
    return WIDGET_TYPES[spec.kind], {**table, **options, **tip}


def schedule_widget(knob: str) -> tuple[str, dict[str, Any]]:
    """A schedule's text widget for knob `knob`; its default is the field's default (for
    denoise, the node's rule: denoise_start on frame 0, denoise_seq after)."""
    if knob == DENOISE_KNOB:
        help_text = "Denoise of each frame (frame 0 included: 1 for text-to-image)."
        default = f"0:({SPECS['denoise_start'].default}), 1:({SPECS['denoise_seq'].default})"
    else:
        help_text, default = FIELD_HELP[knob], str(SPECS[knob].default)
    return ("STRING", {"default": default, "tooltip": help_text + SCHEDULE_HELP})
