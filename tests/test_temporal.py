"""Colour coherence and seamless loops (issue 14 items 2-3): the matching, the plan's fields,
the chain's feedback hook and loop pull (also on resume), the seam on a synthetic model."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_sequence import FakeSampler, conds, latent

from seqsampler import SequenceConfig, plan, run_sequence
from seqsampler.coherence import (
    CoherenceFeedback,
    latent_match,
    match_latent_stats,
    match_pixels,
    mode_match,
    pixel_match,
    pixel_space_codec,
)
from seqsampler.metrics import sequence_metrics
from seqsampler.planning import ColorMatch, Plan
from seqsampler.sequence import Resume


def picture(seed=0, size=24):
    """A smooth, colourful RGB image in [0.1, 0.9] (no clipping at either end)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    channels = [
        0.5 + 0.4 * np.sin(2 * np.pi * (a * x + b * y) + c) for a, b, c in rng.random((3, 3))
    ]
    return np.stack(channels, -1)


# -- the matching -------------------------------------------------------------------------------


def shift_in(mode, image):
    """`image` with a pure colour shift in `mode`'s space (per channel, monotone)."""
    from skimage import color

    if mode == "rgb":
        return np.clip(image * np.array([0.8, 1.0, 1.1]) + np.array([0.08, -0.05, 0.0]), 0, 1)
    if mode == "hsv":
        hsv = color.rgb2hsv(image)
        return color.hsv2rgb(
            np.clip(hsv * np.array([1.0, 0.8, 0.85]) + np.array([0.0, 0.0, 0.05]), 0, 1)
        )
    lab = color.rgb2lab(image) + np.array([4.0, 8.0, -6.0])
    return np.clip(color.lab2rgb(lab), 0, 1)


@pytest.mark.parametrize("mode", ["rgb", "hsv", "lab"])
def test_a_pure_colour_shift_is_undone(mode):
    anchor = picture()
    shifted = shift_in(mode, anchor)
    before = np.abs(shifted - anchor).mean()
    assert before > 0.02
    out = match_pixels(shifted, anchor, mode, 1.0)
    assert np.abs(out - anchor).mean() < 0.15 * before
    half = match_pixels(shifted, anchor, mode, 0.5)
    assert np.allclose(half, (shifted + out) / 2)


@pytest.mark.parametrize("mode", ["rgb", "hsv", "lab", "latent"])
def test_strength_0_is_the_identity(mode):
    x = latent((1, 3, 8, 8))
    anchor = latent((1, 3, 8, 8), seed=1) * 2 + 1
    match = mode_match(pixel_match(*pixel_space_codec()))
    assert torch.equal(match(x, anchor, ColorMatch(mode, 0, 0.0)), x)
    image = picture()
    assert match_pixels(image, picture(1), "lab", 0.0) is image


def test_latent_stats_matching_moves_mean_and_std_per_channel():
    anchor = latent((2, 4, 8, 8), seed=3) * torch.tensor([1.0, 2.0, 0.5, 3.0]).view(1, 4, 1, 1)
    x = latent((2, 4, 8, 8), seed=4) * 0.3 + 5
    out = match_latent_stats(x, anchor, 1.0)
    assert torch.allclose(out.mean((2, 3)), anchor.mean((2, 3)), atol=1e-5)
    assert torch.allclose(out.std((2, 3)), anchor.std((2, 3)), atol=1e-4)
    assert torch.equal(match_latent_stats(x, anchor, 0.0), x)
    assert torch.allclose(match_latent_stats(x, anchor, 0.25), torch.lerp(x, out, 0.25))
    undone = latent_match(anchor * 1.5 - 0.7, anchor, ColorMatch("latent", 0, 1.0))
    assert torch.allclose(undone, anchor, atol=1e-4)


def test_the_embedded_model_is_matched_without_a_clamp():
    to_pixels, from_pixels = pixel_space_codec()
    x = latent((1, 3, 8, 8))
    assert torch.allclose(from_pixels(to_pixels(x)), x)


# -- the plan -----------------------------------------------------------------------------------


def coherent(**kw):
    base = dict(frame_count=24, positive_count=3, denoise_sine=False, denoise_seq=0.5,
                color_coherence="lab")  # fmt: skip
    return plan(SequenceConfig(**{**base, **kw}))


def test_first_anchor_matches_every_later_frame_to_frame_0():
    p = coherent(color_coherence_strength=0.7)
    assert p.frames[0].color is None
    assert {f.color for f in p.frames[1:]} == {ColorMatch("lab", 0, 0.7)}


