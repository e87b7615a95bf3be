"""noise_warp reaches the sampler (issue 29 item 4): the fresh noise a frame sampler is given and
the injected eps added to its input are, at every frame, the previous frame's noise moved by the
frame's camera (as integral noise, `motion.integral_noise`), and they follow the previous
frame's noise moved by the matrix, not by its inverse. Without noise_warp a fixed seed's noise
stays on screen."""

from __future__ import annotations

import torch
from test_camera import with_motion
from test_sequence import FakeSampler, conds

from seqsampler import run_sequence
from seqsampler.camera import motion_matrix
from seqsampler.camera_noise import NoiseWarp
from seqsampler.motion.integral_noise import IntegralNoise
from seqsampler.motion.warp import warp
from seqsampler.noise import generator
from seqsampler.planning import FrameMotion, warp_seed

SIZE = (24, 20)  # (W, H): the latent is the image (a pixel-space model), so no grid scaling
MOVE = FrameMotion(zoom=1.04, angle=3.0, translation_x=0.7, translation_y=-0.4)
STRENGTH = 0.1
EDGE = 4


def chain_noises(**config):
    """Run 4 frames of MOVE through run_sequence with NoiseWarp; the fresh noise each sample
    call was given, and the eps added to each frame's input (input - x over the strength)."""
    p = with_motion(4, {i: MOVE for i in range(1, 4)}, inject_noise=True,
                    noise_strength=STRENGTH, **config)  # fmt: skip
    sampler = FakeSampler()
    x = torch.zeros((1, 3, SIZE[1], SIZE[0]))
    c = conds(1, t=4, d=2)
    # feedback: every frame's input is zeros, so the sample call's input is strength * eps
    run_sequence(p, sampler, c, c, x, noise=NoiseWarp(p, SIZE),
                 feedback=lambda frame, out: torch.zeros_like(out))  # fmt: skip
    fresh = [args["noise"] for kind, args, _ in sampler.calls]
    eps = [given / STRENGTH for kind, args, given in sampler.calls]
    return p, fresh, eps


def correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).mean() / (a.std() * b.std()))


def test_the_samplers_noise_is_the_previous_frames_moved_by_the_camera():
    p, fresh, eps = chain_noises(seed_mode_seq="increment")
    m = torch.tensor(motion_matrix(MOVE, SIZE), dtype=torch.float64)
    inner = (..., slice(EDGE, -EDGE), slice(EDGE, -EDGE))
    # each frame's noise follows the previous one moved by m (bilinearly resampled: a sub-cell
    # move mixes neighbours), far more than it follows the previous one moved the wrong way
    for before, after in [
        *zip(fresh, fresh[1:], strict=False),
        *zip(eps[1:], eps[2:], strict=False),
    ]:
        along = correlation(after[inner], warp(before, m)[inner])
        against = correlation(after[inner], warp(before, torch.linalg.inv(m))[inner])
        assert along > 0.55 and along > 3 * against, (along, against)
    # and it is exactly the integral noise of the first draw carried frame by frame, the
    # re-drawn cells from the warp seed of the frame's seed / inject seed
    field = IntegralNoise.start(cells(fresh[0]), generator(warp_seed(p.frames[0].seed, 0)))
    for k in (1, 2, 3):
        field, moved = field.moved(m).settle(generator(warp_seed(p.frames[k].seed, k)))
        assert torch.equal(fresh[k], moved.reshape(fresh[k].shape).float())
    seeds = [f.inject_noise_seed for f in p.frames]
    field = IntegralNoise.start(cells(eps[1]), generator(warp_seed(seeds[1], 1)))
    for k in (2, 3):
        field, moved = field.moved(m).settle(generator(warp_seed(seeds[k], k)))
        assert torch.allclose(eps[k], moved.reshape(eps[k].shape).float(), atol=1e-5)


