"""Output interpolation: the videos' frames with K - 1 in-betweens between each pair of
rendered frames (`interpolate = K`, `interpolate_mode`), made by `seqsampler.inbetween` from the
frame PNGs two at a time (memory flat in the frame count); frames/ is not touched.

The camera between frames i and i+1 is frame i+1's motion record in the plan (the move from i
to i+1, `camera.motion_matrix` at the render size); a frame without one has none (identity).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import torch

from ...camera import motion_matrix
from ...inbetween import inbetween
from ...motion.transform import Matrix
from ...planning import Plan
from .writers import LazyFrames, to_uint8, upscale


def pair_moves(plan: Plan, size: tuple[int, int]) -> list[tuple[Matrix | None, str]]:
    """Per pair (i, i+1): (the camera from i to i+1 on pixels of `size` = (W, H), or None
    without a move; the warp's border)."""
    out: list[tuple[Matrix | None, str]] = []
    for frame in plan.frames[1:]:
        motion = frame.motion
        if motion is None or not motion.moves:
            out.append((None, "replicate"))
        else:
            out.append((motion_matrix(motion, size), motion.border))
    return out


def video_rate(fps: int | str, k: int) -> int | Fraction:
    """The videos' frame rate with `k` video frames per rendered frame: fps x k (fps as the
    spec resolves it, an int or "num/den"), an int when whole."""
    rate = Fraction(fps) * k
    return int(rate) if rate.denominator == 1 else rate


class InterpolatedFrames(Sequence[np.ndarray]):
    """The rendered frames (uint8 [H, W, 3], `frames` read lazily at their own size) with
    k - 1 in-betweens after each but the last, upscaled by `factor`: (N - 1)·k + 1 frames.
    Read in order, each PNG is read once per pass and two frames are held."""

    def __init__(
        self,
        frames: LazyFrames,
        k: int,
        mode: str,
        moves: Sequence[tuple[Matrix | None, str]],
        factor: int = 1,
    ) -> None:
        if len(moves) != max(len(frames) - 1, 0):
            raise ValueError(f"{len(moves)} moves for {len(frames)} frames; expected one per pair")
        self.frames, self.k, self.mode, self.moves, self.factor = frames, k, mode, moves, factor
        self._pair: tuple[int, torch.Tensor, torch.Tensor] | None = None

    def __len__(self) -> int:
        return (len(self.frames) - 1) * self.k + 1 if len(self.frames) else 0

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(f"frame {index} of {len(self)}")
        i, s = divmod(index % len(self), self.k)
        if s == 0:
            return upscale(self.frames[i], self.factor)
        a, b = self._neighbours(i)
        m_ab, border = self.moves[i]
        made = inbetween(
            a,
            b,
            s / self.k,
            m_ab=m_ab if self.mode != "crossfade" else None,
            flow=self.mode == "flow",
            border=border,
        )
        return upscale(to_uint8(made[0]), self.factor)

    def __iter__(self) -> Iterator[np.ndarray]:
        for j in range(len(self)):
            yield self[j]

    def _neighbours(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Frames i and i+1 as [1, 3, H, W] in [0, 1], the last pair kept."""
        if self._pair is None or self._pair[0] != i:
            if self._pair is not None and self._pair[0] == i - 1:
                a = self._pair[2]
            else:
                a = _tensor(self.frames[i])
            self._pair = (i, a, _tensor(self.frames[i + 1]))
        return self._pair[1], self._pair[2]

    def originals(self, limit: int) -> list[np.ndarray]:
        """At most `limit` rendered frames at their own size (a GIF's palette: in-betweens mix
        their colours)."""
        return self.frames.originals(limit)


def _tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 [H, W, 3] -> float32 [1, 3, H, W] in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)[None].float() / 255


def video_frames(
    paths: Sequence[Any], fields: dict[str, Any], plan: Plan
) -> tuple[Sequence[np.ndarray], int | str | Fraction]:
    """The videos' frames and frame rate from the frame PNGs `paths` and the resolved spec's
    `fields`: the rendered frames at fps, or with interpolate = K > 1 the stream with K - 1
    in-betweens per pair at K x fps (both upscaled by `upscale`)."""
    k = fields.get("interpolate", 1)
    if k == 1 or len(paths) < 2:
        return LazyFrames(paths, fields["upscale"]), fields["fps"]
    originals = LazyFrames(paths)
    height, width = originals[0].shape[:2]
    mode = fields["interpolate_mode"]
    if mode == "crossfade":
        moves: list[tuple[Matrix | None, str]] = [(None, "replicate")] * (len(paths) - 1)
    else:
        moves = pair_moves(plan, (width, height))
    frames = InterpolatedFrames(originals, k, mode, moves, fields["upscale"])
    return frames, video_rate(fields["fps"], k)
