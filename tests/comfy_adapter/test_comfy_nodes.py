"""KSamplerSeq2 and CLIPTextEncodeSequence2 in-process against a real ComfyUI (COMFYUI_PATH).

A tiny random-weight SD1.5-style UNet (tiny_comfy.py) stands in for a checkpoint.
"""

from __future__ import annotations

import pytest
import torch
from comfy_env import SEED_INPUTS, comfy_sampler_names

pytestmark = pytest.mark.comfyui


# Every option switch, and the values that only matter while it is on.
SWITCHES = {
    "use_conditioning_slerp": {"cond_slerp_strength": 0.2},
    "use_latent_interpolation": {"latent_interp_strength": 0.3, "latent_interpolation_mode": "Slerp"},
    "unsample_latents": {},
    "inject_noise": {"noise_strength": 0.7},
    "denoise_sine": {"denoise_max": 0.2},
    "seed_keying": {"seed_keying_mode": "modulo", "seed_divisor": 2},
}  # fmt: skip


def node_defaults(node_cls) -> dict:
    """The widget defaults of a node class (combos: their first option)."""
    out = {}
    for name, spec in node_cls.INPUT_TYPES()["required"].items():
        kind = spec[0]
        options = spec[1] if len(spec) > 1 else {}
        if isinstance(kind, list):
            out[name] = kind[0]
        elif "default" in options:
            out[name] = options["default"]
    return out


@pytest.fixture(scope="module")
def sampler_cls(comfy):
    return comfy.NODE_CLASS_MAPPINGS["KSamplerSeq2"]


@pytest.fixture(scope="module")
def run(sampler_cls, model, tiny):
    """Run KSamplerSeq2 with the node's defaults, overridden by keyword; returns samples."""

    def _run(prompts=2, negatives=1, latent=None, model_=None, **overrides):
        inputs = node_defaults(sampler_cls)
        inputs.update(steps=4, frame_count=3)
        inputs.update(overrides)
        positive = [tiny.tiny_conditioning(10 + j)[0] for j in range(prompts)]
        negative = [tiny.tiny_conditioning(50 + j)[0] for j in range(negatives)]
        with torch.inference_mode():
            (out,) = sampler_cls().sample(
                model=model_ or model,
                positive_seq=positive,
                negative_seq=negative,
                latent_image=latent if latent is not None else tiny.tiny_latent(),
                **inputs,
            )
        return out

    return _run


def test_pack_registers_nodes(comfy):
    assert comfy.NODE_DISPLAY_NAME_MAPPINGS["KSamplerSeq2"] == "KSampler Sequence (v2)"
    assert "CLIPTextEncodeSequence2" in comfy.NODE_CLASS_MAPPINGS
    cls = comfy.NODE_CLASS_MAPPINGS["KSamplerSeq2"]
    assert cls.CATEGORY == "sampling" and cls.RETURN_TYPES == ("LATENT",)
    assert not getattr(comfy.NODE_CLASS_MAPPINGS["CLIPTextEncodeSequence2"], "OUTPUT_IS_LIST", None)


def test_inputs_match_the_seed(comfy, sampler_cls):
    import comfy.samplers

    required = sampler_cls.INPUT_TYPES()["required"]
    assert list(required) == SEED_INPUTS
    assert required["sampler_name"][0] == list(comfy.samplers.KSampler.SAMPLERS)
    assert required["scheduler"][0] == list(comfy.samplers.KSampler.SCHEDULERS)
    for name, spec in required.items():
        assert spec[1].get("tooltip"), f"{name} has no tooltip"
    assert "no effect" in required["alternate_values"][1]["tooltip"]


def test_one_frame_equals_comfy_ksampler(comfy, run, model, tiny):
    latent = tiny.tiny_latent(seed=3)
    positive, negative = tiny.tiny_conditioning(10), tiny.tiny_conditioning(50)
    for denoise in (1.0, 0.6):
        ours = run(
            prompts=1, latent=latent, frame_count=1, seed=1234, steps=5, cfg=6.5,
            sampler_name="dpmpp_2m", scheduler="karras", denoise_start=denoise,
        )  # fmt: skip
        with torch.inference_mode():
            (theirs,) = comfy.common_ksampler(
                model, 1234, 5, 6.5, "dpmpp_2m", "karras", positive, negative, latent,
                denoise=denoise,
            )  # fmt: skip
        assert torch.equal(ours["samples"], theirs["samples"]), denoise