def test_keyframe_anchor_is_each_segments_first_settled_frame():
    hard = coherent(color_coherence_anchor="keyframe")
    # hard cuts at 8 and 16; denoise 0.5 settles ceil(1/0.5) - 1 = 1 frame after the cut
    anchors = [None if f.color is None else f.color.anchor for f in hard.frames]
    assert anchors == [None] + [0] * 7 + [None, None] + [9] * 6 + [None, None] + [17] * 6
    glide = coherent(color_coherence_anchor="keyframe", use_conditioning_slerp=True,
                     cond_slerp_strength=0.5)  # fmt: skip
    # glide 0.5: 1/2, 1/4, 1/8, 1/16 <= 0.1 at the 4th frame (11), + 1 frame for denoise 0.5
    assert [f.frame for f in glide.frames[8:16] if f.color is None] == [8, 9, 10, 11, 12]
    assert {f.color.anchor for f in glide.frames[13:16]} == {12}


def test_keyframe_anchoring_does_not_pull_a_new_palette_back():
    """A sequence whose second segment has another palette: with `first` the new palette is
    pulled back to frame 0's; with `keyframe` it is kept (matched to its own anchor)."""
    p_first = coherent(frame_count=8, positive_count=2, denoise_seq=1.0)
    p_key = coherent(
        frame_count=8, positive_count=2, denoise_seq=1.0, color_coherence_anchor="keyframe"
    )
    red, blue = np.array([0.8, 0.2, 0.2]), np.array([0.2, 0.2, 0.8])
    outputs = [
        torch.from_numpy(picture(i) * 0.3 + (red if i < 4 else blue) * 0.7) for i in range(8)
    ]
    to_latent = [o.permute(2, 0, 1)[None].float() * 2 - 1 for o in outputs]
    fed = {}
    for name, p in (("first", p_first), ("keyframe", p_key)):
        feedback = CoherenceFeedback(p, pixel_match(*pixel_space_codec()))
        fed[name] = [feedback(f, x) for f, x in zip(p.frames, to_latent, strict=True)]
    blue_mean = (to_latent[6] + 1).mean((0, 2, 3)) / 2
    pulled = (fed["first"][6] + 1).mean((0, 2, 3)) / 2
    kept = (fed["keyframe"][6] + 1).mean((0, 2, 3)) / 2
    assert pulled[0] > pulled[2]  # back to red
    assert kept[2] > kept[0] and torch.allclose(kept, blue_mean, atol=0.05)


def test_new_fields_are_left_out_of_the_json_when_off_and_round_trip_when_on():
    off = plan(SequenceConfig(frame_count=4))
    data = off.to_dict()
    assert "color_coherence" not in data["config"] and "loop_frames" not in data["config"]
    assert all("color" not in f and "loop" not in f for f in data["frames"])
    on = coherent(color_coherence_anchor="keyframe", loop_frames=5, use_conditioning_slerp=True)
    assert Plan.from_json(on.to_json()) == on
    assert on.to_dict()["config"]["loop_frames"] == 5


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        (dict(color_coherence="yuv"), ["color_coherence", "'yuv'", "none, rgb, hsv, lab, latent"]),
        (dict(color_coherence_anchor="last"), ["color_coherence_anchor", "'last'", "first, keyframe"]),
        (dict(color_coherence_strength=1.5), ["color_coherence_strength", "1.5", "[0.0, 1.0]"]),
        (dict(loop_frames=-1), ["loop_frames", "-1", "in [0, 1023]"]),
        (dict(loop_frames=4), ["loop_frames", "4", "0 (off) .. 3"]),
        (dict(schedules={"color_coherence_strength": [1, 1, 1, 1]}),
         ["color_coherence_strength", "color_coherence", "set color_coherence to a mode"]),
        (dict(color_coherence="rgb", schedules={"color_coherence_strength": [1, 1, 2, 1]}),
         ["color_coherence_strength", "[2]", "2", "[0.0, 1.0]"]),
    ],
)  # fmt: skip
def test_validation_messages_name_field_value_and_accepted(kw, words):
    with pytest.raises(ValueError) as info:
        SequenceConfig(frame_count=4, **kw)
    for word in words:
        assert word in str(info.value)


