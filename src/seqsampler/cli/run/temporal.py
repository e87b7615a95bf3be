"""The CLI's side of colour coherence, loops, the video input and cadence: the pixel-space
feedback transforms, the input video read forward, the in-betweens' maker, and the resume state
(the latents it continues from) read from the run folder. The plan decides which frames are matched, pulled and follow the input
(docs/quality.md, docs/behaviour.md §14); `run_sequence` applies them."""

from __future__ import annotations

from typing import Any

from ...cadence_chain import CadenceFrames, has_between
from ...camera import MotionFeedback, chain_feedback, needs_motion
from ...camera_noise import NoiseWarp
from ...coherence import (
    CoherenceFeedback,
    mode_match,
    needs_feedback,
    pixel_match,
    pixel_space_codec,
)
from ...planning import Plan
from ...planning.cadence import resume_source
from ...sequence import Feedback, Resume
from .folder import RunFolder
from .writers import load_latent


def coherence_feedback(the_plan: Plan, model: Any, folder: RunFolder) -> CoherenceFeedback | None:
    """The colour-coherence feedback of `the_plan` in pixel space (None when no frame is
    matched): decode, match, encode for a VAE model; the latent itself for a pixel-space model
    (the embedded one), whose latent is the image in [-1, 1]; mode `latent` matches the
    latent's per-channel statistics instead. Anchors made before a resume are
    read from the run folder's latents."""
    if not needs_feedback(the_plan):
        return None
    to_pixels, from_pixels = model_codec(model)
    return CoherenceFeedback(
        the_plan,
        mode_match(pixel_match(to_pixels, from_pixels)),
        load_anchor=lambda index: load_latent(folder.latent_path(index)),
    )


def model_codec(model: Any) -> Any:
    """(to_pixels, from_pixels) of `model`: its VAE's decode / encode, or the pixel-space
    model's identity up to [-1, 1] (the embedded one, whose latent is the image)."""
    if getattr(model, "vae", None) is None:
        return pixel_space_codec()
    return model.decode, model.encode


def video_input(the_plan: Plan, model: Any, size: tuple[int, int], done: int) -> Any:
    """The chain's video stage of a plan with an input video, else None. The input is read
    forward from the frame a resume continues from (done - 1, or with cadence the diffused
    frame before it: its feedback needs the input frames of that frame and the next diffused
    one), one frame at a time at the render `size`."""
    from ...video import open_video
    from ...video_chain import StreamedFrames, VideoFeedback, needs_video

    if not needs_video(the_plan):
        return None
    source = open_video(the_plan.config.init_video)
    frames = StreamedFrames(source, size, start=resume_source(the_plan.frames, done) if done else 0)
    return VideoFeedback(the_plan, frames, model_codec(model))


def motion_feedback(the_plan: Plan, model: Any, size: tuple[int, int]) -> MotionFeedback | None:
    """The camera's warp and anti-blur at the render `size` = (W, H) (None when no frame moves or
    sharpens): through the model's codec in pixel space; in latent space with the embedded
    model's range, (-1, 1) (its latent is the image), or none for a VAE's latent."""
    if not needs_motion(the_plan):
        return None
    latent_range = (-1.0, 1.0) if getattr(model, "vae", None) is None else None
    return MotionFeedback(the_plan, size, model_codec(model), latent_range)


def noise_hook(the_plan: Plan, size: tuple[int, int]) -> NoiseWarp | None:
    """The moving noise of `noise_warp` (None when off): with the camera, and with an input
    video along its flow too (`video_noise`), the input read forward from frame 0 on its own,
    two frames kept, so a resume replays the noise from frame 0 without model work."""
    from ...video_chain import StreamedFrames, needs_video
    from ...video_noise import noise_warp

    if not the_plan.config.noise_warp:
        return None
    frames = None
    if needs_video(the_plan):
        from ...video import open_video

        frames = StreamedFrames(open_video(the_plan.config.init_video), size)
    return noise_warp(the_plan, size, frames)


def chain_inputs(
    the_plan: Plan, model: Any, folder: RunFolder, size: tuple[int, int], done: int = 0
) -> tuple[Feedback | None, NoiseWarp | None]:
    """The chain's feedback (the camera's warp, the video input's composite, colour coherence,
    contrast and sharpening, in behaviour.md §13-§14's order) and its noise hook (`noise_warp`)
    for a render of `size` that starts after `done` frames."""
    coherence = coherence_feedback(the_plan, model, folder)
    motion = motion_feedback(the_plan, model, size)
    video = video_input(the_plan, model, size, done)
    feedback: Feedback | None
    if motion is None and video is None:
        feedback = coherence
    else:
        feedback = chain_feedback(motion, coherence, video)
    return feedback, noise_hook(the_plan, size)


def cadence_frames(the_plan: Plan, model: Any, size: tuple[int, int]) -> CadenceFrames | None:
    """How the frames between diffused ones are made (cadence > 1; None without any): on
    pixels through the model's codec at the render `size`, moved by the plan's camera."""
    if not has_between(the_plan):
        return None
    return CadenceFrames(the_plan, size, model_codec(model))


def first_input(the_plan: Plan, model: Any, size: tuple[int, int], shape: Any) -> Any:
    """Frame 0's input latent: the input video's frame 0 encoded (behaviour.md §14), else zeros
    of `shape` (the sampler starts from noise)."""
    import torch

    from ...video import open_video
    from ...video_chain import StreamedFrames, needs_video, video_init

    if not needs_video(the_plan):
        return torch.zeros(shape)
    frames = StreamedFrames(open_video(the_plan.config.init_video), size)
    init = video_init(the_plan, frames, model_codec(model), batch=shape[0])
    assert init is not None  # needs_video: frame 0 has its video record
    return init.to(torch.float32)


def resume_state(the_plan: Plan, folder: RunFolder, done: int) -> Resume | None:
    """The `Resume` after `done` complete frames: the last one's latent (with cadence, the last
    diffused frame's, `resume_source`), and frame 0's when a loop frame is still to be made."""
    if not done:
        return None
    first = None
    if any(f.loop is not None for f in the_plan.frames[done:]):
        first = load_latent(folder.latent_path(0))
    source = resume_source(the_plan.frames, done)
    return Resume(done, load_latent(folder.latent_path(source)), first)