@pytest.mark.parametrize("sampler_name", comfy_sampler_names())
def test_every_sampler_completes_three_frames_with_defaults(run, sampler_name):
    out = run(sampler_name=sampler_name, steps=3)["samples"]
    assert out.shape == (3, 4, 8, 8)
    assert torch.isfinite(out).all()
    unsampled = run(sampler_name=sampler_name, steps=3, frame_count=2, unsample_latents=True)
    assert torch.isfinite(unsampled["samples"]).all()


@pytest.mark.parametrize("sampler_name", ["euler_ancestral", "dpmpp_2m_sde", "dpmpp_sde", "ddpm"])
@pytest.mark.parametrize("seed", [2**64 - 1, 2**63 + 5, 3])
def test_stochastic_samplers_take_every_seed(run, sampler_name, seed):
    # The published node crashed here: float (sine keying) and out-of-range seeds (B2, B5).
    out = run(sampler_name=sampler_name, steps=2, seed=seed, seed_keying_mode="sine")["samples"]
    assert torch.isfinite(out).all()


def _base(**extra):
    settings = {name: False for name in SWITCHES}
    settings.update(extra)
    return settings


@pytest.mark.parametrize("switch", list(SWITCHES))
def test_each_option_changes_output_only_when_on(run, switch):
    base = run(**_base())["samples"]
    same = run(**_base(**SWITCHES[switch]))["samples"]
    assert torch.equal(base, same), f"{switch} off, its values changed the output"
    on = run(**_base(**{switch: True}))["samples"]
    assert not torch.equal(base, on), f"{switch} on changed nothing"


def test_alternate_values_has_no_effect(run):
    assert torch.equal(
        run(alternate_values=True)["samples"], run(alternate_values=False)["samples"]
    )


def test_unsample_with_an_ancestral_sampler(run):
    plain = run(sampler_name="euler_ancestral")["samples"]
    unsampled = run(sampler_name="euler_ancestral", unsample_latents=True)["samples"]
    assert torch.isfinite(unsampled).all()
    assert torch.equal(plain[:1], unsampled[:1]) and not torch.equal(plain, unsampled)


def test_77_and_154_token_keyframes_glide(sampler_cls, model, tiny):
    positive = [
        tiny.tiny_conditioning(1, tokens=77)[0],
        tiny.tiny_conditioning(2, tokens=154)[0],
        tiny.tiny_conditioning(3, tokens=77)[0],
    ]
    inputs = node_defaults(sampler_cls)
    inputs.update(steps=3, frame_count=5, use_conditioning_slerp=True, cond_slerp_strength=0.3)
    with torch.inference_mode():
        (out,) = sampler_cls().sample(
            model=model,
            positive_seq=positive,
            negative_seq=tiny.tiny_conditioning(9, tokens=154),
            latent_image=tiny.tiny_latent(),
            **inputs,
        )
    assert out["samples"].shape[0] == 5 and torch.isfinite(out["samples"]).all()


def test_sixteen_channel_latent_and_model(run, tiny):
    model16 = tiny.tiny_model(channels=16)
    out = run(model_=model16, latent=tiny.tiny_latent(channels=16))["samples"]
    assert out.shape == (3, 16, 8, 8)
    empty = {"samples": torch.zeros(1, 4, 8, 8)}  # An empty 4-channel latent is widened.
    assert run(model_=model16, latent=empty)["samples"].shape == (3, 16, 8, 8)


def test_two_runs_are_bit_identical(run):
    settings = dict(
        unsample_latents=True, use_latent_interpolation=True, sampler_name="dpmpp_2m_sde"
    )
    assert torch.equal(run(**settings)["samples"], run(**settings)["samples"])


def test_noise_mask_kept_and_output_on_intermediate_device(run, tiny):
    import comfy.model_management

    latent = tiny.tiny_latent()
    latent["noise_mask"] = torch.ones(1, 1, 8, 8)
    out = run(latent=latent)
    assert out["noise_mask"] is latent["noise_mask"]
    assert out["samples"].device == comfy.model_management.intermediate_device()


def _counting(model):
    """A clone of `model` that counts model evaluations (one apply_model call each)."""
    calls = []
    counted = model.clone()

    def wrapper(apply_model, args):
        calls.append(1)
        return apply_model(args["input"], args["timestep"], **args["c"])

    counted.set_model_unet_function_wrapper(wrapper)
    return counted, calls


