"""The pack in a real ComfyUI server over HTTP (COMFYUI_PATH): /object_info, /prompt, /history.

The server loads two packs from a temp folder named by `--extra-model-paths-config`: a
symlink to this repository, and a test-only pack (written here) whose nodes return a tiny
MODEL, conditioning lists, a latent and a fake CLIP, and report a LATENT's shape.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest
from comfy_env import HERE, REPO_ROOT, SEED_INPUTS, comfyui_path, skip_reason

pytestmark = pytest.mark.comfyui


TEST_PACK = """
import hashlib
import sys
sys.path.insert(0, {here!r})
import torch
import tiny_comfy


class FakeClip:
    def tokenize(self, text):
        return text

    def encode_from_tokens_scheduled(self, text):
        seed = sum(ord(c) for c in text)
        return tiny_comfy.tiny_conditioning(seed, tokens=77 * (1 + len(text) // 40))


def _node(function, returns, inputs, output=False):
    def decorate(cls):
        cls.FUNCTION, cls.RETURN_TYPES, cls.CATEGORY = function, returns, "testing"
        cls.OUTPUT_NODE = output
        cls.INPUT_TYPES = classmethod(lambda c: {{"required": inputs}})
        return cls
    return decorate


@_node("load", ("MODEL",), {{"channels": ("INT", {{"default": 4}})}})
class SeqTestModel:
    def load(self, channels):
        return (tiny_comfy.tiny_model(channels),)


@_node("load", ("CLIP",), {{}})
class SeqTestClip:
    def load(self):
        return (FakeClip(),)


@_node("make", ("CONDITIONING",), {{"count": ("INT", {{"default": 2, "min": 0}}), "seed": ("INT", {{"default": 0}})}})
class SeqTestConditioning:
    def make(self, count, seed):
        return ([tiny_comfy.tiny_conditioning(seed + j)[0] for j in range(count)],)


@_node("make", ("LATENT",), {{"channels": ("INT", {{"default": 4}})}})
class SeqTestLatent:
    def make(self, channels):
        return (tiny_comfy.tiny_latent(channels=channels),)


@_node("report", (), {{"latent": ("LATENT",)}}, output=True)
class SeqTestReport:
    def report(self, latent):
        x = latent["samples"]
        digest = hashlib.sha256(x.contiguous().numpy().tobytes()).hexdigest()
        return {{"ui": {{"shape": [list(x.shape)], "finite": [bool(torch.isfinite(x).all())],
                        "sha256": [digest]}}}}


@_node("report", (), {{"image": ("IMAGE",), "text": ("STRING", {{"forceInput": True}})}}, output=True)
class SeqTestImageReport:
    def report(self, image, text):
        pixels = (image * 255).round().to(torch.int64)
        return {{"ui": {{"shape": [list(image.shape)], "dtype": [str(image.dtype)],
                        "range": [[float(image.min()), float(image.max())]],
                        "pixel_sum": [int(pixels.sum())], "text": [text]}}}}


NODE_CLASS_MAPPINGS = {{c.__name__: c for c in (SeqTestModel, SeqTestClip, SeqTestConditioning, SeqTestLatent, SeqTestReport, SeqTestImageReport)}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("comfy_http")
    packs = root / "packs"
    (packs / "seqsampler_testnodes").mkdir(parents=True)
    (root / "base" / "custom_nodes").mkdir(parents=True)
    (packs / "seqsampler").symlink_to(REPO_ROOT, target_is_directory=True)
    (packs / "seqsampler_testnodes" / "__init__.py").write_text(
        textwrap.dedent(TEST_PACK.format(here=str(HERE)))
    )
    config = root / "extra_model_paths.yaml"
    config.write_text(f"seqsampler_tests:\n  base_path: {root}\n  custom_nodes: packs\n")
    port = _free_port()
    log = open(root / "server.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(port),
         "--extra-model-paths-config", str(config), "--base-directory", str(root / "base"),
         "--database-url", "sqlite:///:memory:", "--disable-auto-launch"],
        cwd=comfyui_path(), stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            if process.poll() is not None:
                pytest.fail(f"ComfyUI exited: {(root / 'server.log').read_text()[-3000:]}")
            try:
                _get(f"{url}/object_info/KSamplerSeq2")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        else:
            pytest.fail(f"ComfyUI did not start: {(root / 'server.log').read_text()[-3000:]}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _run(url: str, prompt: dict, timeout: float = 120) -> dict:
    status, body = _post(f"{url}/prompt", {"prompt": prompt})
    assert status == 200, body
    prompt_id = body["prompt_id"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        history = _get(f"{url}/history/{prompt_id}")
        if (
            prompt_id in history
            and history[prompt_id].get("status", {}).get("completed") is not None
        ):
            return history[prompt_id]
        time.sleep(0.2)
    pytest.fail(f"prompt {prompt_id} did not finish in {timeout} s")


def _defaults(info: dict) -> dict:
    out = {}
    for name, spec in info["input"]["required"].items():
        if isinstance(spec[0], list):
            out[name] = spec[0][0]
        elif spec[0] == "COMBO":  # the V3 schema's combo: ("COMBO", {"options": [...]})
            out[name] = spec[1].get("default", spec[1]["options"][0])
        elif len(spec) > 1 and "default" in spec[1]:
            out[name] = spec[1]["default"]
    return out


def _sampler_prompt(url: str, positive: list, **overrides) -> dict:
    inputs = _defaults(_get(f"{url}/object_info/KSamplerSeq2")["KSamplerSeq2"])
    inputs.update(overrides)
    inputs.update(
        model=["1", 0], positive_seq=positive, negative_seq=["3", 0], latent_image=["4", 0]
    )
    return {
        "1": {"class_type": "SeqTestModel", "inputs": {"channels": 4}},
        "2": {"class_type": "SeqTestConditioning", "inputs": {"count": 2, "seed": 10}},
        "3": {"class_type": "SeqTestConditioning", "inputs": {"count": 1, "seed": 50}},
        "4": {"class_type": "SeqTestLatent", "inputs": {"channels": 4}},
        "5": {"class_type": "KSamplerSeq2", "inputs": inputs},
        "6": {"class_type": "SeqTestReport", "inputs": {"latent": ["5", 0]}},
    }


def test_object_info_lists_the_nodes(server):
    info = _get(f"{server}/object_info")
    sampler = info["KSamplerSeq2"]
    assert sampler["display_name"] == "KSampler Sequence (v2)"
    assert sampler["category"] == "sampling" and sampler["output"] == ["LATENT"]
    assert sampler["input_order"]["required"] == SEED_INPUTS
    assert (
        sampler["input"]["required"]["sampler_name"][0]
        == info["KSampler"]["input"]["required"]["sampler_name"][0]
    )
    assert sampler["input"]["required"]["seed"][1]["default"] == 0
    assert sampler["input_order"]["optional"][-1] == "cfg_mode"  # after the temporal ones
    assert sampler["input"]["optional"]["cfg_mode"][0] == ["full", "once"]
    encoder = info["CLIPTextEncodeSequence2"]
    assert encoder["output"] == ["CONDITIONING", "INT", "INT"]
    assert encoder["output_is_list"] == [False, False, False]
    assert encoder["input_order"]["required"] == [
        "clip", "token_normalization", "weight_interpretation", "cond_keyframes_type",
        "frame_count", "text",
    ]  # fmt: skip


def test_default_workflow_runs(server):
    # The node's defaults: frame_count 0 gives one frame per positive prompt (2 here).
    result = _run(server, _sampler_prompt(server, ["2", 0]))
    assert result["status"]["status_str"] == "success", result["status"]
    report = result["outputs"]["6"]
    assert report["shape"] == [[2, 4, 8, 8]] and report["finite"] == [True]


def test_cfg_mode_once_runs_over_http(server):
    """The optional cfg_mode of both samplers travels through /prompt; once differs from full."""
    for make in (lambda **o: _sampler_prompt(server, ["2", 0], **o),
                 lambda **o: _scheduled_prompt(server, **o)):  # fmt: skip
        once, full = _run(server, make(cfg_mode="once")), _run(server, make(cfg_mode="full"))
        assert once["status"]["status_str"] == "success", once["status"]
        assert once["outputs"]["6"]["finite"] == [True]
        assert once["outputs"]["6"]["sha256"] != full["outputs"]["6"]["sha256"]


def test_encoder_keyframes_reach_the_sampler(server):
    prompt = _sampler_prompt(
        server, ["7", 0], frame_count=["7", 2], cond_keyframes=["7", 1], steps=3
    )
    prompt["8"] = {"class_type": "SeqTestClip", "inputs": {}}
    prompt["7"] = {
        "class_type": "CLIPTextEncodeSequence2",
        "inputs": {
            "clip": ["8", 0], "token_normalization": "none", "weight_interpretation": "comfy",
            "cond_keyframes_type": "sinus", "frame_count": 5,
            "text": "a red rose\n\na long prompt about a blooming rose in a garden, at dawn\n3:a rose",
        },
    }  # fmt: skip
    result = _run(server, prompt)
    assert result["status"]["status_str"] == "success", result["status"]
    assert result["outputs"]["6"]["shape"] == [[5, 4, 8, 8]]


def test_empty_conditioning_is_a_clear_error(server):
    prompt = _sampler_prompt(server, ["2", 0], steps=2)
    prompt["2"]["inputs"]["count"] = 0
    result = _run(server, prompt)
    assert result["status"]["status_str"] == "error"
    errors = [m[1] for m in result["status"]["messages"] if m[0] == "execution_error"]
    assert errors and errors[0]["node_type"] == "KSamplerSeq2"
    assert "positive_seq is an empty conditioning list" in errors[0]["exception_message"]


def test_bad_widget_value_is_refused_at_validation(server):
    status, body = _post(
        f"{server}/prompt", {"prompt": _sampler_prompt(server, ["2", 0], sampler_name="nope")}
    )
    assert status == 400 and "sampler_name" in json.dumps(body)


CONTROL_VALUES = {"fixed", "increment", "decrement", "randomize"}
WIDGET_TYPES = {"INT", "FLOAT", "STRING", "BOOLEAN", "COMBO"}


def _widgets(info: dict) -> list[tuple[str, object, dict]]:
    """The frontend's widgets of a node, in order: (name, type, options); seeds get a control."""
    out = []
    for section in ("required", "optional"):
        for name, spec in info["input"].get(section, {}).items():
            kind, options = spec[0], spec[1] if len(spec) > 1 else {}
            if isinstance(kind, list) or kind in WIDGET_TYPES:
                out.append((name, kind, options))
                if options.get("control_after_generate") or (
                    kind == "INT" and name in ("seed", "noise_seed")
                ):
                    out.append(("control_after_generate", CONTROL_VALUES, {}))
    return out


def _check_value(name, kind, options, value) -> None:
    if kind is CONTROL_VALUES:
        assert value in CONTROL_VALUES, name
    elif isinstance(kind, list) or kind == "COMBO":
        choices = kind if isinstance(kind, list) else options.get("options", [])
        # the user's own files: a checkpoint, an image in ComfyUI's input folder
        assert name in ("ckpt_name", "image") or value in choices, (name, value)
    elif kind == "BOOLEAN":
        assert isinstance(value, bool), (name, value)
    elif kind == "STRING":
        assert isinstance(value, str), (name, value)
    else:
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (name, value)
        assert kind == "FLOAT" or isinstance(value, int), (name, value)
        assert options.get("min", value) <= value <= options.get("max", value), (name, value)


@pytest.mark.parametrize(
    "path", sorted((REPO_ROOT / "example_workflows").glob("*.json")), ids=lambda p: p.name
)
def test_example_workflows_fit_the_nodes(server, path):
    workflow = json.loads(path.read_text())
    info = _get(f"{server}/object_info")
    nodes = {node["id"]: node for node in workflow["nodes"]}
    missing = sorted({node["type"] for node in workflow["nodes"]} - set(info))
    assert not missing, f"{path.name}: {missing} not in this ComfyUI's /object_info"
    for node in workflow["nodes"]:
        widgets = _widgets(info[node["type"]])
        required = _widgets({"input": {"required": info[node["type"]]["input"]["required"]}})
        values = node.get("widgets_values", [])
        # A workflow saved before the optional inputs were appended holds only the required
        # widgets' values; the frontend gives the missing trailing ones their defaults.
        assert len(required) <= len(values) <= len(widgets), (
            node["type"], [w[0] for w in widgets], values,
        )  # fmt: skip
        for (name, kind, options), value in zip(widgets[: len(values)], values, strict=True):
            _check_value(name, kind, options, value)
    for _, source, source_slot, target, target_slot, kind in workflow["links"]:
        assert nodes[source]["outputs"][source_slot]["type"] == kind
        assert nodes[target]["inputs"][target_slot]["type"] == kind
        assert info[nodes[source]["type"]]["output"][source_slot] == kind
        target_input = nodes[target]["inputs"][target_slot]
        declared = info[nodes[target]["type"]]["input"]
        slots = {**declared["required"], **declared.get("optional", {})}  # a guide, a vae
        assert slots[target_input["name"]][0] == kind


# ---- SeqSamplerScheduled / SeqSamplerPlanPreview (issue 16) ----

SCHEDULED_WIDGETS = [
    "prompt_schedule", "negative_prompt", "frame_count", "seed_schedule", "seed_mode_seq",
    "seed_keying", "seed_keying_mode", "seed_divisor", "steps_schedule", "cfg_schedule",
    "sampler_name", "scheduler", "denoise_schedule", "unsample_latents", "inject_noise",
    "noise_strength_schedule", "use_conditioning_slerp", "glide_strength_schedule",
    "use_latent_interpolation", "latent_interpolation_mode", "interp_strength_schedule",
]  # fmt: skip
MOTION_INPUTS = [
    "zoom_schedule", "angle_schedule", "translation_x_schedule", "translation_y_schedule",
    "transform_center_x_schedule", "transform_center_y_schedule", "motion_border", "motion_space",
    "perspective_flip", "perspective_flip_theta_schedule", "perspective_flip_phi_schedule",
    "perspective_flip_gamma_schedule", "perspective_flip_fv_schedule", "noise_warp",
    "contrast_schedule", "sharpen_amount_schedule", "sharpen_kernel_schedule",
    "sharpen_sigma_schedule", "sharpen_threshold_schedule",
]  # fmt: skip


def _scheduled_prompt(url: str, **overrides) -> dict:
    inputs = _defaults(_get(f"{url}/object_info/SeqSamplerScheduled")["SeqSamplerScheduled"])
    inputs.update(
        prompt_schedule='"0": "a red rose", "3": "a white rose"', frame_count=5,
        steps_schedule="0:(2), 4:(4)", cfg_schedule="0:(7.5), 4:(4 + sin(t))",
        denoise_schedule="0:(1.0), 1:(0.5), 4:(0.8)", seed_schedule="0:(3 * t + 1)",
    )  # fmt: skip
    inputs.update(overrides)
    inputs.update(model=["1", 0], clip=["8", 0], latent_image=["4", 0])
    return {
        "1": {"class_type": "SeqTestModel", "inputs": {"channels": 4}},
        "8": {"class_type": "SeqTestClip", "inputs": {}},
        "4": {"class_type": "SeqTestLatent", "inputs": {"channels": 4}},
        "5": {"class_type": "SeqSamplerScheduled", "inputs": inputs},
        "6": {"class_type": "SeqTestReport", "inputs": {"latent": ["5", 0]}},
    }


def _preview_prompt(url: str, **overrides) -> dict:
    inputs = _defaults(_get(f"{url}/object_info/SeqSamplerPlanPreview")["SeqSamplerPlanPreview"])
    inputs.update(overrides)
    return {
        "1": {"class_type": "SeqSamplerPlanPreview", "inputs": inputs},
        "2": {"class_type": "SeqTestImageReport", "inputs": {"image": ["1", 0], "text": ["1", 1]}},
    }


def test_object_info_lists_the_scheduled_nodes(server):
    info = _get(f"{server}/object_info")
    node = info["SeqSamplerScheduled"]
    assert node["display_name"] == "KSampler Sequence (scheduled)"
    assert node["category"] == "sampling" and node["output"] == ["LATENT"]
    assert node["input_order"]["required"] == ["model", "clip", "latent_image", *SCHEDULED_WIDGETS]
    required = node["input"]["required"]
    assert (
        required["prompt_schedule"][0] == "STRING" and required["prompt_schedule"][1]["multiline"]
    )
    assert required["cfg_schedule"][1]["default"] == "8.0"
    assert (
        required["sampler_name"][1]["options"]
        == info["KSampler"]["input"]["required"]["sampler_name"][0]
    )
    preview = info["SeqSamplerPlanPreview"]
    assert preview["output"] == ["IMAGE", "STRING"]
    assert preview["output_name"] == ["chart", "plan"]
    assert preview["input_order"]["required"] == SCHEDULED_WIDGETS


def test_object_info_lists_the_optional_motion_inputs(server):
    info = _get(f"{server}/object_info")
    scheduled, preview = info["SeqSamplerScheduled"], info["SeqSamplerPlanPreview"]
    assert scheduled["input_order"]["optional"] == [
        "video_mode", "video_strength_schedule", "vae", "guide_images", "guide_latent",
        *MOTION_INPUTS, "cfg_mode", "cadence",
    ]  # fmt: skip
    assert preview["input_order"]["optional"] == [*MOTION_INPUTS, "cadence"]
    for node in (scheduled, preview):
        optional = node["input"]["optional"]
        assert optional["zoom_schedule"][0] == "STRING"
        assert optional["zoom_schedule"][1]["default"] == "1.0"
        assert optional["translation_x_schedule"][1]["default"] == "0.0"
        assert optional["motion_space"][1]["options"] == ["auto", "pixel", "latent"]
        assert optional["motion_border"][1]["default"] == "replicate"
        assert optional["noise_warp"][0] == "BOOLEAN" and not optional["noise_warp"][1]["default"]
        assert optional["sharpen_kernel_schedule"][1]["default"] == "5"


def test_a_cadence_run_over_http(server):
    """cadence 2 with a zoom: 5 frames, of which 1 and 3 are made between (test_comfy_cadence.py)."""
    info = _get(f"{server}/object_info/SeqSamplerScheduled")["SeqSamplerScheduled"]
    assert info["input"]["optional"]["cadence"][1] | {"tooltip": ""} == {
        "default": 1, "min": 1, "max": 8, "step": 1, "tooltip": "",
    }  # fmt: skip
    result = _run(server, _scheduled_prompt(server, cadence=2, zoom_schedule="1.05"))
    assert result["status"]["status_str"] == "success", result["status"]
    assert result["outputs"]["6"]["shape"] == [[5, 4, 8, 8]]
    assert result["outputs"]["6"]["finite"] == [True]


def test_a_camera_motion_run_over_http(server):
    """The motion inputs travel through /prompt (zoom, pan, noise_warp); identity values give
    the frames of a run without them (the report's sha256 of the frames)."""
    moving = _run(server, _scheduled_prompt(server, zoom_schedule="0:(1.1)",
                                             translation_x_schedule="8", noise_warp=True))  # fmt: skip
    assert moving["status"]["status_str"] == "success", moving["status"]
    assert moving["outputs"]["6"]["shape"] == [[5, 4, 8, 8]]
    assert moving["outputs"]["6"]["finite"] == [True]
    plain = _run(server, _scheduled_prompt(server))
    identity = _run(server, _scheduled_prompt(server, zoom_schedule="1", angle_schedule="0:(0)"))
    assert identity["outputs"]["6"] == plain["outputs"]["6"]
    assert moving["outputs"]["6"] != plain["outputs"]["6"]


def test_scheduled_run_over_http(server):
    result = _run(server, _scheduled_prompt(server))
    assert result["status"]["status_str"] == "success", result["status"]
    assert result["outputs"]["6"]["shape"] == [[5, 4, 8, 8]]
    assert result["outputs"]["6"]["finite"] == [True]


def test_scheduled_run_continues_from_a_previous_runs_last_frame(server):
    prompt = _scheduled_prompt(server)
    second = dict(prompt["5"]["inputs"], latent_image=["9", 0], frame_count=3)
    second.update(denoise_schedule="0.4", prompt_schedule='"0": "a white rose"')
    prompt["9"] = {
        "class_type": "LatentFromBatch",
        "inputs": {"samples": ["5", 0], "batch_index": 4, "length": 1},
    }
    prompt["10"] = {"class_type": "SeqSamplerScheduled", "inputs": second}
    prompt["6"]["inputs"]["latent"] = ["10", 0]
    result = _run(server, prompt)
    assert result["status"]["status_str"] == "success", result["status"]
    assert result["outputs"]["6"]["shape"] == [[3, 4, 8, 8]]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("cfg_schedule", "0:(7), 4:(foo)", "cfg_schedule: key '4' at position 8: unknown name 'foo'"),
        ("steps_schedule", "0:(20), 3:(", "steps_schedule: unclosed '(' at position 11"),
        ("denoise_schedule", "0:(1), 2:(1.5)", "denoise_schedule: the schedule gives 1.25 at frame 1"),
        ("prompt_schedule", '"0": "a", "30": "b"', "prompt_schedule: key '\"30\"' at position 11: frame 30 is past the last frame"),
        ("noise_strength_schedule", "0:(0.1), 2:(0.2)", None),  # valid
        ("glide_strength_schedule", "0:(0.1), 2:(0.2)", "glide_strength_schedule: a schedule has no effect while use_conditioning_slerp is off"),
        ("frame_count", 5000, "frame_count: 5000; accepted: an int in [1, 1024]"),
        ("zoom_schedule", "0:(1), 2:(0)", "zoom_schedule: the schedule gives 0 at frame 2"),
        ("perspective_flip_phi_schedule", "0:(1), 2:(3)", "perspective_flip_phi_schedule: a schedule has no effect while perspective_flip is off"),
    ],
)  # fmt: skip
def test_schedule_errors_at_queue_time(server, field, value, needle):
    overrides = {field: value}
    if field.startswith("perspective_flip_"):  # an absent switch may be linked: counts as on
        overrides["perspective_flip"] = False
    scheduled = _scheduled_prompt(server, **overrides)
    names = (*SCHEDULED_WIDGETS, *MOTION_INPUTS)
    widgets = {k: v for k, v in scheduled["5"]["inputs"].items() if k in names}
    for prompt in (scheduled, _preview_prompt(server, **widgets)):
        status, body = _post(f"{server}/prompt", {"prompt": prompt})
        if needle is None:
            assert status == 200, body
            continue
        assert status == 400, body
        node_id = "5" if prompt is scheduled else "1"
        assert list(body["node_errors"]) == [node_id], body["node_errors"]
        details = [e["details"] for e in body["node_errors"][node_id]["errors"]]
        assert len(details) == 1 and needle in details[0], (needle, details)  # once, named


def test_plan_preview_over_http(server):
    from seqsampler.comfy_adapter.scheduled_plan import preview, scheduled_plan, widget_defaults

    overrides = {
        "frame_count": 20, "unsample_latents": True,
        "prompt_schedule": '"0": "a bud", "8": "a rose", "15": "a wilted rose"',
        "denoise_schedule": "0:(1), 1:(0.35), 10:(0.8), 19:(0.35)",
        "seed_schedule": "0:(11), 9:(11), 10:(500)", "steps_schedule": "0:(10), 19:(30)",
    }  # fmt: skip
    result = _run(server, _preview_prompt(server, **overrides))
    assert result["status"]["status_str"] == "success", result["status"]
    report = result["outputs"]["2"]
    widgets = {**widget_defaults(), **overrides}
    image, text = preview(**widgets)
    assert report["shape"] == [[1, image.height, image.width, 3]]
    assert (image.width, image.height) == (640, 30 + 4 * 150 + 16 * 3 + 10)
    assert report["dtype"] == ["torch.float32"]
    assert 0.0 <= report["range"][0][0] and report["range"][0][1] <= 1.0
    assert report["pixel_sum"] == [sum(image.tobytes())]
    assert report["text"] == [text]
    the_plan = scheduled_plan(**widgets).plan
    rows = [line.split() for line in text.splitlines()[1:21]]
    assert [int(r[3]) for r in rows] == [f.seed for f in the_plan.frames]
    assert [int(r[3]) for r in rows][9:11] == [11, 500]
    assert [float(r[4]) for r in rows][:2] == [1.0, 0.35]
    assert [r[1] for r in rows] == ["0"] * 8 + ["1"] * 7 + ["2"] * 5  # prompt segments
    assert [r[5] for r in rows][1] == "unsample"
    assert [int(r[6]) for r in rows][::19] == [10, 30]