def cells(noise: torch.Tensor) -> torch.Tensor:
    """[B, C, h, w] as IntegralNoise's [B·C, h, w]."""
    return noise.reshape(-1, *noise.shape[-2:])


def test_the_noise_is_still_standard_normal_and_not_stuck_to_the_screen():
    _, fresh, _ = chain_noises(seed_mode_seq="fixed")
    assert not torch.equal(fresh[3], fresh[0])  # moved, though the seed is fixed
    for n in fresh:
        assert abs(float(n.mean())) < 0.1 and abs(float(n.std()) - 1) < 0.1


class Wiener:
    """A model that follows the camera: the posterior mean of a stationary Gaussian texture
    (power P per FFT frequency), D(x, sigma) = F⁻¹[P / (P + sigma²) F x], shift-equivariant."""

    def __init__(self, size: int) -> None:
        from seqsampler.sampling.sigma_space import SigmaSpace

        f = torch.fft.fftfreq(size, dtype=torch.float64)
        power = torch.exp(-(f.view(-1, 1) ** 2 + f.view(1, -1) ** 2) * (2 * torch.pi * 2.0) ** 2)
        self.power = power / power.mean() * 0.09
        self.sigma_space = SigmaSpace.from_betas(
            torch.linspace(0.00085**0.5, 0.012**0.5, 1000) ** 2
        )

    def __call__(self, x, sigma, cond):
        gain = self.power / (self.power + float(sigma.flatten()[0]) ** 2)
        return torch.fft.ifft2(torch.fft.fft2(x.double()) * gain).real.to(x.dtype)


def pan_flicker(seed_mode_seq: str, noise_warp: bool, size: int = 32, frames: int = 12) -> float:
    """Mean |f_i - f_(i-1) moved 1 px right| (the camera undone exactly) of a 1 px/frame pan
    at denoise 0.5 on the Wiener model from a sample of its prior, EDGE pixels in from the
    frame's edges (where the entering column and the filter's FFT wrap-around act)."""
    from seqsampler import SequenceConfig, plan
    from seqsampler.camera import MotionFeedback
    from seqsampler.coherence import pixel_space_codec
    from seqsampler.frame_sampler import StandaloneFrameSampler

    config = SequenceConfig(
        frame_count=frames, seed=7, seed_mode_seq=seed_mode_seq, seed_keying=False, steps=10,
        cfg=1.0, denoise_start=0.5, denoise_seq=0.5, denoise_sine=False, inject_noise=True,
        noise_strength=0.05, translation_x=1.0, noise_warp=noise_warp,
    )  # fmt: skip
    p = plan(config)
    feedback = MotionFeedback(p, (size, size), pixel_space_codec(), (-1.0, 1.0))
    hook = NoiseWarp(p, (size, size)) if noise_warp else None
    model = Wiener(size)
    white = torch.randn((1, 3, size, size), generator=torch.Generator().manual_seed(3))
    start = torch.fft.ifft2(torch.fft.fft2(white.double()) * model.power.sqrt()).real.float()
    c = conds(1, t=4, d=2)
    sampler = StandaloneFrameSampler(model, "euler", "karras")
    out = run_sequence(p, sampler, c, c, start, feedback=feedback, noise=hook)
    moved = (out[1:, ..., 1:] - out[:-1, ..., :-1])[..., EDGE:-EDGE, EDGE : -EDGE + 1]
    return float(moved.abs().mean())


def test_on_a_model_that_follows_the_camera_the_moving_noise_stops_the_flicker():
    """On a model whose output follows a pan, the issue's goal (noise_warp at least 20% below
    the better of fixed and increment) is met with room: 0.40x here (32x32, 12 frames; 0.19x at
    64x64 over 48 frames, bench/motion_flicker_ideal.py). A noise that did not move with the
    picture (stuck, or moved the wrong way) would give about fixed's flicker or increment's."""
    best = min(pan_flicker("fixed", False), pan_flicker("increment", False))
    assert pan_flicker("increment", True) < 0.6 * best
