"""The seed rules (behaviour.md §4) and the pinned derived-seed formulas (never to change)."""

from __future__ import annotations

from seqsampler.planning.seeds import (
    derive,
    frame_seed,
    inject_seed,
    mix64,
    random_seed,
    sine_offset,
    step_seed,
    warp_seed,
)

# Golden values: changing any of these changes every saved sequence. Never update them.
GOLDEN_MIX64 = {
    0: 0,
    1: 0x5692161D100B05E5,
    0x9E3779B97F4A7C15: 0xE220A8397B1DCDAF,
}
RANDOM_0_1 = 3690972847864193778
RANDOM_12345_7 = 10064987337312483346
RANDOM_MAX_1024 = 5997206386489992327
INJECT_0_1 = 7005806136909753422
INJECT_12345_7 = 13658117454184707691
WARP_0_1 = 17691598164667319687
WARP_12345_7 = 11891735061671390953
STEP_0_1 = 14432199006676357295
STEP_12345_7 = 16950367810479896090


def test_mix64_is_splitmix64_finalizer():
    # SplitMix64's first output for state 0 is mix64(0 + gamma) = 0xE220A8397B1DCDAF.
    for z, expected in GOLDEN_MIX64.items():
        assert mix64(z) == expected


def test_random_and_inject_seed_goldens():
    assert random_seed(0, 1) == RANDOM_0_1
    assert random_seed(12345, 7) == RANDOM_12345_7
    assert random_seed(2**64 - 1, 1024) == RANDOM_MAX_1024
    assert inject_seed(0, 1) == INJECT_0_1
    assert inject_seed(12345, 7) == INJECT_12345_7
    assert derive(0, 0, 0) == 0
    assert warp_seed(0, 1) == WARP_0_1
    assert warp_seed(12345, 7) == WARP_12345_7
    assert step_seed(0, 1) == STEP_0_1
    assert step_seed(12345, 7) == STEP_12345_7


def test_streams_differ():
    for s in (0, 1, 12345, 2**64 - 1):
        for i in range(1, 20):
            assert random_seed(s, i) != inject_seed(s, i)
            assert inject_seed(s, i) != s
            assert warp_seed(s, i) not in (s, inject_seed(s, i), random_seed(s, i))
            others = (s, inject_seed(s, i), random_seed(s, i), warp_seed(s, i))
            assert step_seed(s, i) not in others


def test_sine_offset_same_phase_same_offset():
    for d in (2, 3, 4, 7, 12, 1024):
        for i in range(3 * d):
            assert sine_offset(i, d) == sine_offset(i % d, d)
    assert [sine_offset(i, 4) for i in range(5)] == [0, 1000, 0, -1000, 0]


def _seeds(s, n, **kw):
    base = dict(mode="increment", keying=False, keying_mode="sine", divisor=4)
    base.update(kw)
    return [frame_seed(s, i, **base) for i in range(n)]


def test_seed_modes():
    assert _seeds(10, 4) == [10, 11, 12, 13]
    assert _seeds(1, 4, mode="decrement") == [1, 0, 2**64 - 1, 2**64 - 2]
    assert _seeds(7, 3, mode="fixed") == [7, 7, 7]
    assert _seeds(2**64 - 2, 3) == [2**64 - 2, 2**64 - 1, 0]
    rnd = _seeds(5, 4, mode="random")
    assert rnd[0] == 5 and rnd[1:] == [random_seed(5, i) for i in (1, 2, 3)]


def test_keyed_seeds_ignore_seed_mode():
    for mode in ("increment", "decrement", "random", "fixed"):
        assert _seeds(12345, 5, mode=mode, keying=True) == [12345, 13345, 12345, 11345, 12345]
        assert _seeds(12345, 6, mode=mode, keying=True, keying_mode="modulo") == [
            12345, 12345, 12345, 12345, 12349, 12345,
        ]  # fmt: skip
