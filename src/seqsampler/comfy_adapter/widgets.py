"""Node widgets from the field table (`planning.fields.FIELDS`): a field's widget type, default,
range and tooltip, as the classic INPUT_TYPES and the V3 schema take them. No ComfyUI import."""

from __future__ import annotations

from typing import Any

from ..planning import FIELD_HELP
from ..planning.fields import SPECS

WIDGET_TYPES = {"int": "INT", "float": "FLOAT", "bool": "BOOLEAN"}


def widget(name: str, tooltip: str | None = None, **options: Any) -> tuple[Any, dict[str, Any]]:
    """(type, options) of field `name`'s widget: a combo of its choices, or an INT / FLOAT /
    BOOLEAN with its default and range; `options` add to them or override them (a step, or a
    node's own default); `tooltip` replaces the field's help."""
    spec = SPECS[name]
    tip = {"tooltip": FIELD_HELP[name] if tooltip is None else tooltip}
    if spec.kind == "choice":
        return list(spec.choices), {**options, **tip}
    table: dict[str, Any] = {"default": spec.default}
    if spec.low is not None:
        table["min"] = spec.low
    if spec.high is not None:
        table["max"] = spec.high
    return WIDGET_TYPES[spec.kind], {**table, **options, **tip}
