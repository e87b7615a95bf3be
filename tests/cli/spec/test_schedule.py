"""Value schedules: every documented form, Deforum's in-between rules, and the error messages."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqsampler.planning.schedule import ScheduleError, is_schedule, parse_schedule, schedule_values


def test_number_forms():
    assert schedule_values(0.5, "cfg", 3) == [0.5, 0.5, 0.5]
    assert schedule_values(7, "cfg", 2) == [7.0, 7.0]
    assert schedule_values("7.5", "cfg", 2) == [7.5, 7.5]
    assert not is_schedule(7.5) and not is_schedule("7.5")
    assert is_schedule("0:(1)") and is_schedule({"0": 1})


def test_numeric_keys_interpolate_linearly_and_hold_outside():
    values = schedule_values("2:(1), 6:(3)", "cfg", 9)
    assert values == [1, 1, 1, 1.5, 2, 2.5, 3, 3, 3]


def test_expression_key_evaluated_each_frame_until_next_key():
    values = schedule_values("0:(t), 3:(10), 5:(2*t)", "cfg", 8)
    # 0..2: t; 3 -> 5 linear from 10 to the expression's value at 5 (10); 5..7: 2t to the end.
    assert values == [0, 1, 2, 10, 10, 10, 12, 14]


def test_numeric_key_interpolates_toward_next_expression_value():
    values = schedule_values("0:(0), 4:(t)", "cfg", 6)
    assert values == [0, 1, 2, 3, 4, 5]


def test_before_first_expression_key_takes_its_value_at_its_key():
    assert schedule_values("2:(t*10)", "cfg", 4) == [20, 20, 20, 30]


def test_variables_and_functions():
    values = schedule_values("0:(0.5 + 0.1*sin(2*pi*t/4))", "denoise_seq", 5)
    assert values == pytest.approx([0.5 + 0.1 * math.sin(2 * math.pi * t / 4) for t in range(5)])
    assert schedule_values("0:(max_f)", "cfg", 5) == [4] * 5  # max_f = N - 1 (Deforum)
    assert schedule_values("0:(where(t < 2, 1, 2))", "cfg", 4) == [1, 1, 2, 2]
    assert schedule_values("0:(clamp(t, 1, 2))", "cfg", 4) == [1, 1, 2, 2]


def test_commas_inside_parentheses_and_trailing_comma_and_whitespace():
    text = """
        0: (max(1, 2)),
        "3": (min(t, 4, 5)),
    """
    assert schedule_values(text, "cfg", 5) == [2, 2, 2, 3, 4]


def test_bare_values_quoted_and_expression_keys():
    assert schedule_values("0:1, 'max_f':3", "cfg", 3) == [1, 2, 3]
    assert schedule_values("0:(1), max_f - 1:(3)", "cfg", 4) == [1, 2, 3, 3]


def test_mapping_form():
    assert schedule_values({"0": 1, 2: "t"}, "cfg", 4) == [1, 1.5, 2, 3]


def test_keys_sorted_whatever_the_order():
    assert schedule_values("4:(4), 0:(0)", "cfg", 5) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0:(0.5", "cfg: unclosed '(' at position 3"),
        ("0:(0.5)), 4:(1)", "cfg: unmatched ')' at position 8"),
        ("0 0.5", "cfg: entry '0 0.5' at position 1 has no ':'"),
        ("0:(1), 8:(2), 0:(3)", "cfg: key '0' at position 15 repeats frame 0"),
        ("0:(1), 4:(foo)", "cfg: key '4' at position 8: unknown name 'foo'"),
        ("0:(bar(t))", "cfg: key '0' at position 1: unknown function 'bar'"),
        ("0:(2 +)", "cfg: key '0' at position 1: invalid expression '2 +'"),
        ("-1:(2)", "cfg: key '-1' at position 1: gives -1.0; accepted: a whole frame number >= 0"),
        ("1.5:(2)", "cfg: key '1.5' at position 1: gives 1.5"),
        ("0:()", "cfg: key '0' at position 1: empty value"),
        (":(1)", "cfg: key '' at position 1: empty key"),
        (",0:(1)", "cfg: empty entry at position 1"),
        ("0:(1/0)", "cfg: key '0' at position 1: cannot evaluate '1/0' at t=0 (ZeroDivisionError"),
        ("0:(t), 3:(1/(t-4))", "cfg: key '3' at frame 4: cannot evaluate '1/(t-4)' at t=4"),
        ("0:('a')", "gives 'a'; a number is expected"),
        ("", "cfg: empty entry at position 1"),
    ],
)
def test_errors_name_field_key_and_position(text, message):
    with pytest.raises(ScheduleError) as info:
        schedule_values(text, "cfg", 6)
    assert message in str(info.value)


def test_no_eval_attribute_access_refused():
    with pytest.raises(ScheduleError):
        schedule_values("0:(t.__class__)", "cfg", 2)
    with pytest.raises(ScheduleError, match="unknown name"):
        schedule_values("0:(__import__)", "cfg", 2)


def test_parse_keeps_positions():
    keys = parse_schedule("0:(1),  12:(t)", "cfg", 20)
    assert [(k.frame, k.value, k.expression, k.position) for k in keys] == [
        (0, 1.0, None, 1),
        (12, None, "t", 9),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.integers(0, 40), st.floats(-100, 100, allow_nan=False), min_size=1, max_size=6
    ),
    st.integers(1, 48),
)
def test_numeric_keys_property(keys, frames):
    text = ", ".join(f"{k}:({v!r})" for k, v in keys.items())
    values = schedule_values(text, "cfg", frames)
    assert values == schedule_values(dict(keys), "cfg", frames)  # the table form agrees
    assert len(values) == frames
    lo, hi = min(keys.values()), max(keys.values())
    assert all(lo - 1e-9 <= v <= hi + 1e-9 for v in values)
    for k, v in keys.items():
        if k < frames:
            assert values[k] == v
    ordered = sorted(keys)
    for a, b in zip(ordered, ordered[1:], strict=False):
        segment = values[a : min(b, frames - 1) + 1]
        step = 1 if keys[b] >= keys[a] else -1
        assert all(step * (y - x) >= -1e-9 for x, y in zip(segment, segment[1:], strict=False))
