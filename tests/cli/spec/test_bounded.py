"""Issue 11: a spec cannot hang or exhaust the CLI (docs/cli.md "Limits").

Each hostile example runs `seqsampler plan` / `render` in a subprocess (with an address-space
limit, so a regression fails instead of swapping): it must exit 2 within a time bound with one
line `seqsampler: error: ...`, and its peak RSS may grow by less than 200 MB. The fuzz tests
feed the schedule evaluator and the spec loader arbitrary text, numbers and nested YAML: only a
SpecError / ValueError comes out, each call within a time bound.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqsampler
from seqsampler.cli.spec.fields import (
    MAX_DEPTH,
    MAX_FRAMES,
    MAX_PROMPT_CHARS,
    MAX_PROMPTS,
    MAX_SCHEDULE_CHARS,
    MAX_SCHEDULE_KEYS,
    MAX_SPEC_BYTES,
    SpecError,
    short_repr,
)
from seqsampler.cli.spec.file import load_spec_file, parse_flag_value
from seqsampler.cli.spec.resolve import resolve_spec
from seqsampler.planning import SequenceConfig, plan
from seqsampler.planning.schedule import MAX_EXPRESSION_CHARS, ScheduleError, schedule_values

# The time bound of one hostile spec's work (plan or render, after start-up): generous, so a loaded
# 2-core machine passes, while an unbounded evaluation (the pow tower, alias expansion) never does.
SECONDS = 30.0
RSS_MB = 200  # the bound on its peak RSS growth
SRC = str(Path(seqsampler.__file__).resolve().parents[1])

# Runs main(argv) and reports the work's time and peak RSS growth on stderr's last line.
CHILD = """
import resource, sys, time
from seqsampler.cli.app import main
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    rc = main(sys.argv[1:])
finally:
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
    sys.stderr.write(f"\\nBOUNDS {time.perf_counter() - start:.3f} {grown}\\n")
