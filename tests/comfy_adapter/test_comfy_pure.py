"""The pack's pure parts, without ComfyUI: interface vs the seed, keyframe curves, encoder, import.

ComfyUI's modules are replaced by small fakes where the nodes reach for them.
"""

from __future__ import annotations

import subprocess
import sys
import types

import pytest
import torch
from comfy_env import REPO_ROOT
from hypothesis import given
from hypothesis import strategies as st

from seqsampler.planning.keyframe_curves import (
    KEYFRAME_TYPES,
    curve_keyframes,
    parse_prompt_lines,
    sequence_keyframes,
)

# The published node's INPUT_TYPES (docs/behaviour.md §0): name -> (type, options).
SEED_TABLE = [
    ("model", "MODEL", {}),
    ("seed", "INT", {"default": 0, "min": 0, "max": 0xFFFFFFFFFFFFFFFF}),
    ("seed_mode_seq", ["increment", "decrement", "random", "fixed"], {}),
    ("alternate_values", "BOOLEAN", {"default": True}),
    ("steps", "INT", {"default": 20, "min": 1, "max": 10000}),
    ("cfg", "FLOAT", {"default": 8.0, "min": 0.0, "max": 100.0, "step": 0.5, "round": 0.01}),
    ("sampler_name", "SAMPLERS", {}),
    ("scheduler", "SCHEDULERS", {}),
    ("frame_count", "INT", {"default": 0, "min": 0, "max": 1024, "step": 1}),
    ("cond_keyframes", "INT", {"default": 0, "min": 0, "max": 1024, "step": 1}),
    ("positive_seq", "CONDITIONING", {}),
    ("negative_seq", "CONDITIONING", {}),
    ("use_conditioning_slerp", "BOOLEAN", {"default": False}),
    ("cond_slerp_strength", "FLOAT", {"default": 0.5, "min": 0.0, "max": 1.0, "step": 0.001}),
    ("latent_image", "LATENT", {}),
    ("use_latent_interpolation", "BOOLEAN", {"default": False}),
    ("latent_interpolation_mode", ["Blend", "Slerp", "Cosine Interp"], {}),
    ("latent_interp_strength", "FLOAT", {"default": 0.5, "min": 0.0, "max": 1.0, "step": 0.001}),
    ("denoise_start", "FLOAT", {"default": 1.0, "min": 0.0, "max": 1.0, "step": 0.01}),
    ("denoise_seq", "FLOAT", {"default": 0.5, "min": 0.0, "max": 1.0, "step": 0.01}),
    ("unsample_latents", "BOOLEAN", {"default": False}),
    ("inject_noise", "BOOLEAN", {"default": True}),
    ("noise_strength", "FLOAT", {"default": 0.1, "max": 1.0, "min": 0.001, "step": 0.001}),
    ("denoise_sine", "BOOLEAN", {"default": True}),
    ("denoise_max", "FLOAT", {"default": 0.9, "max": 1.0, "min": 0.0, "step": 0.001}),
    ("seed_keying", "BOOLEAN", {"default": True}),
    ("seed_keying_mode", ["sine", "modulo"], {}),
    ("seed_divisor", "INT", {"default": 4, "max": 1024, "min": 2, "step": 1}),
]
FAKE_SAMPLERS = ["euler", "fake_sampler"]
FAKE_SCHEDULERS = ["normal", "fake_scheduler"]


@pytest.fixture
def fake_comfy(monkeypatch):
    """Fake `comfy.samplers` (the combo lists) and `nodes` (no advanced encoder)."""
    comfy = types.ModuleType("comfy")
    samplers = types.ModuleType("comfy.samplers")
    samplers.KSampler = types.SimpleNamespace(SAMPLERS=FAKE_SAMPLERS, SCHEDULERS=FAKE_SCHEDULERS)
    comfy.samplers = samplers
    nodes = types.ModuleType("nodes")
    nodes.NODE_CLASS_MAPPINGS = {}
    monkeypatch.setitem(sys.modules, "comfy", comfy)
    monkeypatch.setitem(sys.modules, "comfy.samplers", samplers)
    monkeypatch.setitem(sys.modules, "nodes", nodes)
    from seqsampler.comfy_adapter import nodes as pack

    return pack


