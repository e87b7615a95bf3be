"""The scheduled nodes' camera motion inputs (docs/comfyui.md "Camera motion"), declared from
the field table's motion rows (`planning.fields.MOTION_FIELDS`): each per-frame knob as a
schedule string (`zoom` -> `zoom_schedule`), the others as plain widgets. All are optional
inputs appended after the widgets saved workflows hold, and their defaults are the identity,
so a workflow without them loads and runs as before. Pure: no ComfyUI, no torch.

`motion_space` has one more choice here, `auto` (the default): the warp works on the latent
grid, or on pixels (decode -> warp -> encode) when the node's `vae` input is connected.
"""

from __future__ import annotations

from typing import Any

from ..planning import FIELD_HELP
from ..planning.fields import MOTION_FIELDS, SPECS
from ..planning.names import MOTION_SPACES
from .widgets import schedule_widget, widget

AUTO_SPACE = "auto"
# Pixels per latent cell when no VAE is connected (SD's factor; the VAE's own when it is).
LATENT_FACTOR = 8
RENDER_SIZE = (
    f" Pixels at the render size: the latent's size x {LATENT_FACTOR} (x the VAE's factor "
    "when the vae input is connected)."
)
SPACE_HELP = (
    "Where the previous frame is warped: auto (the latent, or pixels when the vae input is "
    "connected), latent (the latent itself, translation scaled to the latent grid), pixel "
    "(decoded, warped, encoded again through the vae input)."
)

CADENCE_HELP = (
    " Here the frames between are made on the latents, or on pixels when the vae input is "
    "connected (motion_space auto or pixel)."
)

# Schedule input -> the motion knob it drives, in the field table's order.
MOTION_SCHEDULES = {
    f"{name}_schedule": name for name in MOTION_FIELDS if SPECS[name].schedule == "knob"
}


def _motion_widget(name: str) -> tuple[str, Any, dict[str, Any]]:
    """The input of motion field `name`: a schedule string for a knob, else its widget."""
    if SPECS[name].schedule == "knob":
        kind, options = schedule_widget(name)
        if name.startswith("translation_"):
            options = {**options, "tooltip": options["tooltip"] + RENDER_SIZE}
        return f"{name}_schedule", kind, options
    if name == "motion_space":
        return name, [AUTO_SPACE, *MOTION_SPACES], {"default": AUTO_SPACE, "tooltip": SPACE_HELP}
    if name == "noise_warp":
        tip = FIELD_HELP[name] + " The first frame's noise is the seed's; later frames move it."
        return name, *widget(name, tip)
    return name, *widget(name)


MOTION_WIDGETS: tuple[tuple[str, Any, dict[str, Any]], ...] = tuple(
    _motion_widget(name) for name in MOTION_FIELDS
)


def motion_space(value: str, vae_connected: bool) -> str:
    """The planner's motion_space of the widget's value: `auto` is pixel with a VAE, else
    latent; the others as they are (checked by the planner)."""
    if value == AUTO_SPACE:
        return "pixel" if vae_connected else "latent"
    return value