sys.exit(rc)
"""


def _limit_memory() -> None:
    limit = 4 << 30  # 4 GiB of address space: a runaway child fails fast
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_cli(*argv: str, cwd: Path) -> tuple[int, str]:
    """Exit status and the error lines of `seqsampler ARGV` in a bounded subprocess."""
    env = {**os.environ, "PYTHONPATH": SRC, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
    )
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("BOUNDS "), proc.stderr[-2000:]
    seconds, grown_kb = lines[-1].split()[1:]
    assert float(seconds) < SECONDS, (argv, seconds)
    assert int(grown_kb) < RSS_MB * 1024, (argv, grown_kb)
    return proc.returncode, "\n".join(lines[:-1])


def assert_one_line_error(rc: int, err: str, *needles: str) -> None:
    assert rc == 2, err[-2000:]
    assert len(err.splitlines()) == 1, err[-2000:]
    assert err.startswith("seqsampler: error: "), err
    assert len(err) < 600, err
    for needle in needles:
        assert needle in err, (needle, err)


# ---- the review's examples, end to end -----------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("command", ["plan", "render"])
def test_pow_tower_in_a_schedule_is_refused_quickly(tmp_path, command):
    spec = tmp_path / "s.toml"
    spec.write_text(
        'prompts = "a red circle"\nframe_count = 4\ncfg = "0:(pow(9, pow(9, 9)) % 7)"\n'
    )
    rc, err = run_cli(command, str(spec), cwd=tmp_path)
    assert_one_line_error(rc, err, "cfg: key '0'", "t=0", "pow(9, pow(9, 9)) % 7", "2**64")


def test_huge_power_is_an_error_not_an_overflow_traceback(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a"\nframe_count = 4\ncfg = "0:(1), 2:(10**400)"\n')
    rc, err = run_cli("plan", str(spec), cwd=tmp_path)
    assert_one_line_error(rc, err, "cfg: key '2'", "10**400", "accepted")
    assert "Traceback" not in err and "OverflowError" not in err


def billion_laughs() -> str:
    levels = ["&a [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"&{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return 'prompts: ["a", "b"]\nframe_count: 4\ncond_keyframes: [' + ", ".join(levels) + "]\n"


def test_yaml_billion_laughs_is_refused_without_expanding(tmp_path):
    text = billion_laughs()
    assert len(text.encode()) < 600
    spec = tmp_path / "s.yaml"
    spec.write_text(text)
    rc, err = run_cli("plan", str(spec), cwd=tmp_path)
    assert_one_line_error(rc, err, "YAML alias", "s.yaml", "accepted")


def test_thousands_of_prompts_with_frame_count_0_hit_the_frame_cap(tmp_path):
    spec = tmp_path / "s.toml"
    prompts = ", ".join(f'"p{i}"' for i in range(3000))
    spec.write_text(f"frame_count = 0\nprompts = [{prompts}]\n")
    rc, err = run_cli("plan", str(spec), cwd=tmp_path)
    assert_one_line_error(rc, err, "prompts: 3000 prompts", f"at most {MAX_PROMPTS}")


def test_binary_spec_file_names_the_file(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_bytes(b"\xff\xfe\x00\x81" * 100)
    rc, err = run_cli("plan", str(spec), cwd=tmp_path)
    assert_one_line_error(rc, err, "s.toml", "not UTF-8")


def test_deeply_nested_toml_and_flag_values_are_errors(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('prompts = "a"\ncfg = ' + "[" * 5000 + "]" * 5000 + "\n")
    rc, err = run_cli("plan", str(spec), cwd=tmp_path)
    assert_one_line_error(rc, err, "s.toml")
    ok = tmp_path / "ok.toml"
    ok.write_text('prompts = "a"\n')
    rc, err = run_cli("plan", str(ok), "--cfg", "[" * 5000 + "]" * 5000, cwd=tmp_path)
    assert_one_line_error(rc, err, "cfg")


# ---- each bound, in process ----------------------------------------------------------------


def test_spec_file_size_is_capped_before_parsing(tmp_path):
    spec = tmp_path / "big.toml"
    spec.write_text('prompts = "a"\n' + "# padding\n" * (MAX_SPEC_BYTES // 10 + 1))
    with pytest.raises(SpecError, match=r"big.toml' is larger than 1048576 bytes"):
        load_spec_file(spec)


def test_yaml_depth_and_node_count_are_capped(tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_text("cfg: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    with pytest.raises(SpecError, match=f"more than {MAX_DEPTH} deep"):
        load_spec_file(deep)
    wide = tmp_path / "wide.yaml"
    wide.write_text("cond_keyframes: [" + "1," * 120_000 + "1]\n")
    with pytest.raises(SpecError, match="more than 100000 values"):
        load_spec_file(wide)
    anchor_only = tmp_path / "anchor.yaml"  # an anchor without an alias expands nothing
    anchor_only.write_text("prompts: &p a red circle\n")
    assert load_spec_file(anchor_only) == {"prompts": "a red circle"}


def test_toml_depth_is_capped(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text("cfg = " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    with pytest.raises(SpecError, match=f"more than {MAX_DEPTH} deep"):
        load_spec_file(spec)


@pytest.mark.parametrize(
    ("expression", "needle"),
    [
        ("pow(9, pow(9, 9)) % 7", "9 ** 387420489"),
        ("9**9**9", "9 ** 387420489"),
        ("10**400", "10 ** 400"),
        ("2**65", "66 bits"),
        ("1 << 10**6", "shift"),
        ("round(5, -10**9)", "round to"),
        ("floor(1e308)", "1024 bits"),
        ("int(1e300)", "bits"),
        ("exp(1000)", "range"),
        ("1e308 * 10", "inf"),
        ('"a" * 99999', "not a number"),
        ("pow(-8, 0.5)", "not a number"),
        ("(2).to_bytes(10**9, 'big')", "attribute"),
        ("t.real", "attribute"),
    ],
)
def test_evaluator_bounds(expression, needle):
    start = time.perf_counter()
    with pytest.raises(ScheduleError) as info:
        schedule_values(f"0:(1), 2:({expression})", "cfg", 5)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert message.startswith("cfg: key '2'") and needle in message, message
    assert "\n" not in message


def test_evaluator_still_computes_bounded_values():
    assert schedule_values("0:(2**64)", "x", 1) == [2.0**64]
    assert schedule_values("0:(pow(3, 40, 7))", "x", 1) == [float(pow(3, 40, 7))]
    assert schedule_values("0:(round(2.567, 2) + floor(1.5) + (1 << 3))", "x", 1) == [11.57]


def test_schedule_text_length_and_key_count_are_capped():
    text = "0:(1), " + " " * MAX_SCHEDULE_CHARS + "4:(2)"
    with pytest.raises(ScheduleError, match=f"characters; accepted: at most {MAX_SCHEDULE_CHARS}"):
        schedule_values(text, "cfg", 5)
    with pytest.raises(
        ScheduleError, match=f"characters; accepted: at most {MAX_EXPRESSION_CHARS}"
    ):
        schedule_values("0:(" + "+".join(["1"] * 200) + ")", "cfg", 5)
    many = {str(i): 1 for i in range(MAX_SCHEDULE_KEYS + 1)}
    with pytest.raises(ScheduleError, match=f"keys; accepted: at most {MAX_SCHEDULE_KEYS}"):
        schedule_values(many, "cfg", 5)
    many_text = ", ".join(f"{i}:1" for i in range(MAX_SCHEDULE_KEYS + 1))
    with pytest.raises(ScheduleError, match="keys; accepted"):
        schedule_values(many_text, "cfg", 5)


@pytest.mark.slow
def test_the_longest_schedules_on_every_field_evaluate_in_time():
    expression = "0.5" + "+0*t" * ((MAX_EXPRESSION_CHARS - 3) // 4)
    assert len(expression) <= MAX_EXPRESSION_CHARS
    data = {
        "prompts": "a",
        "frame_count": MAX_FRAMES,
        "use_conditioning_slerp": True,
        "use_latent_interpolation": True,
        "steps": f"0:({expression.replace('0.5', '1')})",
        "seed": f"0:({expression})",
    }
    for name in ("cfg", "cond_slerp_strength", "latent_interp_strength", "denoise_start",
                 "denoise_seq", "denoise_max", "noise_strength", "denoise"):  # fmt: skip
        data[name] = f"0:({expression})"
    start = time.perf_counter()
    resolve_spec(data, check_model=False)
    assert time.perf_counter() - start < SECONDS


def test_prompt_caps_hold_on_every_path():
    base = {"frame_count": 8}
    with pytest.raises(SpecError, match="prompts: 1025 prompts"):
        resolve_spec({**base, "prompts": ["a"] * 1025}, check_model=False)
    with pytest.raises(SpecError, match="prompts: 1025 prompts"):
        resolve_spec({**base, "prompts": {str(i): "a" for i in range(1025)}}, check_model=False)
    with pytest.raises(SpecError, match="negative: 1025 prompts"):
        resolve_spec({**base, "prompts": "a", "negative": ["n"] * 1025}, check_model=False)
    with pytest.raises(SpecError, match=f"accepted: at most {MAX_PROMPT_CHARS}"):
        resolve_spec({**base, "prompts": "a" * (MAX_PROMPT_CHARS + 1)}, check_model=False)
    with pytest.raises(SpecError, match="cond_keyframes: 5000 entries"):
        resolve_spec(
            {**base, "prompts": ["a", "b"], "cond_keyframes": [1] * 5000}, check_model=False
        )
    # the planner's own caps, for callers that skip the CLI
    with pytest.raises(ValueError, match="infers 3000 frames"):
        SequenceConfig(positive_count=3000)
    with pytest.raises(ValueError, match="at most 1024 entries"):
        SequenceConfig(frame_count=8, cond_keyframes=[1] * 5000)


def test_the_largest_plan_is_fast():
    start = time.perf_counter()
    result = plan(SequenceConfig(positive_count=1024, negative_count=1024))
    assert result.frame_count == 1024
    assert [f.positive for f in result.frames[:3]] == [0, 1, 2]
    assert time.perf_counter() - start < SECONDS


def test_short_repr_is_bounded_for_any_value():
    value: object = "x"
    for _ in range(200):  # deeply nested and wide
        value = [value] * 50
    start = time.perf_counter()
    for item in (value, "y" * 10**7, 10**5000, {"k" * 10**6: [1] * 10**5}, b"\x00" * 10**6):
        text = short_repr(item)
        assert len(text) <= 100, text
    assert short_repr("abc") == "'abc'"
    assert time.perf_counter() - start < 1.0


def test_error_messages_show_shortened_values():
    with pytest.raises(SpecError) as info:
        resolve_spec({"prompts": "a", "formats": ["x" * 10**6]}, check_model=False)
    assert len(str(info.value)) < 400
    with pytest.raises(ValueError) as info:
        SequenceConfig(cond_keyframes=["x" * 10**6])
    assert len(str(info.value)) < 400


# ---- fuzz: only SpecError / ValueError, each call bounded --------------------------------

NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["t", "max_f", "pi", "e", "9", "1e308", "10**400", "True"]),
)


@st.composite
def expressions(draw, depth: int = 0) -> str:
    if depth > 3 or draw(st.booleans()):
        return draw(NUMBERS)
    kind = draw(st.sampled_from(["binop", "call", "unary", "compare"]))
    left = draw(expressions(depth + 1))
    right = draw(expressions(depth + 1))
    if kind == "binop":
        op = draw(st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"]))
        return f"({left} {op} {right})"
    if kind == "unary":
        return f"{draw(st.sampled_from(['-', '+', '~', 'not ']))}({left})"
    if kind == "compare":
        return f"({left} {draw(st.sampled_from(['<', '==', '>=', 'in']))} {right})"
    name = draw(
        st.sampled_from(["pow", "round", "int", "floor", "exp", "sqrt", "log", "max", "where"])
    )
    args = [left, right] if name not in ("where",) else [left, right, left]
    if name in ("int", "floor", "exp", "sqrt"):
        args = [left]
    return f"{name}({', '.join(args)})"


SCHEDULE_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.tuples(st.sampled_from(["0", "1", "max_f", "'3'", "-1", "2**70"]), expressions())
    ).map(lambda keys: ", ".join(f"{k}:({v})" for k, v in keys)),
)


def _timed(call, *args) -> None:
    start = time.perf_counter()
    try:
        call(*args)
    except ValueError:
        pass
    assert time.perf_counter() - start < 2.0, args


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEDULE_TEXT, st.integers(1, 64))
def test_fuzz_schedule_evaluator(text, frames):
    _timed(schedule_values, text, "cfg", frames)
    _timed(parse_flag_value, text)


YAML_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=30),
    expressions(),
)
YAML_VALUES = st.recursive(
    YAML_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=30,
)
FIELD_NAMES = st.sampled_from(
    ["prompts", "negative", "frame_count", "cfg", "seed", "steps", "denoise", "cond_keyframes",
     "denoise_seq", "formats", "fps", "width", "bogus"]
)  # fmt: skip


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.dictionaries(FIELD_NAMES, YAML_VALUES, max_size=6).map(
            lambda d: yaml.safe_dump(d, allow_unicode=True)
        ),
        st.text(max_size=300),
    ),
    st.sampled_from([".yaml", ".toml"]),
)
@pytest.mark.slow
def test_fuzz_spec_loader(tmp_path, text, suffix):
    spec = tmp_path / f"fuzz{suffix}"
    spec.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    try:
        resolve_spec(load_spec_file(spec), check_model=False)
    except ValueError:
        pass
    assert time.perf_counter() - start < 2.0
