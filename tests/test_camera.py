"""Camera motion in the chain (seqsampler.camera): the warp by the next frame's move, in pixel
or latent space, the order warp -> colour coherence -> contrast/sharpen, the raw colour anchor,
identity passing through bit for bit, and the plan's `motion` record."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from test_sequence import FakeSampler, conds

from seqsampler import SequenceConfig, plan, run_sequence
from seqsampler.camera import ChainFeedback, MotionFeedback, chain_feedback, motion_matrix
from seqsampler.coherence import CoherenceFeedback, latent_match, pixel_space_codec
from seqsampler.motion.knobs import BORDERS
from seqsampler.motion.sharpen import contrast, unsharp_mask
from seqsampler.motion.transform import translation_matrix
from seqsampler.motion.warp import warp
from seqsampler.planning import MOTION_BORDERS, ColorMatch, FrameMotion, FramePlan, Plan

SIZE = (16, 12)  # (W, H) of the test frames


def with_motion(n: int, motions: dict[int, FrameMotion], **config) -> Plan:
    """A plan of n frames whose frame i carries motions[i]."""
    p = plan(SequenceConfig(frame_count=n, **config))
    frames = tuple(dataclasses.replace(f, motion=motions.get(f.frame)) for f in p.frames)
    return dataclasses.replace(p, frames=frames)


def image(seed: int = 0, shape=(1, 3, 12, 16)) -> torch.Tensor:
    """An embedded-model latent: the image in [-1, 1]."""
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


MOVE = FrameMotion(zoom=1.1, angle=5.0, translation_x=1.5)


def test_the_output_is_warped_by_the_next_frames_move_in_pixel_space():
    p = with_motion(3, {2: MOVE})
    to_pixels, from_pixels = pixel_space_codec()
    feedback = MotionFeedback(p, SIZE, pixel_space_codec(), (-1.0, 1.0))
    x = image()
    assert feedback(p.frames[0], x) is x  # frame 1 has no motion
    expected = from_pixels(warp(to_pixels(x), motion_matrix(MOVE, SIZE), "replicate"))
    assert torch.equal(feedback(p.frames[1], x), expected)
    assert feedback(p.frames[2], x) is x  # the last frame feeds nothing


def test_latent_space_scales_the_move_to_the_latent_grid():
    """A 4-pixel pan at the render size 32x24 is a 2-cell pan on a 16x12 latent."""
    move = FrameMotion(translation_x=4.0, translation_y=-2.0, space="latent", border="zeros")
    p = with_motion(2, {1: move})
    x = image(1, (2, 4, 12, 16))
    out = MotionFeedback(p, (32, 24), pixel_space_codec())(p.frames[0], x)
    assert torch.equal(out, warp(x, translation_matrix(2.0, -1.0), "zeros"))
    assert torch.allclose(out[..., :-1, 2:], x[..., 1:, :-2], atol=1e-6)


def test_video_latents_are_warped_frame_by_frame():
    move = FrameMotion(translation_x=1.0, space="latent")
    p = with_motion(2, {1: move})
    x = torch.randn((1, 4, 3, 12, 16), generator=torch.Generator().manual_seed(2))
    out = MotionFeedback(p, SIZE, pixel_space_codec())(p.frames[0], x)
    for t in range(3):
        assert torch.equal(out[:, :, t], warp(x[:, :, t], translation_matrix(1.0, 0.0)))


def test_contrast_and_sharpen_follow_the_warp_with_the_spaces_range():
    pixel = FrameMotion(contrast=0.9, sharpen_amount=0.5, sharpen_kernel=3)
    latent_move = dataclasses.replace(pixel, space="latent")
    x = image(3)
    for move, value_range in ((pixel, (0.0, 1.0)), (latent_move, (-1.0, 1.0))):
        p = with_motion(2, {1: move})
        out = MotionFeedback(p, SIZE, pixel_space_codec(), (-1.0, 1.0))(p.frames[0], x)
        y = (x + 1) / 2 if move.space == "pixel" else x
        y = unsharp_mask(contrast(y, 0.9, value_range), 0.5, 3, 1.0, 0.0, value_range)
        assert torch.allclose(out, y * 2 - 1 if move.space == "pixel" else y, atol=1e-6)


def test_identity_records_and_no_motion_change_nothing():
    x = image(4)
    p = with_motion(3, {1: FrameMotion(), 2: FrameMotion(perspective_flip=True)})
    feedback = MotionFeedback(p, SIZE, pixel_space_codec())
    assert feedback(p.frames[0], x) is x and feedback(p.frames[1], x) is x
    assert chain_feedback(None, None) is None


def test_a_bad_knob_is_named_before_any_frame():
    p = with_motion(2, {1: FrameMotion(zoom=0.0)})
    with pytest.raises(ValueError, match="zoom"):
        MotionFeedback(p, SIZE, pixel_space_codec())
    with pytest.raises(ValueError, match="render size"):
        MotionFeedback(p, (0, 12), pixel_space_codec())


class Recorder:
    """Stands in for each stage, recording the order and what each stage was given."""

    def __init__(self):
        self.log: list[tuple[str, float]] = []

    def stage(self, name: str, add: float):
        def run(frame: FramePlan, x: torch.Tensor, to: int | None = None) -> torch.Tensor:
            self.log.append((name, float(x.flatten()[0])))
            return x + add

        return run

    def keep(self, frame, output):
        self.log.append(("keep", float(output.flatten()[0])))


def test_the_order_is_warp_colour_then_sharpen():
    rec = Recorder()
    motion = MotionFeedback(with_motion(2, {}), SIZE, pixel_space_codec())
    motion.warp, motion.sharpen = rec.stage("warp", 1.0), rec.stage("sharpen", 100.0)  # type: ignore[method-assign]
    rec.apply = rec.stage("colour", 10.0)  # type: ignore[attr-defined]
    out = ChainFeedback(motion, rec)(with_motion(2, {}).frames[0], torch.zeros(1, 3, 12, 16))
    assert rec.log == [("keep", 0.0), ("warp", 0.0), ("colour", 1.0), ("sharpen", 11.0)]
    assert float(out.flatten()[0]) == 111.0


def test_the_colour_anchor_is_the_raw_output_and_the_match_sees_the_warped_one():
    p = with_motion(3, {1: MOVE, 2: MOVE}, color_coherence="latent")
    assert p.frames[1].color == ColorMatch("latent", 0, 1.0)
    coherence = CoherenceFeedback(p, latent_match)
    motion = MotionFeedback(p, SIZE, pixel_space_codec())
    feedback = ChainFeedback(motion, coherence)
    x0, x1 = image(5), image(6) * 0.5
    feedback(p.frames[0], x0)
    assert torch.equal(coherence.anchors[0], x0)
    out = feedback(p.frames[1], x1)
    assert torch.equal(out, latent_match(motion.warp(p.frames[1], x1), x0, p.frames[1].color))


def test_run_sequence_feeds_the_warped_output():
    p = with_motion(3, {1: MOVE, 2: dataclasses.replace(MOVE, angle=-3.0)}, inject_noise=False)
    fake = FakeSampler()
    feedback = MotionFeedback(p, SIZE, pixel_space_codec())
    frames = run_sequence(p, fake, conds(1, 1), conds(1, 2), image(7), feedback=feedback)
    for i in (1, 2):
        fed = feedback.warp(p.frames[i - 1], frames[i - 1 : i])
        assert torch.equal(fake.calls[i][2], fed)  # the sampler's input (no injected noise)
    assert not torch.equal(fake.calls[1][2], frames[0:1])


def test_motion_record_round_trips_and_borders_agree():
    assert MOTION_BORDERS == BORDERS
    p = with_motion(3, {1: MOVE, 2: FrameMotion(border="wrap", space="latent", contrast=1.1)})
    text = p.to_json()
    assert Plan.from_json(text) == p
    assert '"motion"' not in with_motion(3, {}).to_json()  # off: the JSON is as before
    data = p.to_dict()
    data["frames"][1]["motion"]["border"] = "mirror"
    with pytest.raises(ValueError, match="replicate, reflect, wrap, zeros"):
        Plan.from_json(data)
    data["frames"][1]["motion"] = {"zoom": 1.0, "tilt": 2.0}
    with pytest.raises(ValueError, match="tilt"):
        Plan.from_json(data)
