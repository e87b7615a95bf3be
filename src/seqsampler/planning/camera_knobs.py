"""One frame's camera knobs (`Knobs`, Deforum's 2D mode names) and its motion record
(`FrameMotion`: the knobs, where and how the warp is done, the anti-blur after it).

The one owner of the knobs: `motion.knobs` re-exports `Knobs`, the plan's records are
`FrameMotion`s, and every default is the field table's (`fields.FIELDS`, the config's field of
the same name; `border` and `space` are `motion_border` and `motion_space`). Pure Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fields import SPECS
from .names import MOTION_BORDERS, MOTION_SPACES


def _default(name: str) -> Any:
    """The default of config field `name` in the field table."""
    return SPECS[name].default


@dataclass(frozen=True)
class Knobs:
    """One frame's warp knobs, Deforum's units: `zoom` a scale per frame (1 = none, > 1 zooms
    in), `angle` degrees per frame counter-clockwise, `translation_x/_y` pixels per frame at
    the render size (W x H), `transform_center_x/_y` the centre as a fraction of W and H, the
    perspective flip's angles and field of view in degrees. The defaults are the identity."""

    zoom: float = _default("zoom")
    angle: float = _default("angle")
    translation_x: float = _default("translation_x")
    translation_y: float = _default("translation_y")
    transform_center_x: float = _default("transform_center_x")
    transform_center_y: float = _default("transform_center_y")
    perspective_flip: bool = _default("perspective_flip")
    perspective_flip_theta: float = _default("perspective_flip_theta")
    perspective_flip_phi: float = _default("perspective_flip_phi")
    perspective_flip_gamma: float = _default("perspective_flip_gamma")
    perspective_flip_fv: float = _default("perspective_flip_fv")


@dataclass(frozen=True)
class FrameMotion(Knobs):
    """The camera move into a frame and the anti-blur after it (docs/behaviour.md §13): the
    previous frame's output is warped by the knobs (`Knobs`), with `border` where the source
    is out of frame and in `space` (pixel: decoded; latent), then colour-matched, then scaled
    by `contrast` and unsharp-masked (`sharpen_*`, amount 0 = off). The defaults change
    nothing."""

    border: str = _default("motion_border")
    space: str = _default("motion_space")
    sharpen_amount: float = _default("sharpen_amount")
    sharpen_kernel: int = _default("sharpen_kernel")
    sharpen_sigma: float = _default("sharpen_sigma")
    sharpen_threshold: float = _default("sharpen_threshold")
    contrast: float = _default("contrast")

    def __post_init__(self) -> None:
        if self.border not in MOTION_BORDERS:
            raise ValueError(
                f"motion border must be one of {', '.join(MOTION_BORDERS)}; got {self.border!r}"
            )
        if self.space not in MOTION_SPACES:
            raise ValueError(
                f"motion space must be one of {', '.join(MOTION_SPACES)}; got {self.space!r}"
            )

    @property
    def moves(self) -> bool:
        """Whether the camera moves (any knob off its identity value)."""
        return (
            self.zoom != 1.0
            or self.angle != 0.0
            or self.translation_x != 0.0
            or self.translation_y != 0.0
            or (
                self.perspective_flip
                and (self.perspective_flip_theta, self.perspective_flip_phi,
                     self.perspective_flip_gamma) != (0.0, 0.0, 0.0)
            )
        )  # fmt: skip

    @property
    def sharpens(self) -> bool:
        """Whether contrast or the unsharp mask changes the frame."""
        return self.sharpen_amount != 0.0 or self.contrast != 1.0
