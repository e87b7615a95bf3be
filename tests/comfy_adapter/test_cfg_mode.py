"""`cfg_mode` in the ComfyUI nodes: the one-pass hook's relation (pure, a fake cond batch), the
widgets derived from the shared field, and against a real ComfyUI (COMFYUI_PATH) the model
evaluations counted at the model (a 20-step frame: 21 batch items instead of 40), the first
call equal to full guidance, a model's own hook chained, flow models refused."""

from __future__ import annotations

import pytest
import torch

from seqsampler.comfy_adapter.guidance import OnceUncond
from seqsampler.comfy_adapter.scheduled_plan import (
    OPTIONAL_WIDGETS,
    scheduled_plan,
    widget_defaults,
)
from seqsampler.planning.fields import CFG_MODE

COND, UNCOND = ["c"], ["u"]


class FakeBatch:
    """A cond batch: D_c = x / 2 + sigma, D_u = x / 3 - sigma; records the conds it got."""

    def __init__(self):
        self.calls = []

    def __call__(self, args):
        x, sigma = args["input"], args["sigma"].reshape(-1, 1, 1, 1)
        self.calls.append(args["conds"])
        cond, uncond = args["conds"]
        return [x / 2 + sigma, None if uncond is None else x / 3 - sigma]


def _args(x, sigma, conds=(COND, UNCOND)):
    return {"conds": list(conds), "input": x, "sigma": torch.tensor(sigma), "model": None,
            "model_options": {}}  # fmt: skip


def test_the_hook_carries_the_uncond_noise_estimate_as_the_library_does():
    batch = FakeBatch()
    hook = OnceUncond(batch)
    x0, x1 = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    first = hook(_args(x0, [2.0, 2.0]))
    assert torch.equal(first[1], x0 / 3 - 2.0)  # both branches: what full guidance gets
    eps_u = (x0 - (x0 / 3 - 2.0)) / 2.0  # (x_0 - D_u(x_0, s_0)) / s_0
    second = hook(_args(x1, [0.5, 0.5]))
    assert batch.calls[1] == [COND, None]  # the cond branch alone
    assert torch.equal(second[0], x1 / 2 + 0.5)
    assert torch.allclose(second[1], x1 - 0.5 * eps_u)  # D_u(x_k, s_k) = x_k - s_k eps_u
    hook.reset()
    hook(_args(x1, [1.0, 1.0]))
    assert batch.calls[2] == [COND, UNCOND]  # a new pass evaluates both again


def test_the_hook_keeps_nothing_at_cfg_1_or_sigma_0():
    batch = FakeBatch()
    hook = OnceUncond(batch)
    x = torch.randn(1, 4, 2, 2)
    hook(_args(x, [1.0], (COND, None)))  # cfg 1: ComfyUI passes no uncond
    hook(_args(x, [0.0]))
    hook(_args(x, [1.0]))
    assert batch.calls == [[COND, None], [COND, UNCOND], [COND, UNCOND]]
    hook(_args(x, [0.5]))
    assert batch.calls[-1] == [COND, None]


def test_cfg_mode_comes_from_the_shared_field():
    from seqsampler.cli.spec.fields import CLI_FIELDS

    assert CLI_FIELDS["cfg_mode"] == (CFG_MODE.default, CFG_MODE.help) == ("full", CFG_MODE.help)
    name, kind, options = OPTIONAL_WIDGETS[-2]  # then cadence (test_comfy_cadence.py)
    assert (name, kind, options["tooltip"]) == ("cfg_mode", ["full", "once"], CFG_MODE.help)
    widgets = {**widget_defaults(), "frame_count": 4, "prompt_schedule": '"0": "a"'}
    full = scheduled_plan(**widgets, cfg_mode="full").plan
    assert scheduled_plan(**widgets, cfg_mode="once").plan == full  # the plan does not change


def _counted(model, counts):
    """A clone of `model` whose every model call adds its batch size to `counts`."""
    import comfy.patcher_extension

    def count(executor, x, *args, **kwargs):
        counts.append(x.shape[0])
        return executor(x, *args, **kwargs)

    clone = model.clone()
    clone.add_wrapper_with_key(comfy.patcher_extension.WrappersMP.APPLY_MODEL, "count", count)
    return clone


