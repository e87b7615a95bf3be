"""Model evaluations per frame, counted at the network, in the standalone front door."""

from __future__ import annotations

import pytest
from bench_modules import load_bench

from seqsampler.planning import DENOISE_MODES, SequenceConfig, check_denoise_mode, plan


@pytest.fixture(scope="module")
def evaluations():
    return load_bench("evaluations")


S, K = 8, 4  # denoise 0.5: k = 4


@pytest.mark.parametrize(
    ("cfg", "unsample", "mode", "calls", "batch"),
    [
        (7.0, False, "comfyui", [S, S, 0], 2),  # plain S (ComfyUI denoise), copy 0
        (7.0, False, "steps", [S, S - K, 0], 2),  # plain S - k (A1111 / Deforum)
        (7.0, True, "comfyui", [S, 2 * (S - K), 0], 2),  # unsample 2(S - k)
        (7.0, True, "steps", [S, 2 * (S - K), 0], 2),  # unsample is a step count already
        (1.0, False, "comfyui", [S, S, 0], 1),  # cfg 1: no uncond pass
    ],
)
def test_calls_per_frame(evaluations, cfg, unsample, mode, calls, batch):
    frames = evaluations.count(S, cfg, unsample=unsample, denoise_mode=mode)
    assert [len(f) for f in frames] == calls
    assert {b for f in frames for b in f} == {batch}  # cond and uncond in one call at cfg > 1


@pytest.mark.parametrize(
    ("unsample", "mode", "calls"),
    [
        (False, "comfyui", [S, S, 0]),
        (False, "steps", [S, S - K, 0]),
        (True, "comfyui", [S, 2 * (S - K), 0]),
    ],
)
def test_once_runs_the_uncond_branch_on_a_pass_first_call_only(evaluations, unsample, mode, calls):
    """cfg 7, cfg_mode once: the same calls; a sample pass of S' calls is one call of batch 2 and
    S' - 1 of batch 1 (S' + 1 items instead of 2 S'); the inversion stays full (batch 2)."""
    frames = evaluations.count(S, 7.0, unsample=unsample, denoise_mode=mode, cfg_mode="once")
    assert [len(f) for f in frames] == calls
    sample_pass = [S, S - K][mode == "steps"]
    assert frames[0] == [2] + [1] * (S - 1)
    if unsample:  # inversion over S - k sigmas in full, then the sample pass from sigma_k
        assert frames[1] == [2] * (S - K) + [2] + [1] * (S - K - 1)
        assert evaluations.items(frames) == [S + 1, 2 * (S - K) + (S - K) + 1, 0]
    else:
        assert frames[1] == [2] + [1] * (sample_pass - 1)
        assert evaluations.items(frames) == [S + 1, sample_pass + 1, 0]
    full = evaluations.count(S, 7.0, unsample=unsample, denoise_mode=mode)
    assert evaluations.items(full) == [2 * c for c in calls]


def test_once_at_cfg_1_counts_as_full(evaluations):
    once = evaluations.count(S, 1.0, unsample=False, cfg_mode="once")
    assert once == evaluations.count(S, 1.0, unsample=False) == [[1] * S, [1] * S, []]


def test_bench_mode_table(evaluations):
    rows = {name: (full, once) for name, full, once in evaluations.mode_table(steps=S)}
    assert rows["cfg 7, comfyui"] == ([2 * S, 2 * S, 0], [S + 1, S + 1, 0])
    assert rows["cfg 7, steps"] == ([2 * S, 2 * (S - K), 0], [S + 1, S - K + 1, 0])
    assert rows["cfg 1"] == ([S, S, 0], [S, S, 0])


def test_denoise_mode_steps_plan():
    config = SequenceConfig(
        steps=20, frame_count=4, inject_noise=False, seed_keying=False,
        schedules={"denoise": [1.0, 0.3, 0.7, 0.02]},
    )  # fmt: skip
    default = plan(config)
    steps = plan(config, denoise_mode="steps")
    assert [f.sample_steps for f in default.frames] == [20, 20, 20, 20]
    assert [f.sample_steps for f in steps.frames] == [20, 6, 14, 0]
    assert [f.path for f in steps.frames] == ["plain", "plain", "plain", "copy"]
    assert [f.start_step for f in steps.frames] == [0, 14, 6, 20]
    # The default plan's JSON is unchanged (no denoise_mode key); "steps" round-trips.
    assert "denoise_mode" not in default.to_dict()
    assert type(steps).from_json(steps.to_json()) == steps
    assert type(default).from_json(default.to_json()) == default


def test_denoise_mode_is_checked():
    assert DENOISE_MODES == ("comfyui", "steps")
    for bad in ("ComfyUI", "a1111", None, 1):
        with pytest.raises(ValueError, match="denoise_mode must be one of comfyui, steps"):
            check_denoise_mode(bad)
    with pytest.raises(ValueError, match="denoise_mode"):
        plan(SequenceConfig(), denoise_mode="a1111")


def test_spec_denoise_mode():
    from seqsampler.cli.spec.fields import SpecError
    from seqsampler.cli.spec.resolve import resolve_spec

    assert resolve_spec({"prompts": "a red circle"}).fields["denoise_mode"] == "comfyui"
    spec = resolve_spec({"prompts": "a red circle", "denoise_mode": "steps"})
    assert spec.fields["denoise_mode"] == "steps"
    with pytest.raises(SpecError, match="denoise_mode: got 'a1111'; accepted: comfyui, steps"):
        resolve_spec({"prompts": "a red circle", "denoise_mode": "a1111"})


def test_threads_choice():
    from seqsampler.threads import MAX_THREADS, choose_threads, cpu_count, max_threads

    assert choose_threads(3) == 3
    assert 1 <= choose_threads(None) <= 4
    assert max_threads() == max(MAX_THREADS, cpu_count()) >= 64
    assert choose_threads(max_threads()) == max_threads()
    for bad in (0, -1, True, 1.5, max_threads() + 1, 100_000):
        with pytest.raises(ValueError, match=r"^threads: got .*; accepted: an int in \[1, \d+\]"):
            choose_threads(bad)


def test_cadence_calls_the_model_on_the_diffused_frames_only(evaluations):
    """Cadence 3 over 10 frames: the model makes frames 0, 3, 6, 9 (S calls each, cond and uncond
    batched); the six frames between cost no call."""
    diffused = [f.frame for f in plan(SequenceConfig(frame_count=10, cadence=3)).frames
                if f.between is None]  # fmt: skip
    assert diffused == [0, 3, 6, 9]
    calls = evaluations.count_cadence(3, frames=10, steps=S)
    assert calls == [S if i in diffused else 0 for i in range(10)]
    assert evaluations.count_cadence(1, frames=10, steps=S) == [S] * 10
