"""Cadence in the chain (seqsampler.cadence_chain, issue 30): the model runs on the diffused
frames only; a diffused frame re-samples the previous diffused output carried through the
composed camera; the frames between are made from both neighbours; a resume at any frame gives
the uninterrupted run's frames bit for bit."""

from __future__ import annotations

import pytest
import torch
from test_sequence import FakeSampler, conds

from seqsampler import SequenceConfig, plan, run_sequence
from seqsampler.cadence_chain import CadenceFrames
from seqsampler.camera import MotionFeedback, chain_feedback, composed_motion, motion_matrix
from seqsampler.camera_noise import NoiseWarp
from seqsampler.coherence import CoherenceFeedback, latent_match, pixel_space_codec
from seqsampler.inbetween import inbetween
from seqsampler.motion.transform import compose, translation_matrix
from seqsampler.motion.warp import warp
from seqsampler.planning.cadence import resume_source
from seqsampler.sequence import Resume

SIZE = (16, 12)  # (W, H)
MOVING = {"zoom": 1.04, "angle": 2.0, "translation_x": 1.0, "translation_y": -0.5}


def start(seed: int = 3) -> torch.Tensor:
    return torch.rand(1, 3, 12, 16, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def sample_inputs(sampler: FakeSampler) -> list[torch.Tensor]:
    return [x for kind, _, x in sampler.calls if kind == "sample"]


def test_the_model_runs_on_the_diffused_frames_only_and_the_others_are_cross_faded():
    p = plan(SequenceConfig(frame_count=10, cadence=3, steps=4, inject_noise=False))
    diffused = [f.frame for f in p.frames if f.between is None]
    assert diffused == [0, 3, 6, 9]
    sampler, pos, neg = FakeSampler(), conds(1, 1), conds(1, 2)
    out = run_sequence(p, sampler, pos, neg, start())
    inputs = sample_inputs(sampler)
    assert len(inputs) == 4 and out.shape[0] == 10
    for index, (j, k) in enumerate(zip(diffused, diffused[1:], strict=False)):
        assert torch.equal(inputs[index + 1], out[j : j + 1])  # k re-samples j's output
        for m in range(j + 1, k):
            t = (m - j) / (k - j)
            assert torch.equal(out[m : m + 1], (1 - t) * out[j : j + 1] + t * out[k : k + 1])


def test_composed_motion_is_the_product_of_the_frames_moves():
    p = plan(SequenceConfig(frame_count=6, cadence=3, translation_x=1.5, translation_y=-1.0))
    m, _ = composed_motion(p, SIZE, 0, 3)
    expected = translation_matrix(4.5, -3.0)
    assert [list(row) for row in m] == [pytest.approx(list(row), abs=1e-12) for row in expected]
    assert composed_motion(plan(SequenceConfig(frame_count=4)), SIZE, 0, 3) is None


def moving_run(sampler=None, resume=None, **extra):
    config = SequenceConfig(
        frame_count=10, cadence=3, steps=4, inject_noise=True, noise_warp=True,
        color_coherence="latent", **MOVING, **extra,
    )  # fmt: skip
    p = plan(config)
    codec = pixel_space_codec()
    feedback = chain_feedback(
        MotionFeedback(p, SIZE, codec, (-1.0, 1.0)), CoherenceFeedback(p, latent_match)
    )
    if resume is not None:  # anchors made before the resume come from the saved frames
        saved = resume.pop("saved")
        feedback.coherence.load_anchor = lambda i: saved[i : i + 1]
        resume = Resume(**resume)
    out = run_sequence(
        p, sampler or FakeSampler(), conds(1, 1), conds(1, 2), start(), feedback=feedback,
        noise=NoiseWarp(p, SIZE), inbetween=CadenceFrames(p, SIZE, codec), resume=resume,
    )  # fmt: skip
    return p, out


def test_a_diffused_frame_resamples_the_previous_one_moved_by_the_composed_camera():
    sampler = FakeSampler()
    p, out = moving_run(sampler)
    to_pixels, from_pixels = pixel_space_codec()
    inputs = sample_inputs(sampler)
    for j, k, index in ((0, 3, 1), (3, 6, 2)):
        m = compose(*(motion_matrix(p.frames[i].motion, SIZE) for i in range(k, j, -1)))
        carried = from_pixels(warp(to_pixels(out[j : j + 1]), m, "replicate"))
        color = p.frames[j].color  # frame j's output is matched before it feeds (none at 0)
        if color is not None:
            carried = latent_match(carried, out[:1], color)
        eps = inputs[index] - carried  # frame k's input: carried, matched, noise injected
        assert 0 < eps.abs().max() < 1.0, (j, k)  # only the injected noise (0.1 eps) differs
    assert p.frames[0].color is None and p.frames[3].color.anchor == 0


def test_the_frames_between_are_made_from_both_neighbours_moved_to_them():
    p, out = moving_run()
    to_pixels, from_pixels = pixel_space_codec()
    for m in (4, 5):
        frame = p.frames[m]
        moves = (composed_motion(p, SIZE, 3, m)[0], composed_motion(p, SIZE, m, 6)[0])
        made = inbetween(to_pixels(out[3:4]), to_pixels(out[6:7]), frame.between.t, moves=moves)
        assert torch.equal(out[m : m + 1], from_pixels(made))


@pytest.mark.parametrize("flow", [False, True])
def test_a_resume_at_any_frame_gives_the_uninterrupted_frames_bit_for_bit(flow):
    p, full = moving_run(cadence_flow=flow)
    for s in range(1, 10):
        source = resume_source(p.frames, s)
        assert source == (
            s - 1 if p.frames[s - 1].between is None else p.frames[s - 1].between.previous
        )
        resume = {"start_frame": s, "previous_latent": full[source : source + 1], "saved": full}
        _, resumed = moving_run(resume=resume, cadence_flow=flow)
        assert torch.equal(resumed, full[s:]), f"resumed at frame {s}"


def test_the_in_betweens_refuse_what_they_cannot_do():
    moving = plan(SequenceConfig(frame_count=4, cadence=2, zoom=1.1))
    with pytest.raises(ValueError, match="render size"):
        run_sequence(moving, FakeSampler(), conds(1, 1), conds(1, 2), start())
    flow = plan(SequenceConfig(frame_count=4, cadence=2, cadence_flow=True))
    with pytest.raises(ValueError, match="cadence_flow: optical flow needs the frames as pixels"):
        run_sequence(flow, FakeSampler(), conds(1, 1), conds(1, 2), start())
    video = plan(SequenceConfig(frame_count=4, cadence=2))
    with pytest.raises(ValueError, match="video latents are not supported with cadence"):
        run_sequence(video, FakeSampler(), conds(1, 1), conds(1, 2), torch.zeros(1, 4, 2, 8, 8))