def test_sampler_inputs_equal_the_seed(fake_comfy):
    required = fake_comfy.KSamplerSeq2.INPUT_TYPES()["required"]
    assert list(required) == [name for name, _, _ in SEED_TABLE]
    lists = {"SAMPLERS": FAKE_SAMPLERS, "SCHEDULERS": FAKE_SCHEDULERS}
    for name, kind, options in SEED_TABLE:
        spec = required[name]
        assert spec[0] == (lists[kind] if kind in ("SAMPLERS", "SCHEDULERS") else kind), name
        got = {k: v for k, v in spec[1].items() if k not in ("tooltip", "control_after_generate")}
        assert got == options, name
        assert spec[1]["tooltip"], f"{name} has no tooltip"
    assert "no effect" in required["alternate_values"][1]["tooltip"]


def test_sampler_class_attributes(fake_comfy):
    cls = fake_comfy.KSamplerSeq2
    assert (cls.RETURN_TYPES, cls.FUNCTION, cls.CATEGORY) == (("LATENT",), "sample", "sampling")
    assert fake_comfy.NODE_DISPLAY_NAME_MAPPINGS["KSamplerSeq2"] == "KSampler Sequence (v2)"
    assert not hasattr(cls, "INPUT_IS_LIST") and not hasattr(cls, "OUTPUT_NODE")


def test_encoder_interface(fake_comfy):
    cls = fake_comfy.CLIPTextEncodeSequence2
    required = cls.INPUT_TYPES()["required"]
    assert list(required) == [
        "clip", "token_normalization", "weight_interpretation", "cond_keyframes_type",
        "frame_count", "text",
    ]  # fmt: skip
    assert required["token_normalization"][0] == ["none", "mean", "length", "length+mean"]
    assert required["weight_interpretation"][0] == ["comfy", "A1111", "compel", "comfy++"]
    assert required["cond_keyframes_type"][0] == list(KEYFRAME_TYPES)
    frame_count = required["frame_count"][1]
    assert (frame_count["default"], frame_count["min"], frame_count["max"]) == (100, 1, 1024)
    assert required["text"][1]["multiline"] and required["text"][1]["default"].count("\n") == 3
    assert all(spec[1]["tooltip"] for spec in required.values())
    assert cls.RETURN_TYPES == ("CONDITIONING", "INT", "INT")
    assert cls.RETURN_NAMES == ("conditioning_sequence", "cond_keyframes", "frame_count")
    assert not hasattr(cls, "OUTPUT_IS_LIST")


class FakeClip:
    def __init__(self):
        self.seen = []

    def tokenize(self, text):
        self.seen.append(text)
        return text

    def encode_from_tokens_scheduled(self, text):
        tokens = torch.full((1, 77, 8), float(len(text)))
        return [[tokens, {"pooled_output": torch.zeros(1, 8)}], [tokens, {"extra": 1}]]


def test_encoder_outputs(fake_comfy):
    clip = FakeClip()
    text = fake_comfy.CLIPTextEncodeSequence2.INPUT_TYPES()["required"]["text"][1]["default"]
    conditioning, keyframes, frames = fake_comfy.CLIPTextEncodeSequence2().encode(
        clip, "none", "comfy", "linear", 100, text
    )
    assert clip.seen == text.splitlines() and len(conditioning) == 4
    assert all(set(entry[1]) == {"pooled_output"} for entry in conditioning)  # First entry only.
    assert keyframes == [25, 50, 75] and frames == 100


def test_encoder_explicit_keyframes_and_blank_lines(fake_comfy):
    clip = FakeClip()
    _, keyframes, _ = fake_comfy.CLIPTextEncodeSequence2().encode(
        clip, "none", "comfy", "half_sinus", 30, "0:a rose\n\n  a bud  \n20: a bloom\n"
    )
    assert clip.seen == ["a rose", "a bud", "a bloom"]
    assert keyframes == [sequence_keyframes("half_sinus", 30, [0, None, 20])[0], 20]


