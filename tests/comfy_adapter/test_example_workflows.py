"""The ComfyUI example workflows (example_workflows/*.json) without ComfyUI: every scheduled
node's widget values plan (the same parser the node runs), and their denoise schedules spike at
each prompt change (the neighbours keyed, not a ramp between keys). The nodes and links are
checked against a live server in test_comfy_http.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqsampler.comfy_adapter.scheduled_plan import WIDGET_NAMES, scheduled_plan

WORKFLOWS = sorted((Path(__file__).resolve().parents[2] / "example_workflows").glob("*.json"))
SCHEDULED = ("SeqSamplerScheduled", "SeqSamplerPlanPreview")


def _scheduled_nodes(path: Path) -> list[dict]:
    return [n for n in json.loads(path.read_text())["nodes"] if n["type"] in SCHEDULED]


def test_the_workflows_are_there():
    assert [p.name for p in WORKFLOWS] == [
        "keyframed_animation.json",
        "scheduled_animation.json",
        "scheduled_continuation.json",
        "unsampled_sequence.json",
    ]


@pytest.mark.parametrize(
    "path", [p for p in WORKFLOWS if _scheduled_nodes(p)], ids=lambda p: p.name
)
def test_scheduled_nodes_plan_and_spike_denoise_at_each_prompt_change(path):
    for node in _scheduled_nodes(path):
        values = node["widgets_values"]
        assert len(values) == len(WIDGET_NAMES), (node["id"], values)
        result = scheduled_plan(**dict(zip(WIDGET_NAMES, values, strict=True)))
        denoise = [frame.denoise for frame in result.plan.frames]
        keyframes = result.plan.keyframes
        assert keyframes, node["id"]
        for k in keyframes:  # a spike: the frames either side at the same, lower level
            after = denoise[k + 1] if k + 1 < len(denoise) else denoise[k - 1]
            assert denoise[k - 1] == after < denoise[k], (path.name, node["id"], k, denoise)
