"""Variants in one batch (`seqsampler.variants`) on the embedded model: each variant's frames
equal its frames rendered alone within the stated tolerance, one variant is bit-identical, every
draw comes from the variant's own seed, and plans that cannot share a batch are refused."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from seqsampler import SequenceConfig, plan, run_sequence
from seqsampler.frame_sampler import StandaloneFrameSampler
from seqsampler.models.embedded import EMBEDDED_DIR
from seqsampler.sequence import FrameCall, Resume
from seqsampler.variants import check_variant_plans, run_variants, variant_difference

HAS_EMBEDDED = (EMBEDDED_DIR / "model_index.json").is_file()
needs_model = pytest.mark.skipif(not HAS_EMBEDDED, reason="the embedded model's weights are absent")
# docs/cli.md "Batched variants": latents within 1e-3, uint8 pixels within 1.
LATENT_ATOL = 1e-3
PIXEL_ATOL = 1


def config(seed: int, **fields: object) -> SequenceConfig:
    base: dict = dict(
        frame_count=4,
        cond_keyframes=[2],
        positive_count=2,
        steps=3,
        cfg=4.0,
        sampler_name="euler",
        scheduler="karras",
        seed_keying=False,
        denoise_sine=False,
        inject_noise=True,
        noise_strength=0.1,
        use_conditioning_slerp=True,
        use_latent_interpolation=True,
        latent_interp_strength=0.8,
    )
    return SequenceConfig(seed=seed, **{**base, **fields})


@pytest.fixture(scope="module")
def model():
    from seqsampler.models.loader import load_model

    return load_model()


@pytest.fixture(scope="module")
def prompts(model):
    positive = [
        model.encode_prompt("a big red circle in the center, blue background"),
        model.encode_prompt("a big yellow square in the center, blue background"),
    ]
    return positive, [model.encode_prompt("")]


def pixels(model, latents: torch.Tensor) -> torch.Tensor:
    images = model.decode(latents).clamp(0, 1)
    return (images * 255).round().to(torch.int16)


@needs_model
@pytest.mark.parametrize(
    ("sampler", "extra"),
    [
        ("euler_ancestral", {}),  # i.i.d. per-step noise
        ("dpmpp_2m_sde", {}),  # Brownian per-step noise
        ("euler", {"unsample_latents": True, "latent_interpolation_mode": "Slerp"}),
    ],
)
def test_each_variant_matches_it_rendered_alone(model, prompts, sampler, extra):
    positive, negative = prompts
    seeds = [3, 4, 5]
    plans = [plan(config(s, sampler_name=sampler, **extra)) for s in seeds]
    frame_sampler = StandaloneFrameSampler(model.denoiser, sampler, "karras")
    init = torch.zeros(model.latent_shape(32, 32, 1))
    alone = [run_sequence(p, frame_sampler, positive, negative, init) for p in plans]
    batched = run_variants(plans, frame_sampler, positive, negative, init)
    assert batched is not None and batched.shape == (4, 3, *init.shape[1:])
    for k in range(len(seeds)):
        assert torch.allclose(batched[:, k], alone[k], atol=LATENT_ATOL, rtol=0), f"variant {k}"
        difference = (pixels(model, batched[:, k]) - pixels(model, alone[k])).abs().max()
        assert difference <= PIXEL_ATOL, f"variant {k}: pixels differ by {difference}"
    # The variants are different images: a draw from another variant's seed would show.
    assert (alone[0] - alone[1]).abs().max() > 100 * LATENT_ATOL


@needs_model
def test_one_variant_is_bit_identical_and_leaves_global_rng_alone(model, prompts):
    positive, negative = prompts
    the_plan = plan(config(9, sampler_name="euler_ancestral"))
    frame_sampler = StandaloneFrameSampler(model.denoiser, "euler_ancestral", "karras")
    init = torch.zeros(model.latent_shape(32, 32, 1))
    state = torch.get_rng_state()
    batched = run_variants([the_plan], frame_sampler, positive, negative, init)
    assert torch.equal(torch.get_rng_state(), state)
    alone = run_sequence(the_plan, frame_sampler, positive, negative, init)
    assert batched is not None and torch.equal(batched[:, 0], alone)


@needs_model
def test_resume_continues_every_variant(model, prompts):
    positive, negative = prompts
    plans = [plan(config(s)) for s in (1, 2)]
    frame_sampler = StandaloneFrameSampler(model.denoiser, "euler", "karras")
    init = torch.zeros(model.latent_shape(32, 32, 1))
    full = run_variants(plans, frame_sampler, positive, negative, init)
    assert full is not None
    resumes = [Resume(2, full[1, k : k + 1]) for k in range(2)]
    rest = run_variants(plans, frame_sampler, positive, negative, init, resumes=resumes)
    assert rest is not None and torch.equal(rest, full[2:])


def test_variant_difference_names_what_differs():
    a, b = plan(config(1)), plan(config(2))
    assert variant_difference(a, b) is None
    assert variant_difference(a, plan(config(1, steps=5))) == "frame 0: steps: 3 vs 5"
    assert variant_difference(a, plan(config(1, frame_count=5))) == "frame_count: 4 vs 5"
    # Injecting noise or not is not a seed: it changes what the frame does.
    assert variant_difference(a, plan(config(1, inject_noise=False))) == (
        "frame 1: inject_noise_seed: 0 vs None"
    )


def test_plans_that_cannot_share_a_batch_are_refused():
    with pytest.raises(ValueError, match=r"plans\[1\] differs from plans\[0\] in more than its "):
        check_variant_plans([plan(config(1)), plan(config(2, cfg=5.0))])
    with pytest.raises(ValueError, match="non-empty list of seqsampler Plans"):
        check_variant_plans([])


class NoItemSeeds:
    def sample(self, x, call, **_):
        return x

    def unsample(self, x, call, **_):
        return x


def test_run_variants_checks_before_any_model_work():
    from seqsampler.conditioning import Conditioning

    cond = Conditioning(torch.zeros(1, 2, 4))
    plans = [plan(config(s)) for s in (1, 2)]
    init = torch.zeros(1, 3, 4, 4)
    with pytest.raises(ValueError, match="cannot draw per-item seeds"):
        run_variants(plans, NoItemSeeds(), [cond, cond], [cond], init)
    sampler = StandaloneFrameSampler(FakeDenoiser(), "euler", "karras")
    with pytest.raises(ValueError, match=r"init_latent must hold 1 or 2 items"):
        run_variants(plans, sampler, [cond, cond], [cond], torch.zeros(3, 3, 4, 4))
    with pytest.raises(ValueError, match="resumes must all start at one frame"):
        resumes = [Resume(1, init), None]
        run_variants(plans, sampler, [cond, cond], [cond], init, resumes=resumes)
    with pytest.raises(ValueError, match=r"feedbacks must hold one entry per plan \(2\); got 1"):
        run_variants(plans, sampler, [cond, cond], [cond], init, feedbacks=[None])
    assert sampler.model_evaluations == 0


class FakeDenoiser:
    """A denoiser that halves its input: the output depends on every noise draw."""

    def __init__(self):
        from seqsampler.sampling.sigma_space import SigmaSpace

        self.sigma_space = SigmaSpace.from_betas(torch.linspace(1e-4, 2e-2, 100))

    def __call__(self, x, sigma, cond):
        return 0.5 * x


def test_frame_call_seeds_draw_each_item_as_alone():
    from seqsampler.conditioning import Conditioning

    cond = Conditioning(torch.zeros(1, 2, 4))
    sampler = StandaloneFrameSampler(FakeDenoiser(), "euler_ancestral", "karras")
    x = torch.zeros(2, 3, 4, 4)
    call = FrameCall(cond, cond, 0, 3, 1.0)
    batched = sampler.sample(x, dataclasses.replace(call, seeds=(7, 8)))
    for k, seed in enumerate((7, 8)):
        alone = sampler.sample(x[k : k + 1], dataclasses.replace(call, seed=seed))
        assert torch.allclose(batched[k : k + 1], alone, atol=1e-6)
    assert (batched[0] - batched[1]).abs().max() > 0.1  # the items drew different noise
    with pytest.raises(ValueError, match=r"one seed per batch item \(2\); got 3"):
        sampler.sample(x, dataclasses.replace(call, seeds=(1, 2, 3)))
