"""The Parseq importer on rendered output shaped as Parseq writes it (`rendered_frames`, one
object per frame): per-frame series become schedules that plan to the same values frame by
frame; motion uses the *_delta series and is carried only when seqsampler has the field."""

from __future__ import annotations

import copy

import pytest

from seqsampler.importing import parseq_to_spec

from .helpers import cli_fields, notes_of, plan_of, round_trip

N = 8
SCALE = [7.0, 7.5, 8.0, 8.5, 9.0, 9.0, 9.0, 9.0]
STRENGTH = [0.6, 0.6, 0.6, 0.6, 0.5, 0.55, 0.6, 0.6]
SEED = [55, 55.5, 56, 56.25, 57, 57, 57, 58.9]
ANGLE = [0, 2, 6, 12, 20, 20, 20, 20]


def rendered() -> dict:
    """Eight frames as Parseq renders them (fields as sd-parseq's `fields.ts` names them)."""
    frames = []
    for i in range(N):
        frames.append(
            {
                "frame": i,
                "seed": SEED[i],
                "scale": SCALE[i],
                "strength": STRENGTH[i],
                "noise": 0.04,
                "contrast": 1.0,
                "angle": ANGLE[i],
                "angle_delta": ANGLE[i] - (ANGLE[i - 1] if i else 0),
                "angle_pc": 100 * ANGLE[i] / 20,
                "deforum_prompt": ("a cat" if i < 4 else "a dog") + " --neg blurry",
                "subseed": 56,
                "subseed_strength": 0,
                "prompt_weight_1": 1.0,
            }
        )
    return {
        "meta": {"generated_by": "sd_parseq", "version": "0.1.94", "generated_at": "test"},
        "options": {"output_fps": "24", "cadence": 1, "bpm": 120, "input_fps": 20},
        "managedFields": ["seed", "scale", "strength", "noise", "angle"],
        "keyframes": [{"frame": 0}, {"frame": 7}],
        "rendered_frames": frames,
    }


def test_series_become_schedules_that_plan_frame_by_frame(tmp_path, capsys):
    text, spec = round_trip(parseq_to_spec(rendered(), cli_fields()))
    assert spec["frame_count"] == N and spec["fps"] == 24
    assert spec["prompts"] == {"0": "a cat", "4": "a dog"} and spec["negative"] == "blurry"
    assert spec["noise_strength"] == 0.04 and spec["inject_noise"] is True
    assert spec["denoise_mode"] == "steps" and spec["denoise_start"] == 1.0
    assert {"contrast", "prompt_weight_1"} <= set(notes_of(text))
    assert spec["angle"] == {"0": 0.0, "1": 2.0, "2": 4.0, "3": 6.0, "4": 8.0, "5": 0.0}
    assert "subseed_strength" not in notes_of(text)  # 0 at every frame: no seed travel
    plan = plan_of(tmp_path, text, capsys, "--model", "sd.safetensors")
    frames = plan["frames"]
    assert [f["cfg"] for f in frames] == SCALE
    assert [f["denoise"] for f in frames][1:] == [1 - v for v in STRENGTH][1:]
    assert [f["seed"] for f in frames] == [int(v) for v in SEED]  # Deforum's int(seed)
    assert [f["positive"] for f in frames] == [0, 0, 0, 0, 1, 1, 1, 1]


def test_motion_uses_the_deltas():
    result = parseq_to_spec(rendered(), cli_fields())
    table = result.spec["angle"]
    deltas = [f["angle_delta"] for f in rendered()["rendered_frames"]]
    assert table == {"0": 0.0, "1": 2.0, "2": 4.0, "3": 6.0, "4": 8.0, "5": 0.0}
    assert [table.get(str(i), 0.0) for i in range(6)] == deltas[:6]


def test_seed_travel_and_random_seeds_are_noted():
    source = rendered()
    for frame in source["rendered_frames"]:
        frame["subseed_strength"] = 0.5
    source["rendered_frames"][3]["seed"] = -1
    result = parseq_to_spec(source, cli_fields())
    assert "seed" not in result.spec
    noted = [n.split(" = ")[0] for n in result.notes]
    assert "not carried: seed" in noted and "not carried: subseed_strength" in noted


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("rendered_frames"), "rendered_frames is NoneType; accepted: a non-empty"),
        (lambda d: d["rendered_frames"].reverse(), r"rendered_frames\[0\] has frame 7"),
        (lambda d: d["rendered_frames"][5].pop("scale"), "rendered frame 5 has no 'scale'"),
        (lambda d: d["rendered_frames"][2].update(deforum_prompt=3), "deforum_prompt of frame 2"),
    ],
)
def test_bad_exports(change, message):
    source = copy.deepcopy(rendered())
    change(source)
    with pytest.raises(ValueError, match=message):
        parseq_to_spec(source, cli_fields())
