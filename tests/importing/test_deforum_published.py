"""The Deforum importer on published settings files (tests/importing/data/README.md): the
spec's TOML parses, its values are the source's (prompts at their frames, denoise = 1 - strength
frame by frame in the plan, sampler and scheduler, seed mode), every setting is either carried
or named in a `not carried` comment, and the spec plans with `seqsampler plan`."""

from __future__ import annotations

import pytest

from seqsampler.importing import deforum_to_spec
from seqsampler.planning.schedule import schedule_values

from .helpers import cli_fields, notes_of, plan_of, published, round_trip

# Settings each file's spec carries (their effect is in the spec; the rest must be noted).
COMMON = {"max_frames", "sampler", "steps", "seed_behavior", "strength_schedule", "noise_schedule",
          "color_coherence", "fps", "use_init", "animation_mode"}  # fmt: skip
A1111 = COMMON | {"strength_0_no_init", "W", "H", "sd_model_name", "prompts", "cfg_scale_schedule", "seed_iter_N",
                  "enable_steps_scheduling", "skip_video_creation", "make_gif"}  # fmt: skip
RUN_PROMPTS = {"positive_prompts", "negative_prompts"}  # a run's settings: inside each prompt
# Deforum's contrast and anti-blur schedules: carried as contrast / sharpen_* (2D and 3D modes).
IMAGE = {"contrast_schedule", "amount_schedule", "kernel_schedule", "sigma_schedule",
         "threshold_schedule"}  # fmt: skip


def strength_denoise(source: str, frames: int) -> list[float]:
    """1 - strength per frame, Deforum's strength read with seqsampler's own schedule parser."""
    return [1 - v for v in schedule_values(source, "strength", frames)]


def check_plan(plan: dict, settings: dict, frames: int) -> None:
    denoise = [f["denoise"] for f in plan["frames"]]
    expected = strength_denoise(settings["strength_schedule"], frames)
    assert plan["frame_count"] == frames
    assert denoise[0] == 1.0  # frame 0 from noise (no init image)
    assert denoise[1:] == pytest.approx(expected[1:], abs=1e-12)


def test_a1111_settings_rotate(tmp_path, capsys):
    settings = published("deforum_a1111_rotate_slow.txt")
    text, spec = round_trip(deforum_to_spec(settings, cli_fields()))
    assert spec["frame_count"] == settings["max_frames"] == 501
    assert (spec["width"], spec["height"]) == (settings["W"], settings["H"]) == (512, 512)
    assert (spec["sampler_name"], spec["scheduler"]) == ("euler_ancestral", "normal")  # "Euler a"
    assert spec["steps"] == 25 and spec["cfg"] == 7.0 and spec["fps"] == 15
    assert spec["prompts"] == {"0": "ENTER YOUR PROMPT :)"} and "negative" not in spec
    assert spec["seed_mode_seq"] == "increment" and "seed" not in spec  # seed -1: random
    assert spec["denoise_seq"] == pytest.approx(1 - 0.65) and spec["denoise_mode"] == "steps"
    assert spec["inject_noise"] is True and spec["noise_strength"] == 0.065
    assert spec["color_coherence"] == "lab" and spec["model"] == "model.ckpt"
    noted = notes_of(text)
    assert {"seed", "translation_x", "rotation_3d_y"} <= set(noted)
    assert spec["cadence"] == int(settings["diffusion_cadence"]) == 2  # render refuses it yet
    assert "# not carried: seed = -1 (Deforum draws a random seed for each run" in text
    assert set(settings) == A1111 | RUN_PROMPTS | {"diffusion_cadence"} | IMAGE | set(noted)
    assert spec["sharpen_amount"] == float(settings["amount_schedule"].split("(")[1].rstrip(")"))
    plan = plan_of(tmp_path, text, capsys)
    check_plan(plan, settings, 501)
    assert [f["seed"] for f in plan["frames"][:4]] == [0, 1, 2, 3]  # iter from the default 0


def test_a1111_settings_with_negative_prompts(tmp_path, capsys):
    settings = published("deforum_a1111_parseq_base.txt")
    text, spec = round_trip(deforum_to_spec(settings, cli_fields()))
    prompts = settings["prompts"]
    assert spec["prompts"] == {
        "0": prompts["0"],
        "30": prompts["30"],
        "60": "a beautiful coconut",  # "a beautiful coconut --neg photo, realistic"
        "90": prompts["90"],
    }
    assert spec["negative"] == {"0": "", "60": "photo, realistic", "90": ""}
    assert spec["model"] == settings["sd_model_name"] == "Protogen-x5.3.safetensors"
    assert spec["frame_count"] == 165 and spec["steps"] == 20 and spec["fps"] == 20
    assert spec["noise_strength"] == 0.04 and spec["color_coherence"] == "lab"
    noted = set(notes_of(text))
    ui_prompts = {"animation_prompts_positive", "animation_prompts_negative"}
    cadence_1 = {"diffusion_cadence"}  # 1: every frame diffused, as seqsampler does
    assert settings["diffusion_cadence"] == 1
    assert set(settings) == A1111 | ui_prompts | cadence_1 | (IMAGE & set(settings)) | noted
    plan = plan_of(tmp_path, text, capsys)
    check_plan(plan, settings, 165)
    starts = [f["frame"] for f in plan["frames"] if f["frame"] == 0 or f["positive"] != 0]
    assert [plan["frames"][i]["positive"] for i in (0, 29, 30, 60, 90, 164)] == [0, 0, 1, 2, 3, 3]
    assert starts[:2] == [0, 30]


def test_notebook_settings(tmp_path, capsys):
    settings = published("deforum_notebook_animation_extra.txt")
    text, spec = round_trip(deforum_to_spec(settings, cli_fields()))
    assert (spec["sampler_name"], spec["scheduler"]) == ("dpmpp_2s_ancestral", "normal")
    assert spec["cfg"] == 7.0 and spec["steps"] == 50 and spec["frame_count"] == 100
    assert (spec["width"], spec["height"]) == (512, 512) and spec["fps"] == 12
    assert spec["seed"] == 3521683325 and spec["seed_mode_seq"] == "increment"
    assert (
        spec["denoise_seq"] == "0:(0.45), 49:(0.9), 51:(0.35)"
    )  # from 0:(0.55),49:(0.1),51:(0.65)
    assert spec["prompts"] == {k: v for k, v in settings["animation_prompts"].items()}
    assert "model" not in spec
    noted = set(notes_of(text))
    assert {"init_image", "prompts", "clip_scale", "translation_z"} <= noted
    carried = COMMON | {"width", "height", "scale", "seed", "animation_prompts"}
    carried |= {"diffusion_cadence"}
    assert spec["cadence"] == int(settings["diffusion_cadence"]) == 2
    assert set(settings) == carried | (IMAGE & set(settings)) | noted
    plan = plan_of(tmp_path, text, capsys, "--model", "sd-v1-5.safetensors")
    check_plan(plan, settings, 100)
    assert [f["seed"] for f in plan["frames"][:3]] == [3521683325, 3521683326, 3521683327]
