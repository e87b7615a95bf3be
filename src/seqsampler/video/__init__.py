"""Video input: read a video or an image folder frame by frame, copy its audio, estimate its
motion (DIS optical flow) and build each frame's input for the `independent` and `hybrid` modes.

Images are float32 [B, 3, H, W] in [0, 1] (the models' decoded-image convention). PyAV, Pillow
and OpenCV come with the `[cli]` extra and are imported on first use.
"""

from __future__ import annotations

from .audio import copy_audio
from .flow import consistency_mask, optical_flow, photometric_mask, warp_by_flow
from .hybrid import HybridParts, check_strength, hybrid_input, hybrid_parts, independent_input
from .reader import open_video
from .source import VideoSource

__all__ = [
    "HybridParts",
    "VideoSource",
    "check_strength",
    "consistency_mask",
    "copy_audio",
    "hybrid_input",
    "hybrid_parts",
    "independent_input",
    "open_video",
    "optical_flow",
    "photometric_mask",
    "warp_by_flow",
]