@pytest.mark.parametrize("unsample", [False, True])
def test_model_evaluations_per_frame_equal_the_plan(run, sampler_cls, model, monkeypatch, unsample):
    import seqsampler.comfy_adapter.runner as adapter_run
    from seqsampler.planning import SequenceConfig, plan

    counted, calls = _counting(model)
    per_frame = []
    original = adapter_run.run_sequence

    def recording(*args, **kwargs):
        def on_frame(frame_plan, latent):
            per_frame.append(len(calls) - sum(per_frame))

        return original(*args, on_frame=on_frame, **kwargs)

    monkeypatch.setattr(adapter_run, "run_sequence", recording)
    settings = dict(frame_count=4, steps=6, unsample_latents=unsample, sampler_name="euler")
    run(model_=counted, **settings)
    inputs = node_defaults(sampler_cls)
    inputs.update(settings)
    inputs = {k: v for k, v in inputs.items() if k in SequenceConfig.__dataclass_fields__}
    expected = [
        f.sample_steps + f.unsample_steps
        for f in plan(SequenceConfig(**inputs, positive_count=2, negative_count=1)).frames
    ]
    assert per_frame == expected


def test_one_progress_bar_over_the_run_with_previews(run, monkeypatch):
    import comfy.cli_args
    import comfy.utils

    seen = []
    monkeypatch.setattr(
        comfy.cli_args.args, "preview_method", comfy.cli_args.LatentPreviewMethod.Latent2RGB
    )
    monkeypatch.setattr(
        comfy.utils, "PROGRESS_BAR_HOOK", lambda value, total, preview, node_id=None: seen.append((value, total, preview))
    )  # fmt: skip
    run(frame_count=3, steps=4, denoise_sine=False, denoise_seq=0.5)
    assert {total for _, total, _ in seen} == {12}  # 4 + 4 + 4 sampler steps, one bar.
    values = [value for value, _, _ in seen]
    assert values == sorted(values) and values[-1] == 12
    previews = [preview for _, _, preview in seen if preview is not None]
    assert len(previews) == 12 and previews[0][0] == "JPEG"


def test_cancel_stops_within_one_model_evaluation(run, model):
    import comfy.model_management

    counted, calls = _counting(model)
    inner = counted.model_options["model_function_wrapper"]

    def cancelling(apply_model, args):
        if len(calls) == 5:
            comfy.model_management.interrupt_current_processing(True)
        return inner(apply_model, args)

    counted.set_model_unet_function_wrapper(cancelling)
    try:
        with pytest.raises(comfy.model_management.InterruptProcessingException):
            run(model_=counted, frame_count=3, steps=4)
    finally:
        comfy.model_management.interrupt_current_processing(False)
    assert len(calls) == 6


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"prompts": 0}, "positive_seq is an empty conditioning list"),
        ({"negatives": 0}, "negative_seq is an empty conditioning list"),
        ({"latent": {"samples": torch.full((1, 4, 8, 8), float("nan"))}}, "NaN"),
        ({"latent": {"noise": torch.zeros(1, 4, 8, 8)}}, "latent_image must be a LATENT"),
        ({"sampler_name": "nope"}, "sampler_name must be one of"),
        ({"scheduler": "nope"}, "scheduler must be one of"),
    ],
)
def test_bad_inputs_are_named(run, overrides, message):
    with pytest.raises(ValueError, match=message):
        run(**overrides)


def test_different_widths_are_refused(sampler_cls, model, tiny):
    wide = [torch.zeros(1, 77, 32), {}]
    with pytest.raises(ValueError, match="different widths"):
        sampler_cls().sample(
            model=model,
            positive_seq=[tiny.tiny_conditioning(1)[0], wide],
            negative_seq=tiny.tiny_conditioning(2),
            latent_image=tiny.tiny_latent(),
            **node_defaults(sampler_cls),
        )


@pytest.mark.parametrize("extra", ["batch_index", "noise_mask", "both"])
def test_one_frame_with_batch_index_and_mask_equals_comfy_ksampler(comfy, run, model, tiny, extra):
    latent = tiny.tiny_latent(seed=4, batch=2)
    if extra != "noise_mask":
        latent["batch_index"] = [3, 1]
    if extra != "batch_index":
        latent["noise_mask"] = torch.linspace(0, 1, 64).reshape(1, 1, 8, 8)
    ours = run(
        prompts=1, latent=latent, frame_count=1, seed=77, steps=4, denoise_start=0.7,
        scheduler="normal",
    )  # fmt: skip
    with torch.inference_mode():
        (theirs,) = comfy.common_ksampler(
            model, 77, 4, 8.0, "euler", "normal", tiny.tiny_conditioning(10),
            tiny.tiny_conditioning(50), latent, denoise=0.7,
        )  # fmt: skip
    assert torch.equal(ours["samples"], theirs["samples"])


