"""Golden plans: tests/planning/goldens/plan_<name>.json hold `plan(config).to_dict()` for the node's
defaults and each mode. Regenerate deliberately with SEQSAMPLER_REGEN_GOLDENS=1 and review the diff."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from seqsampler import SequenceConfig, plan
from seqsampler.planning import Plan

GOLDENS = Path(__file__).resolve().parent / "goldens"

CASES: dict[str, dict] = {
    "defaults_6_frames_3_prompts": dict(frame_count=6, positive_count=3),
    "defaults_frame_count_0_3_prompts": dict(positive_count=3),
    "defaults_1_prompt": dict(),
    "seed_increment_wraps": dict(seed_keying=False, seed=2**64 - 3, frame_count=6),
    "seed_decrement_wraps": dict(seed_keying=False, seed_mode_seq="decrement", seed=2, frame_count=6),
    "seed_random": dict(seed_keying=False, seed_mode_seq="random", seed=12345, frame_count=6),
    "seed_fixed": dict(seed_keying=False, seed_mode_seq="fixed", seed=12345, frame_count=6),
    "keying_sine": dict(seed=5, frame_count=9, seed_divisor=4),
    "keying_modulo": dict(seed=12345, frame_count=9, seed_keying_mode="modulo", seed_divisor=3),
    "denoise_sine_8": dict(frame_count=8, denoise_seq=0.5, denoise_max=0.9),
    "denoise_flat": dict(frame_count=4, denoise_sine=False, denoise_seq=0.3),
    "unsample": dict(frame_count=6, unsample_latents=True, denoise_sine=True, steps=10),
    "unsample_modulo_keys": dict(
        frame_count=7, unsample_latents=True, seed_keying_mode="modulo", seed_divisor=3,
        denoise_sine=False, steps=10,
    ),
    "unsample_denoise_0_copy": dict(frame_count=3, unsample_latents=True, denoise_sine=False, denoise_seq=0.0),
    "slerp_glide_and_latent_slerp": dict(
        frame_count=6, positive_count=3, negative_count=2, use_conditioning_slerp=True,
        cond_slerp_strength=0.25, use_latent_interpolation=True, latent_interpolation_mode="Slerp",
        latent_interp_strength=0.75, inject_noise=False,
    ),
    "keyframes_list": dict(frame_count=8, positive_count=3, negative_count=2, cond_keyframes=[3, 0, 3, 10, -1, 6]),
    "schedules": dict(
        frame_count=4, inject_noise=True, schedules={
            "denoise": [1.0, 0.0, 0.6, 0.4], "cfg": [7, 7.5, 8, 8.5], "steps": [10, 10, 12, 4],
            "seed": [9, 8, 7, 2**64 - 1], "noise_strength": [0.5, 0.5, 0.2, 0.1],
        },
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_plan(name):
    result = plan(SequenceConfig(**CASES[name]))
    path = GOLDENS / f"plan_{name}.json"
    if os.environ.get("SEQSAMPLER_REGEN_GOLDENS") == "1":
        path.write_text(result.to_json() + "\n")
    assert result.to_dict() == json.loads(path.read_text())
    assert Plan.from_json(path.read_text()) == result
