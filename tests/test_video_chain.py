"""Video input in the chain (seqsampler.video_chain): frame 0 from input frame 0, each later
frame's input by its mode (independent: the input frame; hybrid: the previous output carried
along the input's flow), the stage's place in the chain (after the warp, before colour and
sharpening), the input frames read forward two at a time, and run_sequence end to end."""

from __future__ import annotations

import pytest
import torch
from test_camera import Recorder
from test_sequence import FakeSampler, conds

from seqsampler import SequenceConfig, plan, run_sequence
from seqsampler.camera import ChainFeedback, MotionFeedback
from seqsampler.coherence import match_images, pixel_space_codec
from seqsampler.sequence import Resume
from seqsampler.video import hybrid_input
from seqsampler.video_chain import (
    StreamedFrames,
    TensorFrames,
    VideoFeedback,
    needs_video,
    video_frames_needed,
    video_init,
)

H, W = 24, 32
CODEC = pixel_space_codec()  # the embedded model's: the latent is the image in [-1, 1]


def pan(count: int, seed: int = 0, step: int = 2) -> torch.Tensor:
    """[count, 3, H, W]: windows of a smooth random texture moving left by `step` px a frame."""
    g = torch.Generator().manual_seed(seed)
    cells = torch.rand(1, 3, H // 4 + 2, (W + step * count) // 4 + 2, generator=g)
    big = torch.nn.functional.interpolate(cells, scale_factor=4, mode="bicubic").clamp(0, 1)
    return torch.cat([big[..., 4 : 4 + H, 4 + step * t : 4 + step * t + W] for t in range(count)])


def video_plan(n: int, **config):
    return plan(SequenceConfig(frame_count=n, init_video="clip.mp4", inject_noise=False, **config))


class FakeSource:
    """A `VideoSource` stand-in that counts the frames it decodes."""

    def __init__(self, images: torch.Tensor) -> None:
        self.images, self.path, self.frame_count, self.decoded = images, "clip.mp4", len(images), []

    def frames(self, width, height, start=0):
        assert (width, height) == (W, H)
        for i in range(start, self.frame_count):
            self.decoded.append(i)
            yield self.images[i : i + 1]


def test_streamed_frames_are_read_forward_and_only_two_are_kept():
    source = FakeSource(pan(6))
    frames = StreamedFrames(source, (W, H), start=1)
    assert torch.equal(frames(2), source.images[2:3]) and source.decoded == [1, 2]
    assert torch.equal(frames(1), source.images[1:2])  # the previous frame is kept
    assert torch.equal(frames(4), source.images[4:5]) and sorted(frames._kept) == [3, 4]
    with pytest.raises(ValueError, match="input frame 2 was read and dropped"):
        frames(2)
    with pytest.raises(ValueError, match="input frame 7 asked for, the input has 6 frames"):
        frames(7)


def test_frame_0_starts_from_input_frame_0_and_plans_without_video_have_none():
    images = pan(3)
    p = video_plan(3)
    assert needs_video(p) and video_frames_needed(p) == 3
    assert torch.equal(video_init(p, TensorFrames(images), CODEC, batch=2), images[:1].expand(2, -1, -1, -1) * 2 - 1)  # fmt: skip
    plain = plan(SequenceConfig(frame_count=3))
    assert not needs_video(plain) and video_init(plain, TensorFrames(images), CODEC) is None


def test_independent_frames_take_their_input_frame_and_hybrid_carries_the_output():
    images = pan(3)
    output = torch.rand(2, 3, H, W, generator=torch.Generator().manual_seed(1)) * 2 - 1
    independent = video_plan(3, video_mode="independent")
    stage = VideoFeedback(independent, TensorFrames(images), CODEC)
    assert torch.equal(stage(independent.frames[0], output), (images[1:2] * 2 - 1).expand(2, -1, -1, -1))  # fmt: skip
    assert stage(independent.frames[2], output) is output  # the last frame feeds nothing

    hybrid = video_plan(3, video_strength=0.3)
    out = VideoFeedback(hybrid, TensorFrames(images), CODEC)(hybrid.frames[1], output)
    expected = hybrid_input((output + 1) / 2, images[1:2], images[2:3], 0.3) * 2 - 1
    assert torch.equal(out, expected)


def test_hybrid_moves_the_previous_output_with_the_video():
    """The previous output is carried along the input's motion: a 2-px pan of the input moves
    an unrelated output image by 2 px (away from the edge the pan uncovers)."""
    images = pan(2, step=2)
    output = pan(1, seed=7, step=0) * 2 - 1
    p = video_plan(2, video_strength=0.0)
    out = VideoFeedback(p, TensorFrames(images), CODEC)(p.frames[0], output)
    inner = (slice(None), slice(None), slice(2, -2), slice(2, -6))
    assert (out[..., 2:-2, 2:-6] - output[..., 2:-2, 4:-4]).abs().mean() < 0.02
    assert (out[inner] - output[inner]).abs().mean() > 0.05  # it did move


def test_colour_to_the_video_matches_the_composite_to_the_input_frame():
    images = pan(2)
    output = torch.rand(1, 3, H, W, generator=torch.Generator().manual_seed(3)) * 0.5 - 1
    p = video_plan(2, color_coherence="lab", color_coherence_source="video", video_strength=0.2)
    out = VideoFeedback(p, TensorFrames(images), CODEC)(p.frames[0], output)
    mixed = hybrid_input((output + 1) / 2, images[:1], images[1:2], 0.2)
    assert torch.allclose(out, match_images(mixed, images[1:2], "lab", 1.0) * 2 - 1, atol=1e-6)


def test_the_video_stage_runs_after_the_warp_and_before_colour_and_sharpening():
    rec = Recorder()
    p = video_plan(2)
    motion = MotionFeedback(p, (W, H), CODEC)
    motion.warp, motion.sharpen = rec.stage("warp", 1.0), rec.stage("sharpen", 100.0)  # type: ignore[method-assign]
    rec.apply = rec.stage("colour", 10.0)  # type: ignore[attr-defined]
    video = Recorder()
    video.apply = video.stage("video", 1000.0)  # type: ignore[attr-defined]
    out = ChainFeedback(motion, rec, video)(p.frames[0], torch.zeros(1, 3, H, W))
    assert rec.log == [("keep", 0.0), ("warp", 0.0), ("colour", 1001.0), ("sharpen", 1011.0)]
    assert video.log == [("video", 1.0)]
    assert float(out.flatten()[0]) == 1111.0


def test_run_sequence_follows_the_video_and_a_resume_equals_the_full_run():
    images = pan(5)
    p = video_plan(5, video_strength=0.4)
    pos, neg = conds(1), conds(1)

    def run(start: int, previous=None):
        frames = StreamedFrames(FakeSource(images), (W, H), start=max(start - 1, 0))
        feedback = ChainFeedback(None, None, VideoFeedback(p, frames, CODEC))
        init = video_init(p, frames, CODEC) if start == 0 else torch.zeros(1, 3, H, W)
        resume = Resume(start, previous) if start else None
        return run_sequence(p, FakeSampler(), pos, neg, init, feedback=feedback, resume=resume)

    full = run(0)
    assert full.shape == (5, 3, H, W)
    assert torch.equal(run(3, full[2:3]), full[3:])