def test_frames_chain_like_comfy_ksampler_and_ksampler_advanced(comfy, run, model, tiny):
    """Frame 1 is KSampler img2img of frame 0 (plain), or ComfyUI's own unsample (reversed
    sigmas through sample_custom) then KSamplerAdvanced with add_noise off (unsample path)."""
    import comfy.sample as comfy_sample
    import comfy.samplers as comfy_samplers

    settings = dict(prompts=1, frame_count=2, seed=5, steps=6, inject_noise=False,
                    denoise_sine=False, denoise_seq=0.5, seed_keying=False,
                    scheduler="normal")  # fmt: skip
    positive, negative = tiny.tiny_conditioning(10), tiny.tiny_conditioning(50)
    plain = run(**settings)["samples"]
    unsampled = run(unsample_latents=True, **settings)["samples"]
    x0 = {"samples": plain[:1]}
    with torch.inference_mode():
        (frame1,) = comfy.common_ksampler(
            model, 6, 6, 8.0, "euler", "normal", positive, negative, x0, denoise=0.5
        )
        k = 3
        sigmas = comfy_samplers.KSampler(model, 6, model.load_device, "euler", "normal", 1.0).sigmas
        reverse = sigmas[k:].flip(0).clone()
        reverse[0] = 1e-4
        inverted = comfy_sample.sample_custom(
            model, torch.zeros_like(plain[:1]), 8.0, comfy_samplers.sampler_object("euler"),
            reverse, positive, negative, plain[:1], seed=6,
        )  # fmt: skip
        (resampled,) = comfy.common_ksampler(
            model, 6, 6, 8.0, "euler", "normal", positive, negative, {"samples": inverted},
            denoise=1.0, disable_noise=True, start_step=k, last_step=6, force_full_denoise=True,
        )  # fmt: skip
    assert torch.equal(plain[1:], frame1["samples"])
    assert torch.equal(unsampled[:1], plain[:1])
    assert torch.equal(unsampled[1:], resampled["samples"])


def test_batches_are_frame_major(run, tiny):
    latent = tiny.tiny_latent(batch=2)
    out = run(latent=latent, frame_count=3)["samples"]
    assert out.shape == (6, 4, 8, 8)
    single = run(latent={"samples": latent["samples"][:1]}, frame_count=3)["samples"]
    assert not torch.equal(out[0::2], out[1::2]) and single.shape == (3, 4, 8, 8)


def test_the_users_model_is_left_untouched(run, model):
    before = (dict(model.model_options), {k: dict(v) for k, v in model.wrappers.items()})
    run(alternate_mode=True)  # The published sample() keyword is accepted, and unused.
    after = (dict(model.model_options), {k: dict(v) for k, v in model.wrappers.items()})
    assert before == after


@pytest.mark.parametrize("sampler_name", ["euler", "dpmpp_2m", "lms", "ipndm", "deis"])
def test_unsample_then_resample_reconstructs_the_frame(comfy, model, tiny, sampler_name):
    """The inversion runs up the same schedule the resample runs down (cfg 1, many steps)."""
    from seqsampler.comfy_adapter.frame_sampler import ComfyFrameSampler
    from seqsampler.conditioning import Conditioning
    from seqsampler.sampling.inversion import SELF_INVERTING
    from seqsampler.sequence import FrameCall

    assert sampler_name in SELF_INVERTING
    positive = Conditioning.from_comfy(tiny.tiny_conditioning(10)[0])
    negative = Conditioning.from_comfy(tiny.tiny_conditioning(50)[0])
    frame_sampler = ComfyFrameSampler(model, sampler_name, "karras")
    call = FrameCall(positive, negative, seed=0, steps=24, cfg=1.0)
    with torch.inference_mode():
        x0 = frame_sampler.sample(tiny.tiny_latent()["samples"], call)
        up = frame_sampler.unsample(x0, call, start_step=8)
        down = frame_sampler.sample(up, call, start_step=8, add_noise=False)
    error, moved = float((down - x0).abs().mean()), float((up - x0).abs().mean())
    assert error < 1e-2 * float(x0.abs().mean()) and error < moved / 10, (error, moved)
