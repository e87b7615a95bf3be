"""`noise_warp` with an input video (docs/behaviour.md §14): the noise moves with the video.

A frame that follows an input video is its input frame remade, so its noise should move as the
input's content moves, not stay on the screen (a fixed seed: the texture sticks while the video
pans) nor be drawn again (a new seed a frame: it boils). `VideoMover` is the `camera_noise.Mover`
that does it: for frame i >= 1 it measures the forward DIS optical flow F from input frame i-1 to
input frame i (`video.flow.optical_flow(prev, cur)`: prev(x) ~= cur(x + F(x)), so a particle at
x goes to x + F(x); frames under 256 px upsampled for it, `flow.MIN_SIDE`, as the hybrid input
does), averages it onto the noise's grid (`flow_on_grid`: area average, displacements in cells)
and carries the integral noise's particles by it (`IntegralNoise.carried`).

With a camera move as well, the frame's input is made in that order (behaviour.md §14): the
previous output is moved by the camera, then carried along the flow (`hybrid`), so the noise is
moved by the camera's matrix then carried by the flow. An `independent` frame's input is its
input frame alone (the camera's warp does not reach it), so its noise follows the flow only.

The mover reads the input frames itself, forward, two kept (`video_chain.StreamedFrames` or any
`InputFrames`), never a frame's output: the noise depends on the plan and the input only, so a
resume replays it from frame 0 without model work (`run_sequence` calls the hook for the frames
it skips) and equals the uninterrupted run. Each frame's flow costs one DIS call (on one CPU
thread of a shared 2-core VM, about 10 ms at 32-64 px; flow.py's table). OpenCV is needed for
DIS (the `[cli]` extra); ComfyUI's guide uses the torch-only flow instead (`flow="torch"`,
video/torch_flow.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import torch
import torch.nn.functional as functional
from torch import Tensor

from .camera_noise import Move, NoiseWarp, camera_mover
from .motion.integral_noise import IntegralNoise
from .planning import Plan
from .video.flow import DEFAULT_PRESET, MIN_SIDE, optical_flow
from .video.hybrid import FLOWS
from .video.torch_flow import torch_flow
from .video_chain import InputFrames, needs_video


def flow_on_grid(flow: Tensor, grid: tuple[int, int]) -> Tensor:
    """A flow [H, W, 2] in pixels (dx, dy) as the flow on a grid (w, h) of cells, [2, h, w]:
    area-averaged, dx times w / W and dy times h / H (the same field where the grid is the
    image, as the embedded model's latent is)."""
    if flow.dim() != 3 or flow.shape[-1] != 2:
        raise ValueError(f"flow: shape {tuple(flow.shape)}; accepted: [H, W, 2]")
    width, height = grid
    if width < 1 or height < 1:
        raise ValueError(f"grid: got {grid}; accepted: (w, h) with w, h >= 1")
    field = flow.permute(2, 0, 1).to(torch.float32)
    big_h, big_w = field.shape[-2:]
    if (big_h, big_w) != (height, width):
        field = functional.adaptive_avg_pool2d(field[None], (height, width))[0]
    scale = torch.tensor([width / big_w, height / big_h], dtype=torch.float32).view(2, 1, 1)
    return field * scale


def _then(first: Move, second: Move, field: IntegralNoise) -> IntegralNoise:
    return second(first(field))


class VideoMover:
    """The `Mover` of a plan that follows an input video (module docstring): frame i's noise is
    frame i-1's moved by the camera (`hybrid` frames) and carried along the input's flow from
    input frame i-1 to input frame i. `frames`: the input frames [1, 3, H, W] in [0, 1] at the
    render `size` = (W, H), asked for in order (frame 0, 1, 2, ...). `flow`: "dis" (OpenCV's,
    the CLI) or "torch" (video/torch_flow.py, ComfyUI's guide: no OpenCV)."""

    def __init__(
        self,
        plan: Plan,
        frames: InputFrames,
        size: tuple[int, int],
        preset: str = DEFAULT_PRESET,
        flow: str = "dis",
    ) -> None:
        if not needs_video(plan):
            raise ValueError("VideoMover: the plan has no input video; accepted: init_video set")
        if flow not in FLOWS:
            raise ValueError(f"flow: got {flow!r}; accepted: {', '.join(FLOWS)}")
        self.plan, self.frames, self.size, self.preset = plan, frames, size, preset
        self.method = flow
        self.camera = camera_mover(plan, size)

    def flow(self, index: int) -> Tensor | None:
        """The forward flow [H, W, 2] (px) from frame index-1's input frame to frame index's,
        or None (frame 0, or frames without a video record)."""
        video = self.plan.frames[index].video
        before = self.plan.frames[index - 1].video if index > 0 else None
        if video is None or before is None or video.mode == "init":
            return None
        prev, cur = self.frames(before.frame), self.frames(video.frame)
        if self.method == "torch":
            return torch_flow(prev, cur)
        return optical_flow(prev, cur, self.preset, MIN_SIDE)

    def __call__(self, index: int, grid: tuple[int, int]) -> Move | None:
        flow = self.flow(index)
        video = self.plan.frames[index].video
        camera = self.camera(index, grid) if video is None or video.mode == "hybrid" else None
        if flow is None:
            return camera
        carry: Move = partial(IntegralNoise.carried, flow=flow_on_grid(flow, grid))
        return carry if camera is None else partial(_then, camera, carry)


def noise_warp(
    plan: Plan,
    size: tuple[int, int],
    frames: InputFrames | None = None,
    batch_index: Sequence[int] | None = None,
) -> NoiseWarp | None:
    """The `noise` hook of `noise_warp` (None when it is off): moved by the input video
    (`VideoMover` over `frames`, which must be given when the plan follows a video) and the
    camera, or by the camera alone. `size` = (W, H), the render size."""
    if not plan.config.noise_warp:
        return None
    if not needs_video(plan):
        return NoiseWarp(plan, size, batch_index)
    if frames is None:
        raise ValueError(
            "noise_warp with an input video: no input frames given; accepted: the input "
            "frames (video_chain.StreamedFrames / TensorFrames), which move the noise"
        )
    return NoiseWarp(plan, size, batch_index, VideoMover(plan, frames, size))
