"""The schedule helpers (1 - strength, Deforum's `s`, compact exact tables) and the TOML
emitter (escaping, comments, big ints), each checked by reading the result back."""

from __future__ import annotations

import random

import pytest

from seqsampler.importing import ImportResult, to_toml
from seqsampler.importing.result import comment_text
from seqsampler.importing.schedules import (
    compact_table,
    number_text,
    one_minus,
    table_values,
    uses_seed_symbol,
    with_seed,
)
from seqsampler.importing.toml_out import toml_string
from seqsampler.planning.schedule import schedule_values

from .helpers import tomllib


def test_one_minus_numbers_and_expressions():
    assert one_minus("0.65", "denoise_seq", 10) == "0.35"
    assert one_minus("0: (0.65), 25: (0.55)", "denoise_seq", 50) == "0:(0.35), 25:(0.45)"
    text = one_minus('0:(0.6), "max_f-2":(0.5 + 0.1*sin(t))', "denoise_seq", 20)
    assert text == '0:(0.4), "max_f-2":(1 - (0.5 + 0.1*sin(t)))'
    strength = schedule_values('0:(0.6), "max_f-2":(0.5 + 0.1*sin(t))', "s", 20)
    assert schedule_values(text, "d", 20) == pytest.approx([1 - v for v in strength], abs=1e-12)


def test_seed_symbol():
    assert uses_seed_symbol("0:(s), 1:(s+1)") and uses_seed_symbol("0:(2*s)")
    assert not uses_seed_symbol("0:(sin(t)), 1:(abs(t))") and not uses_seed_symbol("0:(1e-5)")
    assert with_seed("0:(s), 9:(s + t % 2)", 77) == "0:((77)), 9:((77) + t % 2)"


def test_number_text():
    assert [number_text(v) for v in (1 - 0.65, 1.0, -0.0, 1e-7, 0.1 + 0.2)] == [
        "0.35", "1", "0", "1e-07", "0.3",
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_compact_tables_reproduce_every_frame_exactly(seed):
    rng = random.Random(seed)
    frames = rng.randint(1, 60)
    values: list[float] = []
    while len(values) < frames:  # runs of equal values and single values, ints and floats
        value = rng.choice([rng.randint(0, 3), rng.random(), round(rng.uniform(-5, 5), 3)])
        values += [value] * rng.choice([1, 1, 2, 5])
    values = values[:frames]
    table = compact_table(values)
    assert table_values(table, "field", frames) == [float(v) for v in values]
    assert len(table) <= frames


def test_compact_table_drops_inner_frames_of_runs():
    assert compact_table([1, 1, 1, 2, 2, 2]) == {0: 1, 2: 1, 3: 2}
    assert compact_table([5.0]) == {0: 5.0}


NASTY = 'a "quoted" \\ back\tslash\nnew line \x00\x1b\x7f é 猫 \U0001f600 ]] # not a comment'


def test_strings_round_trip():
    assert tomllib.loads(f"v = {toml_string(NASTY)}")["v"] == NASTY


def test_a_result_round_trips_with_comments_that_cannot_break_out():
    result = ImportResult(
        spec={
            "model": "C:\\models\\x.safetensors",
            "frame_count": 24,
            "cfg": 7.5,
            "inject_noise": False,
            "seed": 2**64 - 1,  # beyond TOML's ints: written as a string, as the spec takes it
            "formats": ["mp4", "gif"],
            "prompts": {"0": NASTY, "12": "b"},
            "noise_strength": {"0": 0.001, "5": 0.05},
        },
        notes=['not carried: x = "line1\nline2 = 3" (why)', "weird \x7f\x00 note"],
        comments={"cfg": ["first\nsecond = 1"], "prompts": ["the prompts"]},
        header=["header\r\nwith = a break"],
    )
    text = to_toml(result, source="name\nwith newline")
    data = tomllib.loads(text)
    assert data == {**result.spec, "seed": str(2**64 - 1)}
    assert list(data) == list(result.spec)  # order kept
    comment_lines = [line for line in text.splitlines() if line.startswith("#")]
    assert any("line1\\u000aline2" in line for line in comment_lines)
    assert all(not any(c in line for c in "\x00\x7f\r") for line in text.splitlines())


def test_comment_text_escapes_controls_but_keeps_tabs_and_unicode():
    assert comment_text("a\tb é\n\x7f") == "a\tb é\\u000a\\u007f"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object()])
def test_values_outside_the_subset_are_refused(value):
    with pytest.raises(ValueError, match="spec value"):
        to_toml(ImportResult(spec={"cfg": value}, notes=[]))