def test_strength_schedule_reaches_the_plan():
    p = plan(SequenceConfig(frame_count=4, color_coherence="rgb",
                            schedules={"color_coherence_strength": [1, 0.2, 0.4, 0.0]}))  # fmt: skip
    assert [f.color.strength for f in p.frames[1:]] == [0.2, 0.4, 0.0]


def test_loop_frames_glide_back_to_prompt_0_and_ramp_the_pull():
    p = plan(SequenceConfig(frame_count=10, positive_count=2, negative_count=2, loop_frames=4))
    assert [f.positive for f in p.frames] == [0] * 5 + [1] + [0] * 4
    assert [f.negative for f in p.frames[6:]] == [0] * 4
    assert [f.glide for f in p.frames[6:]] == pytest.approx([1 / 4, 1 / 3, 1 / 2, 1])
    assert [f.loop for f in p.frames[:6]] == [None] * 6
    assert [f.loop for f in p.frames[6:]] == pytest.approx([0.2, 0.4, 0.6, 0.8])


# -- the chain ----------------------------------------------------------------------------------


def recording_feedback(log):
    def feedback(frame, output):
        log.append((frame.frame, output.clone()))
        return output * 0.5 + 1.0

    return feedback


def test_feedback_is_applied_before_the_next_frame_and_on_resume():
    config = SequenceConfig(frame_count=5, positive_count=2, steps=4)
    pos, neg, x = conds(2, 1), conds(1, 2), latent()
    seen, sampler = [], FakeSampler()
    full = run_sequence(plan(config), sampler, pos, neg, x, feedback=recording_feedback(seen))
    assert [i for i, _ in seen] == [0, 1, 2, 3]  # the last frame's output feeds no frame
    sample_inputs = [c[2] for c in sampler.calls if c[0] == "sample"]
    for i in range(1, 5):  # frame i's input (before its injected noise) is feedback(output i-1)
        fed = full[2 * (i - 1) : 2 * i] * 0.5 + 1.0
        eps = sample_inputs[i] - fed
        assert eps.abs().max() < 1.0 and not torch.equal(
            sample_inputs[i], full[2 * (i - 1) : 2 * i]
        )
    seen_resumed, resumed_sampler = [], FakeSampler()
    resumed = run_sequence(plan(config), resumed_sampler, pos, neg, x,
                           resume=Resume(3, full[4:6]), feedback=recording_feedback(seen_resumed))  # fmt: skip
    assert torch.allclose(resumed, full[6:])
    assert [i for i, _ in seen_resumed] == [2, 3]  # frame 2's saved output, then frame 3's


def test_coherence_feedback_on_resume_loads_anchors_made_before_it():
    config = SequenceConfig(frame_count=6, color_coherence="latent", steps=4)
    p = plan(config)
    pos, neg, x = conds(1, 1), conds(1, 2), latent()
    full = run_sequence(p, FakeSampler(), pos, neg, x, feedback=CoherenceFeedback(p, latent_match))
    loads = []

    def load(index):
        loads.append(index)
        return full[2 * index : 2 * index + 2]

    feedback = CoherenceFeedback(p, latent_match, load_anchor=load)
    resumed = run_sequence(
        p, FakeSampler(), pos, neg, x, resume=Resume(3, full[4:6]), feedback=feedback
    )
    assert loads == [0]
    assert torch.allclose(resumed, full[6:], atol=1e-6)
    without = run_sequence(p, FakeSampler(), pos, neg, x)
    assert not torch.allclose(without[2:], full[2:])
    with pytest.raises(ValueError, match="load_anchor"):
        run_sequence(p, FakeSampler(), pos, neg, x, resume=Resume(3, full[4:6]),
                     feedback=CoherenceFeedback(p, latent_match))  # fmt: skip


def test_loop_pull_uses_frame_0_and_resume_needs_it():
    config = SequenceConfig(frame_count=8, loop_frames=3, steps=4, inject_noise=False)
    p = plan(config)
    pos, neg, x = conds(1, 1), conds(1, 2), latent()
    full = run_sequence(p, FakeSampler(), pos, neg, x)
    first = full[0:2]
    # frame 5 (weight 1/4) = lerp(sample of frame 4's output, frame 0, 1/4)
    sampler = FakeSampler()
    plain = run_sequence(plan(SequenceConfig(frame_count=8, steps=4, inject_noise=False)),
                         sampler, pos, neg, x)  # fmt: skip
    assert torch.allclose(full[:10], plain[:10])
    assert not torch.allclose(full[10:12], plain[10:12])
    resumed = run_sequence(p, FakeSampler(), pos, neg, x, resume=Resume(6, full[10:12], first))
    assert torch.allclose(resumed, full[12:])
    with pytest.raises(ValueError, match="first_latent"):
        run_sequence(p, FakeSampler(), pos, neg, x, resume=Resume(6, full[10:12]))