def _ksampler(comfy, model, tiny, **changes):
    from test_comfy_nodes import node_defaults

    node = comfy.NODE_CLASS_MAPPINGS["KSamplerSeq2"]
    inputs = {**node_defaults(node), "steps": 20, "cfg": 7.0, "frame_count": 2,
              "denoise_sine": False, "denoise_seq": 0.5, **changes}  # fmt: skip
    (out,) = node().sample(
        model=model, positive_seq=[tiny.tiny_conditioning(10)[0]],
        negative_seq=[tiny.tiny_conditioning(50)[0]], latent_image=tiny.tiny_latent(seed=3),
        **inputs,
    )  # fmt: skip
    return out["samples"]


@pytest.mark.comfyui
@pytest.mark.parametrize(
    ("unsample", "full", "once"),
    [(False, [40, 40], [21, 21]), (True, [40, 20 + 20], [21, 20 + 11])],
)
def test_a_20_step_frame_costs_21_evaluations_instead_of_40(comfy, model, tiny, unsample, full, once):  # fmt: skip
    """Per frame, batch items counted at the model: frame 0 samples 20 steps; frame 1 (denoise
    0.5) samples 20 steps of a 40-step schedule, or unsamples 10 steps (always full guidance)
    and resamples 10."""
    for mode, expected in (("full", full), ("once", once)):
        counts: list[int] = []
        _ksampler(comfy, _counted(model, counts), tiny, cfg_mode=mode, unsample_latents=unsample)
        assert len(counts) == 40  # one call per step: 20 for frame 0, 20 for frame 1
        assert [sum(counts[:20]), sum(counts[20:])] == expected, (mode, counts)


@pytest.mark.comfyui
def test_once_is_full_at_one_step_and_close_after(comfy, model, tiny):
    one = {"steps": 1, "frame_count": 1}
    assert torch.equal(_ksampler(comfy, model, tiny, cfg_mode="once", **one),
                       _ksampler(comfy, model, tiny, **one))  # fmt: skip
    once, full = _ksampler(comfy, model, tiny, cfg_mode="once"), _ksampler(comfy, model, tiny)
    assert torch.isfinite(once).all() and not torch.equal(once, full)


@pytest.mark.comfyui
def test_the_scheduled_node_counts_the_same(comfy, model, tiny):
    from test_comfy_scheduled import FakeClip, _call, widget_defaults

    counts: list[int] = []
    widgets = {**widget_defaults(), "frame_count": 2, "steps_schedule": "20", "cfg_schedule": "7",
               "denoise_schedule": "0:(1), 1:(0.5)", "cfg_mode": "once",
               "prompt_schedule": '"0": "a rose"'}  # fmt: skip
    _call(comfy.NODE_CLASS_MAPPINGS["SeqSamplerScheduled"], model=_counted(model, counts),
          clip=FakeClip(tiny), latent_image=tiny.tiny_latent(), **widgets)  # fmt: skip
    assert sum(counts) == 42 and len(counts) == 40


@pytest.mark.comfyui
def test_a_models_own_cond_batch_hook_is_chained(comfy, model, tiny):
    import comfy.samplers as samplers

    seen = []

    def own_hook(args):
        seen.append(args["conds"][1] is None)
        return samplers.calc_cond_batch(
            args["model"], args["conds"], args["input"], args["sigma"], args["model_options"]
        )

    hooked = model.clone()
    hooked.set_model_sampler_calc_cond_batch_function(own_hook)
    _ksampler(comfy, hooked, tiny, cfg_mode="once", frame_count=1)
    assert seen == [False] + [True] * 19  # called for every evaluated branch


@pytest.mark.comfyui
def test_a_flow_model_is_refused_before_sampling(comfy, model, tiny):
    from comfy_extras.nodes_model_advanced import ModelSamplingSD3

    (flow,) = ModelSamplingSD3().patch(model, shift=3.0)
    counts: list[int] = []
    with pytest.raises(ValueError, match="^cfg_mode: once needs a model sampled as x = x0"):
        _ksampler(comfy, _counted(flow, counts), tiny, cfg_mode="once")
    assert counts == []
    assert _ksampler(comfy, flow, tiny, cfg_mode="full", steps=2).isfinite().all()


def test_an_unknown_cfg_mode_is_named():
    from seqsampler.planning.fields import check_cfg_mode

    assert check_cfg_mode("once") == "once"
    with pytest.raises(ValueError, match=r"^cfg_mode: got 'half'; accepted: full, once$"):
        check_cfg_mode("half")
