"""Per-frame seeds (behaviour.md §4), the inject-noise seed (§6), the noise-warp and step-noise
seeds (§13).

Pure integer arithmetic: every seed is an int in [0, 2**64); all arithmetic wraps modulo 2**64.

The derived seeds use SplitMix64's finalizer (Steele, Lea, Flood 2014; `mix64` below),
written down here once and pinned by golden values in tests/plan/test_seeds.py. They never change:
changing them changes every saved sequence.

    mix64(z):   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9  mod 2**64
                z = (z ^ (z >> 27)) * 0x94D049BB133111EB  mod 2**64
                return z ^ (z >> 31)
    derive(stream, s, i) = mix64((mix64(s ^ stream) + i * 0x9E3779B97F4A7C15) mod 2**64)

    random-mode seed of frame i > 0:   derive(0x52414E444F4D5345, s, i)       ("RANDOMSE")
    inject-noise seed of frame i:      derive(0x494E4A4543544E53, seed_i, i)  ("INJECTNS")
    noise-warp seed of frame i:        derive(0x4E4F495345575250, s_i, i)     ("NOISEWRP")
    step-noise seed of frame i:        derive(0x535445504E4F4953, seed_i, i)  ("STEPNOIS")

`s` is the base seed, `seed_i` the frame's own seed (after schedules). The two streams have
distinct constants, so an inject seed never equals the random-mode seed of the same inputs
by construction, and the inject noise differs from the frame's fresh noise (drawn from
`seed_i` itself). The noise-warp seed (`noise_warp`'s draws for the cells that enter the
frame, behaviour.md §13) takes `s_i` = the frame's seed or its inject seed: on its own stream, it
never repeats a draw of the noise being warped, even where frame seeds repeat (a fixed seed).
The step-noise seed draws the per-step noise layers of a stochastic sampler that `noise_warp`
moves with the scene (§13), apart from the frame's fresh noise (`seed_i`) and its inject noise.
"""

from __future__ import annotations

import math

from .names import SEED_LIMIT

MASK64 = SEED_LIMIT - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15
STREAM_RANDOM = 0x52414E444F4D5345  # ASCII "RANDOMSE"
STREAM_INJECT = 0x494E4A4543544E53  # ASCII "INJECTNS"
STREAM_WARP = 0x4E4F495345575250  # ASCII "NOISEWRP"
STREAM_STEP = 0x535445504E4F4953  # ASCII "STEPNOIS"


def mix64(z: int) -> int:
    """SplitMix64's output finalizer: a bijection of [0, 2**64)."""
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def derive(stream: int, seed: int, index: int) -> int:
    """A seed in [0, 2**64) derived from `(seed, index)` on a named stream (see module doc)."""
    return mix64((mix64(seed ^ stream) + index * GOLDEN_GAMMA) & MASK64)


def random_seed(seed: int, index: int) -> int:
    """The `random` mode's seed of frame `index > 0`: a fixed hash of (seed, index)."""
    return derive(STREAM_RANDOM, seed, index)


def inject_seed(frame_seed: int, index: int) -> int:
    """The seed of frame `index`'s inject-noise generator, derived from the frame's seed."""
    return derive(STREAM_INJECT, frame_seed, index)


def sine_offset(index: int, divisor: int) -> int:
    """round(1000 * sin(2*pi*i/D)), with the phase reduced to i mod D first, so frames of the
    same phase always get the same integer offset (Python's round: halves to even)."""
    return round(1000 * math.sin(2 * math.pi * (index % divisor) / divisor))


def frame_seed(
    seed: int, index: int, *, mode: str, keying: bool, keying_mode: str, divisor: int
) -> int:
    """The seed of frame `index` from the node's rules (behaviour.md §4)."""
    if index == 0:
        return seed
    if keying:
        if keying_mode == "sine":
            return (seed + sine_offset(index, divisor)) & MASK64
        return (seed + index) & MASK64 if index % divisor == 0 else seed
    if mode == "increment":
        return (seed + index) & MASK64
    if mode == "decrement":
        return (seed - index) & MASK64
    if mode == "random":
        return random_seed(seed, index)
    return seed  # "fixed"


def warp_seed(seed: int, index: int) -> int:
    """The seed of frame `index`'s noise-warp draws for a noise drawn from `seed` (the frame's
    seed or its inject seed): the cells that enter the frame and the regaussianisation."""
    return derive(STREAM_WARP, seed, index)


def step_seed(frame_seed: int, index: int) -> int:
    """The seed of frame `index`'s step-noise layers (`noise_warp` with a stochastic sampler:
    the per-step noise it moves with the scene), derived from the frame's seed."""
    return derive(STREAM_STEP, frame_seed, index)