class DriftingModel:
    """A synthetic model: each frame moves a smooth image a fixed step along a slow drift
    (colour and a pattern), so the sequence wanders and never returns by itself."""

    def __init__(self):
        self.calls = 0

    def sample(self, x, call, *, denoise=1.0, start_step=0, add_noise=True):
        torch.manual_seed(call.seed)
        drift = torch.linspace(-1, 1, x.shape[-1]).view(1, 1, 1, -1) * torch.tensor(
            [0.02, -0.01, 0.015]
        ).view(1, 3, 1, 1)
        if denoise >= 1:
            return torch.sin(torch.linspace(0, 6, x.shape[-1])).view(1, 1, 1, -1).expand_as(x) * 0.5
        return (x + drift + 0.004 * torch.randn_like(x)).clamp(-1, 1)

    def unsample(self, x, call, *, start_step):
        return x


def test_a_loop_closes_the_seam_on_a_synthetic_model():
    def frames_of(loop):
        config = SequenceConfig(frame_count=48, loop_frames=loop, inject_noise=False, steps=4,
                                denoise_sine=False, denoise_seq=0.4)  # fmt: skip
        out = run_sequence(
            plan(config), DriftingModel(), conds(1, 1), conds(1, 2), torch.zeros(1, 3, 16, 16)
        )
        return [((f.permute(1, 2, 0).numpy() + 1) * 127.5).round().astype(np.uint8) for f in out]

    open_seam = sequence_metrics(frames_of(0), [0])["summary"]["seam"]
    closed = sequence_metrics(frames_of(12), [0])["summary"]["seam"]
    assert open_seam["ratio"] > 5
    assert closed["ratio"] <= 1.0


class TintingModel:
    """A synthetic loopback whose only drift is colour: every frame adds a fixed tint (and a
    little seeded grain) to its input, as a model with a colour bias does at low denoise."""

    def sample(self, x, call, *, denoise=1.0, start_step=0, add_noise=True):
        if denoise >= 1:
            return torch.from_numpy(picture(5, x.shape[-1])).permute(2, 0, 1)[None].float() * 2 - 1
        tint = torch.tensor([0.012, -0.004, -0.01]).view(1, 3, 1, 1)
        grain = 0.002 * torch.randn(x.shape, generator=torch.Generator().manual_seed(call.seed))
        return (x + tint + grain).clamp(-1, 1)

    def unsample(self, x, call, *, start_step):
        return x


@pytest.mark.slow
def test_coherence_holds_a_colour_drift_over_256_frames():
    """ΔE2000(frame 255, frame 0) of a pure colour drift: large off, at most 5 with `lab`
    coherence on (the residual is one frame's tint), with flicker no worse."""

    def run(mode):
        config = SequenceConfig(frame_count=256, color_coherence=mode, inject_noise=False,
                                steps=2, denoise_sine=False, denoise_seq=0.35,
                                seed_keying=False)  # fmt: skip
        p = plan(config)
        feedback = CoherenceFeedback(p, mode_match(pixel_match(*pixel_space_codec())))
        out = run_sequence(p, TintingModel(), conds(1, 1), conds(1, 2), torch.zeros(1, 3, 16, 16),
                           feedback=feedback if mode != "none" else None)  # fmt: skip
        frames = [((f.permute(1, 2, 0).numpy() + 1) * 127.5).round().astype(np.uint8) for f in out]
        return sequence_metrics(frames, [0])

    off, on = run("none"), run("lab")
    assert off["frames"]["delta_e_first"][255] > 20
    assert on["frames"]["delta_e_first"][255] <= 5
    assert on["summary"]["flicker"]["mean"] >= off["summary"]["flicker"]["mean"] - 1e-3


def test_an_edited_plan_with_a_loop_at_frame_0_is_refused():
    from dataclasses import replace

    p = plan(SequenceConfig(frame_count=3))
    edited = replace(p, frames=(replace(p.frames[0], loop=0.5), *p.frames[1:]))
    with pytest.raises(ValueError, match="frame 0 cannot be a loop frame"):
        run_sequence(edited, FakeSampler(), conds(1, 1), conds(1, 2), latent())