def test_encoder_errors_name_the_input(fake_comfy):
    encode = fake_comfy.CLIPTextEncodeSequence2().encode
    with pytest.raises(ValueError, match="clip is None"):
        encode(None, "none", "comfy", "linear", 10, "a")
    with pytest.raises(ValueError, match="no prompt"):
        encode(FakeClip(), "none", "comfy", "linear", 10, " \n ")
    with pytest.raises(ValueError, match="frame_count must be at least the number of prompts"):
        encode(FakeClip(), "none", "comfy", "linear", 2, "a\nb\nc")
    with pytest.raises(ValueError, match="must increase down the lines"):
        encode(FakeClip(), "none", "comfy", "linear", 10, "a\n5:b\n3:c")


GOLDEN_100_4 = {
    "linear": [25, 50, 75],
    "sinus": [15, 50, 85],
    "sinus_inverted": [33, 50, 67],
    "half_sinus": [38, 71, 92],
    "half_sinus_inverted": [8, 29, 62],
}


@pytest.mark.parametrize("kind", KEYFRAME_TYPES)
def test_curve_goldens(kind):
    assert curve_keyframes(kind, 100, 4) == GOLDEN_100_4[kind]
    assert curve_keyframes(kind, 100, 1) == []
    assert curve_keyframes(kind, 5, 5) == [1, 2, 3, 4]


@given(
    kind=st.sampled_from(KEYFRAME_TYPES),
    frames=st.integers(1, 1024),
    prompts=st.integers(1, 64),
)
def test_curves_increase_inside_the_run(kind, frames, prompts):
    if prompts > frames:
        with pytest.raises(ValueError, match="frame_count"):
            curve_keyframes(kind, frames, prompts)
        return
    keyframes = curve_keyframes(kind, frames, prompts)
    assert len(keyframes) == prompts - 1
    assert all(0 < k < frames for k in keyframes)
    assert all(a < b for a, b in zip(keyframes, keyframes[1:], strict=False))


def test_linear_curve_is_the_samplers_even_spread():
    from seqsampler.planning.keyframes import spread_keyframes

    for frames, prompts in [(100, 4), (7, 3), (10, 10), (33, 5)]:
        assert tuple(curve_keyframes("linear", frames, prompts)) == tuple(
            spread_keyframes(prompts, frames)
        )


def test_parse_prompt_lines():
    assert parse_prompt_lines("  a\n\n7:b\n12 : c d \nx:y") == [
        (None, "a"),
        (7, "b"),
        (12, "c d"),
        (None, "x:y"),
    ]
    # Only ASCII digits start a frame number (int() would read Arabic-Indic or full-width ones).
    assert parse_prompt_lines("\u0663: a\n\uff17:b") == [(None, "\u0663: a"), (None, "\uff17:b")]
    with pytest.raises(ValueError, match="cond_keyframes_type"):
        curve_keyframes("cubic", 10, 2)


def test_conditioning_and_latent_errors():
    from seqsampler.comfy_adapter.convert import conditioning_list, latent_samples

    entry = [torch.zeros(1, 77, 8), {"pooled_output": torch.zeros(1, 8)}]
    assert len(conditioning_list(entry, "positive_seq")) == 1  # A bare entry: one prompt.
    with pytest.raises(ValueError, match="positive_seq is an empty conditioning list"):
        conditioning_list([], "positive_seq")
    with pytest.raises(ValueError, match=r"negative_seq\[1\] must be a conditioning entry"):
        conditioning_list([entry, "text"], "negative_seq")
    with pytest.raises(ValueError, match="different widths"):
        conditioning_list([entry, [torch.zeros(1, 77, 4), {}]], "positive_seq")
    with pytest.raises(ValueError, match="NaN or Inf"):
        latent_samples({"samples": torch.full((1, 4, 2, 2), float("inf"))})
    with pytest.raises(ValueError, match="'samples'"):
        latent_samples({"latent": 1})


@pytest.mark.slow
def test_root_package_imports_outside_comfyui():
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('seqsampler_pack', {str(REPO_ROOT / '__init__.py')!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "assert sorted(module.NODE_CLASS_MAPPINGS) == ['CLIPTextEncodeSequence2', 'KSamplerSeq2', "
        "'SeqSamplerPlanPreview', 'SeqSamplerScheduled']\n"
        "assert module.NODE_DISPLAY_NAME_MAPPINGS['KSamplerSeq2'] == 'KSampler Sequence (v2)'\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in ('comfy', 'nodes')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd="/")
