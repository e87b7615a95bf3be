"""bench/motion_quality.py judges issue 29's flicker goal on the means over seeds."""

from __future__ import annotations

import pytest
from bench_modules import load_bench


@pytest.fixture(scope="module")
def motion_quality():
    return load_bench("motion_quality")


def _seed(fixed: float, increment: float, noise_warp: float) -> dict[str, dict[str, float]]:
    return {
        name: {"change_motion": value}
        for name, value in (("fixed", fixed), ("increment", increment), ("noise_warp", noise_warp))
    }


def test_goal_is_judged_on_the_means_over_seeds(motion_quality):
    # seed 1 alone meets the goal (0.02 / 0.04 = 0.5), seed 2 alone misses it (0.036 / 0.03)
    by_seed = {1: _seed(0.04, 0.05, 0.02), 2: _seed(0.03, 0.02, 0.036)}
    means, ratio, ratios = motion_quality.judge(by_seed)
    assert means == pytest.approx({"fixed": 0.035, "increment": 0.035, "noise_warp": 0.028})
    assert ratios == pytest.approx([0.5, 1.8])
    # on the means: 0.028 / min(0.035, 0.035), not the mean of the ratios (1.15)
    assert ratio == pytest.approx(0.8)


def test_the_better_of_fixed_and_increment_is_taken_from_the_means(motion_quality):
    # fixed is the better mode at seed 1, increment at seed 2; on the means fixed is (0.03 < 0.035)
    by_seed = {1: _seed(0.02, 0.04, 0.03), 2: _seed(0.04, 0.03, 0.03)}
    means, ratio, _ = motion_quality.judge(by_seed)
    assert ratio == pytest.approx(0.03 / 0.03)
    assert min(means["fixed"], means["increment"]) == pytest.approx(0.03)


@pytest.mark.slow
def test_noise_warp_meets_the_flicker_goal_where_the_camera_moves_whole_pixels(motion_quality):
    """Issue 29's ratio on the embedded model under a 1-px pan, the one move whose noise cells
    move whole: noise_warp's change_motion at most 0.8 of the better of fixed and increment, on
    the means over two seeds, 8 frames (0.737 here; docs/quality.md: 0.700 over seeds 7-11 at 48
    frames). A half-pixel pan or a zoom does not meet it (0.903, 1.162 there): this pins
    noise_warp end to end where it can work, not the bench's scenario."""
    base = {
        **motion_quality.BASE,
        "prompts": {"0": motion_quality.FREE_PROMPTS["0"]},
        "sampler_name": "euler_ancestral",
        "zoom": 1.0,
        "translation_x": 1.0,
    }
    by_seed = {
        seed: {
            name: motion_quality.measure(({**base, "seed": seed}, name, 8, 0.3))
            for name in motion_quality.VARIANTS
        }
        for seed in (7, 8)
    }
    _, ratio, ratios = motion_quality.judge(by_seed)
    assert ratio <= 0.8, (ratio, ratios)
