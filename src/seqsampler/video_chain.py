"""Video input in the frame chain (docs/behaviour.md §14), for both front doors.

Frame i follows input frame i (`FramePlan.video`). Frame 0 starts from input frame 0 encoded
(`video_init`; the frame's denoise applies as to any input). `run_sequence`'s
`feedback(frame i-1, output)` builds frame i's input; `VideoFeedback` is its video stage,
placed after the camera warp and before colour coherence and sharpening (Deforum's order:
warp, hybrid composite, colour match, contrast, unsharp; `camera.ChainFeedback`):

- `independent`: input frame i itself, encoded;
- `hybrid`: `video.hybrid_input(previous output, input frame i-1, input frame i, strength)` in
  pixel space (its `flow`: OpenCV's DIS, or "torch" for ComfyUI's guide, video_guide.py) (decoded with the codec's `to_pixels`, encoded back with `from_pixels`), then,
  with `color_coherence_source = video`, its colours matched to input frame i.

Input frames come from `frames(index) -> [1, 3, H, W]` in [0, 1] at the render size: a
`StreamedFrames` (a `video.VideoSource` read forward, two frames kept, so memory stays flat
over any length; a resume at frame k starts it at k - 1) or a tensor batch (`TensorFrames`,
ComfyUI's IMAGE input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from torch import Tensor

from .coherence import match_images, match_latent_stats
from .planning import FramePlan, FrameVideo, Plan
from .video import hybrid_input

# (to_pixels: latent [B, C, h, w] -> image [B, 3, H, W] in [0, 1], from_pixels: the inverse)
Codec = tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]
InputFrames = Callable[[int], Tensor]


def needs_video(plan: Plan) -> bool:
    """Whether the plan follows an input video."""
    return any(f.video is not None for f in plan.frames)


def video_frames_needed(plan: Plan) -> int:
    """How many input frames the plan reads (its highest input frame + 1; 0 without video)."""
    return 1 + max((f.video.frame for f in plan.frames if f.video is not None), default=-1)


class StreamedFrames:
    """Input frames `start ..` of a `video.VideoSource`, read forward one at a time at the
    render `size` = (W, H); the last two read are kept (a hybrid frame needs frames i-1 and
    i), so memory does not grow with the input's length."""

    KEEP = 2

    def __init__(self, source: Any, size: tuple[int, int], start: int = 0) -> None:
        self.source, self.size = source, size
        self._frames: Iterator[Tensor] = source.frames(size[0], size[1], start)
        self._next = start
        self._kept: dict[int, Tensor] = {}

    def __call__(self, index: int) -> Tensor:
        if index in self._kept:
            return self._kept[index]
        if index < self._next:
            raise ValueError(
                f"input frame {index} was read and dropped (frames are read forward, the last "
                f"{self.KEEP} kept); accepted: frames {self._next - len(self._kept)} and later"
            )
        while self._next <= index:
            try:
                image = next(self._frames)
            except StopIteration:
                raise ValueError(
                    f"{self.source.path}: input frame {index} asked for, the input has "
                    f"{self.source.frame_count} frames; accepted: at most that many frames"
                ) from None
            self._kept[self._next] = image
            self._next += 1
            for old in [k for k in self._kept if k < self._next - self.KEEP]:
                del self._kept[old]
        return self._kept[index]


class TensorFrames:
    """Input frames from a batch `images` [N, 3, H, W] in [0, 1] (already at the render size);
    `channels=None` takes any [N, C, H, W] (a batch of latents)."""

    def __init__(self, images: Tensor, channels: int | None = 3) -> None:
        ok = images.dim() == 4 and images.shape[0] >= 1
        if not ok or (channels is not None and images.shape[1] != channels):
            shape = f"[N, {channels or 'C'}, H, W]"
            raise ValueError(
                f"video input: images of shape {tuple(images.shape)}; accepted: {shape}, N >= 1"
            )
        self.images = images

    def __call__(self, index: int) -> Tensor:
        if not 0 <= index < self.images.shape[0]:
            raise ValueError(
                f"video input: frame {index} asked for, the guide has {self.images.shape[0]} "
                "frames; accepted: a guide with a frame for every frame of the sequence"
            )
        return self.images[index : index + 1]


def _batch(x: Tensor, batch: int) -> Tensor:
    return x if x.shape[0] == batch else x[:1].expand(batch, *x.shape[1:])


def video_init(plan: Plan, frames: InputFrames, codec: Codec, batch: int = 1) -> Tensor | None:
    """Frame 0's input: input frame 0 encoded, [batch, C, h, w]; None without a video."""
    first = plan.frames[0].video if plan.frames else None
    if first is None:
        return None
    return _batch(codec[1](frames(first.frame)), batch)


class VideoFeedback:
    """The video stage of the chain's feedback (module docstring): `apply(frame, x)` turns `x`
    (frame `frame`'s output, warped by the camera if it moves) into the next frame's input."""

    def __init__(self, plan: Plan, frames: InputFrames, codec: Codec, flow: str = "dis") -> None:
        self.plan, self.frames, self.flow = plan, frames, flow
        self.to_pixels, self.from_pixels = codec

    def next_video(self, frame: FramePlan, to: int | None = None) -> FrameVideo | None:
        """The video record of frame `to` (default: the frame after `frame`)."""
        index = frame.frame + 1 if to is None else to
        return self.plan.frames[index].video if index < len(self.plan.frames) else None

    def apply(self, frame: FramePlan, x: Tensor, to: int | None = None) -> Tensor:
        """`x` made into frame `to`'s input (default: the frame after `frame`; cadence: the
        next diffused frame, the hybrid composite then spans input frames frame .. to)."""
        video = self.next_video(frame, to)
        if video is None or video.mode == "init":
            return x
        if x.dim() != 4:
            raise ValueError(
                f"video input: latents of shape {tuple(x.shape)}; accepted: [B, C, H, W] "
                "(image latents; video latents are not supported)"
            )
        current = self.frames(video.frame)
        if video.mode == "independent":
            return _batch(self.from_pixels(current), x.shape[0]).to(x)
        previous = self.frames(frame.video.frame if frame.video is not None else video.frame - 1)
        pixels = self.to_pixels(x).float()
        mixed = hybrid_input(
            pixels, previous.to(pixels), current.to(pixels), video.strength, flow=self.flow
        )
        color = video.color
        if color is not None and color.mode != "latent":
            mixed = match_images(mixed, current.to(mixed), color.mode, color.strength)
        out = self.from_pixels(mixed).to(x)
        if color is not None and color.mode == "latent":
            anchor = self.from_pixels(current).to(out)
            out = match_latent_stats(out, anchor, color.strength)
        return out

    def __call__(self, frame: FramePlan, x: Tensor) -> Tensor:
        return self.apply(frame, x)
