"""Video input in the plan (docs/behaviour.md §14): each frame's `FrameVideo` record, applied
after every frame is planned. Pure Python (no torch).

Frame i follows input frame i: frame 0 starts from it (`init`, the input frame encoded; the
frame's denoise applies as for any input), each later frame's input is made from it by
`video_mode` (`hybrid`: the previous output carried along the video's flow and blended with the
input frame by that frame's `video_strength`; `independent`: the input frame alone, weight 1).
With `color_coherence_source = video` a hybrid frame's input is colour-matched to its own input
frame (`FrameVideo.color`) instead of to an anchor frame's output (`FramePlan.color`).
"""

from __future__ import annotations

from dataclasses import replace

from .config import SequenceConfig
from .plan_data import ColorMatch, FramePlan, FrameVideo


def frame_video(config: SequenceConfig, index: int) -> FrameVideo:
    """Frame `index`'s video record (`config.init_video` is set)."""
    if index == 0:
        return FrameVideo(0, "init", 1.0)
    if config.video_mode == "independent":
        return FrameVideo(index, "independent", 1.0)
    strength = config.frame_value("video_strength", index, config.video_strength)
    color = None
    if config.color_coherence != "none" and config.color_coherence_source == "video":
        weight = config.frame_value(
            "color_coherence_strength", index, config.color_coherence_strength
        )
        color = ColorMatch(config.color_coherence, index, weight)
    return FrameVideo(index, "hybrid", strength, color)


def with_video(config: SequenceConfig, planned: list[FramePlan]) -> list[FramePlan]:
    """Every frame with its `video` record when the config has an input video; else as is."""
    if not config.init_video:
        return planned
    return [replace(frame, video=frame_video(config, frame.frame)) for frame in planned]
