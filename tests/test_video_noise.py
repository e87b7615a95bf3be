"""noise_warp with an input video (video_noise.py): on a synthetic pan the sampler's noise at
frame i is frame i-1's moved along the pan (not against it), the hook is deterministic and
never looks at a frame's output, a camera move is applied before the flow in hybrid frames
(and not in independent ones), and the flow is averaged onto a coarser grid in cells."""

from __future__ import annotations

import pytest
import torch
from test_noise_warp_chain import correlation
from test_sequence import FakeSampler, conds

pytest.importorskip("cv2")

from seqsampler import SequenceConfig, plan, run_sequence  # noqa: E402
from seqsampler.camera import motion_matrix  # noqa: E402
from seqsampler.camera_noise import NoiseWarp  # noqa: E402
from seqsampler.motion.integral_noise import IntegralNoise  # noqa: E402
from seqsampler.motion.transform import scale_to_grid  # noqa: E402
from seqsampler.noise import generator  # noqa: E402
from seqsampler.planning import warp_seed  # noqa: E402
from seqsampler.video.flow import MIN_SIDE, optical_flow  # noqa: E402
from seqsampler.video_chain import TensorFrames  # noqa: E402
from seqsampler.video_noise import VideoMover, flow_on_grid, noise_warp  # noqa: E402

SIDE = 32
STEP = (2, 1)  # the pan: the content moves 2 px right and 1 px down a frame
FRAMES = 5
EDGE = 4


def pan_frames(frames: int = FRAMES) -> torch.Tensor:
    """[frames, 3, 32, 32] in [0, 1]: a window moving over a smooth random texture, so the
    content moves by STEP each frame."""
    cells = torch.rand(1, 3, 16, 16, generator=torch.Generator().manual_seed(3))
    big = torch.nn.functional.interpolate(cells, size=(96, 96), mode="bicubic").clamp(0, 1)[0]
    x0, y0 = 40, 20
    return torch.stack(
        [
            big[
                :,
                y0 - STEP[1] * t : y0 - STEP[1] * t + SIDE,
                x0 - STEP[0] * t : x0 - STEP[0] * t + SIDE,
            ]  # fmt: skip
            for t in range(frames)
        ]
    )


def video_plan(**config):
    fields = dict(frame_count=FRAMES, init_video="pan.mp4", seed=4, seed_mode_seq="fixed",
                  seed_keying=False, steps=4, denoise_start=0.5, denoise_seq=0.5,
                  denoise_sine=False, noise_warp=True)  # fmt: skip
    return plan(SequenceConfig(**{**fields, **config}))


def sampler_noises(p, images, feedback=None):
    """The fresh noise each frame's sample call was given, with the video noise hook."""
    sampler = FakeSampler()
    c = conds(1, t=4, d=2)
    hook = noise_warp(p, (SIDE, SIDE), TensorFrames(images))
    x = images[:1] * 2 - 1
    run_sequence(p, sampler, c, c, x, noise=hook,
                 feedback=feedback or (lambda frame, out: torch.zeros_like(out)))  # fmt: skip
    return [args["noise"] for kind, args, _ in sampler.calls if kind == "sample"]


def shifted(noise: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    return torch.roll(noise, shifts=(dy, dx), dims=(-2, -1))


@pytest.mark.parametrize("mode", ["hybrid", "independent"])
def test_the_samplers_noise_moves_along_the_pan(mode):
    fresh = sampler_noises(video_plan(video_mode=mode), pan_frames())
    inner = (..., slice(EDGE, -EDGE), slice(EDGE, -EDGE))
    for before, after in zip(fresh, fresh[1:], strict=False):
        along = correlation(after[inner], shifted(before, *STEP)[inner])
        against = correlation(after[inner], shifted(before, -STEP[0], -STEP[1])[inner])
        still = correlation(after[inner], before[inner])
        assert along > 0.9 and abs(against) < 0.2 and abs(still) < 0.3, (along, against, still)
    assert abs(float(fresh[-1].std()) - 1) < 0.1  # still standard normal


def test_the_noise_depends_on_the_input_only_and_replays():
    p, images = video_plan(), pan_frames()
    first = sampler_noises(p, images)
    again = sampler_noises(p, images, feedback=lambda frame, out: out * -3 + 1)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    # the same hook called with no model work at all (a resume's replay) gives the same noise
    hook = noise_warp(p, (SIDE, SIDE), TensorFrames(images))
    like = torch.zeros(1, 3, SIDE, SIDE)
    replayed = [hook(f, like).sample for f in p.frames]
    assert all(torch.equal(a, b) for a, b in zip(first, replayed, strict=True))


@pytest.mark.parametrize("mode", ["hybrid", "independent"])
def test_a_camera_move_comes_before_the_flow_in_hybrid_frames_only(mode):
    p = video_plan(video_mode=mode, translation_x=3.0, frame_count=3)
    images = pan_frames(3)
    hook = noise_warp(p, (SIDE, SIDE), TensorFrames(images))
    like = torch.zeros(1, 3, SIDE, SIDE)
    noises = [hook(f, like).sample for f in p.frames]
    seed = p.frames[0].seed
    field = IntegralNoise.start(noises[0][0], generator(warp_seed(seed, 0)))
    for k in (1, 2):
        if mode == "hybrid":
            m = motion_matrix(p.frames[k].motion, (SIDE, SIDE))
            field = field.moved(scale_to_grid(m, (SIDE, SIDE), (SIDE, SIDE)))
        flow = optical_flow(images[k - 1 : k], images[k : k + 1], min_side=MIN_SIDE)
        field = field.carried(flow_on_grid(flow, (SIDE, SIDE)))
        field, expected = field.settle(generator(warp_seed(p.frames[k].seed, k)))
        assert torch.equal(noises[k], expected[None].float())


def test_the_flow_is_averaged_onto_the_grid_in_cells():
    flow = torch.zeros(64, 48, 2)
    flow[..., 0], flow[..., 1] = 4.0, 2.0
    flow[:8, :6, 0] = 12.0  # one cell of the 8x8 grid moves further
    cells = flow_on_grid(flow, (8, 8))
    assert cells.shape == (2, 8, 8)
    assert torch.allclose(cells[0, 0, 0], torch.tensor(12.0 * 8 / 48))
    assert torch.allclose(cells[0, 1:, 1:], torch.tensor(4.0 * 8 / 48))
    assert torch.allclose(cells[1], torch.tensor(2.0 * 8 / 64))
    assert torch.equal(flow_on_grid(flow, (48, 64)), flow.permute(2, 0, 1))


def test_without_frames_or_video_it_says_so():
    with pytest.raises(ValueError, match="noise_warp with an input video: no input frames"):
        noise_warp(video_plan(), (SIDE, SIDE))
    assert isinstance(noise_warp(plan(SequenceConfig(noise_warp=True)), (SIDE, SIDE)), NoiseWarp)
    assert (
        noise_warp(video_plan(noise_warp=False), (SIDE, SIDE), TensorFrames(pan_frames())) is None
    )
    with pytest.raises(ValueError, match="the plan has no input video"):
        VideoMover(plan(SequenceConfig()), TensorFrames(pan_frames()), (SIDE, SIDE))
