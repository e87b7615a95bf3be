"""The ComfyUI example workflows (example_workflows/*.json) without ComfyUI: every scheduled
node's widget values plan (the same parser the node runs), and their denoise schedules spike at
each prompt change (the neighbours keyed, not a ramp between keys); the camera motion example
moves. The nodes and links are checked against a live server in test_comfy_http.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqsampler.comfy_adapter.scheduled_plan import (
    OPTIONAL_WIDGET_NAMES,
    PREVIEW_OPTIONAL,
    WIDGET_NAMES,
    scheduled_plan,
)

WORKFLOWS = sorted((Path(__file__).resolve().parents[2] / "example_workflows").glob("*.json"))
SCHEDULED = ("SeqSamplerScheduled", "SeqSamplerPlanPreview")


def _scheduled_nodes(path: Path) -> list[dict]:
    return [n for n in json.loads(path.read_text())["nodes"] if n["type"] in SCHEDULED]


def _inputs(node: dict) -> dict:
    """A scheduled node's widget values by name: the saved workflows' widgets, then as many
    of the optional widgets as the node holds (the frontend's order)."""
    optional = (
        OPTIONAL_WIDGET_NAMES
        if node["type"] == SCHEDULED[0]
        else tuple(spec[0] for spec in PREVIEW_OPTIONAL)
    )
    names, values = (*WIDGET_NAMES, *optional), node["widgets_values"]
    assert len(WIDGET_NAMES) <= len(values) <= len(names), (node["id"], values)
    return dict(zip(names[: len(values)], values, strict=True))


def test_the_workflows_are_there():
    assert [p.name for p in WORKFLOWS] == [
        "camera_motion.json",
        "keyframed_animation.json",
        "scheduled_animation.json",
        "scheduled_continuation.json",
        "unsampled_sequence.json",
        "video_guided.json",
    ]


def _guided(path: Path) -> bool:
    """Whether a scheduled node of the workflow follows a guide video (linked guide_images)."""
    return any(
        i["name"] == "guide_images" and i["link"] is not None
        for node in _scheduled_nodes(path)
        for i in node["inputs"]
    )


@pytest.mark.parametrize(
    "path", [p for p in WORKFLOWS if _scheduled_nodes(p) and not _guided(p)], ids=lambda p: p.name
)
def test_scheduled_nodes_plan_and_spike_denoise_at_each_prompt_change(path):
    for node in _scheduled_nodes(path):
        result = scheduled_plan(**_inputs(node))
        denoise = [frame.denoise for frame in result.plan.frames]
        keyframes = result.plan.keyframes
        assert keyframes, node["id"]
        for k in keyframes:  # a spike: the frames either side at the same, lower level
            after = denoise[k + 1] if k + 1 < len(denoise) else denoise[k - 1]
            assert denoise[k - 1] == after < denoise[k], (path.name, node["id"], k, denoise)


def test_the_video_workflow_follows_its_four_frame_guide():
    """video_guided.json: four crops of one image 16 px apart, batched, guide the run (the
    optional video widgets after the 21 saved ones)."""
    path = next(p for p in WORKFLOWS if p.name == "video_guided.json")
    nodes = {n["id"]: n for n in json.loads(path.read_text())["nodes"]}
    crops = [n["widgets_values"] for n in nodes.values() if n["type"] == "ImageCrop"]
    assert [c[2] for c in crops] == [0, 16, 32, 48]  # x: a 16 px pan
    (node,) = _scheduled_nodes(path)
    result = scheduled_plan(guide=("guide_images", len(crops)), **_inputs(node))
    assert [(f.video.mode, f.video.strength) for f in result.plan.frames] == [
        ("init", 1.0), ("hybrid", pytest.approx(0.6 - 0.2 / 3)),
        ("hybrid", pytest.approx(0.6 - 0.4 / 3)), ("hybrid", pytest.approx(0.4)),
    ]  # fmt: skip


def test_the_camera_workflow_zooms_turns_and_sways_on_pixels():
    """camera_motion.json: zoom 1.02 and 0.5 degrees per frame, a sine sway of 4 pixels, on
    pixels through the connected VAE (motion_space auto), noise_warp on; the preview has the
    same plan."""
    scheduled, preview = _scheduled_nodes(WORKFLOWS[0])
    assert any(i["name"] == "vae" and i["link"] is not None for i in scheduled["inputs"])
    plans = [
        scheduled_plan(vae_connected=True, **_inputs(scheduled)).plan,
        scheduled_plan(**_inputs(preview)).plan,
    ]
    moves = [[f.motion for f in p.frames] for p in plans]
    assert moves[0][0] is None and all(m is not None for m in moves[0][1:])
    assert {(m.zoom, m.angle, m.space) for m in moves[0][1:]} == {(1.02, 0.5, "pixel")}
    assert max(abs(m.translation_x) for m in moves[0][1:]) == pytest.approx(4.0, abs=0.05)
    assert plans[0].config.noise_warp and plans[1].config.motion_space == "latent"
    assert [(m.zoom, m.translation_x) for m in moves[1][1:]] == [
        (m.zoom, m.translation_x) for m in moves[0][1:]
    ]
