"""Value schedules: Deforum / FizzNodes keyframe syntax, parsed and evaluated per frame.

Forms (one field's value):
- a number: the same value on every frame;
- a string `0:(0.5), 24:(0.8), 48:(0.5 + 0.1*sin(2*pi*t/12))`: keys are frame numbers (or an
  expression in `max_f`, e.g. `max_f:(1)`; quotes around a key are allowed), values are numbers
  or expressions in `t` (the frame) and `max_f` (the last frame index, N - 1, as in Deforum), in
  parentheses (commas inside them are fine) or bare; a trailing comma is allowed;
- a mapping `{0: 0.5, 24: "0.5 + 0.1*sin(t)"}` (a TOML / YAML table) with the same keys and values.

Semantics (Deforum's `get_inbetweens`): numeric keys are linearly interpolated; an expression key
is evaluated at every frame from its key until the next key (to the end for the last key);
frames before the first key take the first key's value at its key; after a numeric last key the
value holds. Expressions are evaluated by walking Python's `ast` (below) with a whitelist of
numbers, operators and math functions, never `eval`: no attribute access, no subscripts, no
names but `t`, `max_f`, `pi`, `e`; every int within +-MAX_INT and every float finite, powers and
shifts refused before they are computed.

Shared by both front doors (the CLI's spec and the ComfyUI nodes); pure Python, standard library
only, so the node pack needs nothing ComfyUI does not ship.
"""

from __future__ import annotations

import ast
import functools
import json
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import MAX_FRAMES, short_repr, short_text

MAX_SCHEDULE_CHARS = 10_000  # one value schedule's text (a string, or one table value)
MAX_SCHEDULE_KEYS = MAX_FRAMES  # keys of one value schedule
MAX_INT = 2**64  # magnitude of any int an expression reads or makes

# One expression's length (a key's value or an expression key): each is evaluated once per
# frame, so this and MAX_FRAMES bound a schedule's evaluation time.
MAX_EXPRESSION_CHARS = 256
# round()'s digits: int rounding to -n digits computes 10**n.
MAX_ROUND_DIGITS = 32

_MATH: dict[str, Callable[..., object]] = {
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "asin": math.asin,
    "acos": math.acos,
    "atan": math.atan,
    "atan2": math.atan2,
    "sinh": math.sinh,
    "cosh": math.cosh,
    "tanh": math.tanh,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "abs": abs,
    "min": min,
    "max": max,
    "floor": math.floor,
    "ceil": math.ceil,
    "round": round,
    "pow": pow,
    "int": int,
    "float": float,
    "clamp": lambda x, lo, hi: min(max(x, lo), hi),
    "where": lambda cond, a, b: a if cond else b,
}
CONSTANTS = {"pi": math.pi, "e": math.e, "True": True, "False": False}
VARIABLES = ("t", "max_f")


class ScheduleError(ValueError):
    """A schedule that cannot be parsed or evaluated; the message names field, key and position."""


class _OutOfBounds(ArithmeticError):
    """An operand or a result beyond the evaluator's bounds (raised before the big computation)."""


_BOUNDS = f"accepted: ints within +-2**{MAX_INT.bit_length() - 1} and finite floats"


def _operand(value: object) -> object:
    """A number within the bounds (bools are numbers), else `_OutOfBounds`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise _OutOfBounds(f"an int of {value.bit_length()} bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _OutOfBounds(f"{value}")
        return value
    raise _OutOfBounds(f"{short_repr(value, 40)} is not a number")


def _check_pow(base: object, exponent: object) -> None:
    """Refuse a power whose result would exceed the bounds, before computing it."""
    if isinstance(base, bool) or isinstance(exponent, bool):
        return
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * math.log2(abs(base)) > MAX_INT.bit_length() + 1:
            raise _OutOfBounds(f"{base} ** {exponent} is beyond 2**{MAX_INT.bit_length() - 1}")


def _check_shift(_value: object, count: object) -> None:
    if isinstance(count, int) and count > MAX_INT.bit_length():
        raise _OutOfBounds(f"a shift by {count}")


_PRECHECKS: dict[type, Callable[[object, object], None]] = {
    ast.Pow: _check_pow,
    ast.LShift: _check_shift,
}
_PLAIN_OPERATORS: dict[type, Callable[..., object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.BitXor: operator.xor,
    ast.BitOr: operator.or_,
    ast.BitAnd: operator.and_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Invert: operator.invert,
}
_COMPARISONS: dict[type, Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}


def _bounded(op: Callable, precheck: Callable[[object, object], None] | None = None) -> Callable:
    """`op` on numbers within the bounds, checked first by `precheck`, its result checked too."""

    def run(*args: object) -> object:
        for arg in args:
            _operand(arg)
        if precheck is not None and len(args) >= 2:
            precheck(args[0], args[1])
        return _operand(op(*args))

    return run


def _round(x: object, digits: object = None) -> object:
    if digits is not None and (not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS):
        raise _OutOfBounds(f"round to {short_repr(digits, 40)} digits (at most {MAX_ROUND_DIGITS})")
    assert isinstance(x, (int, float)), "_bounded checked the operand"  # bools are ints
    return round(x) if digits is None else round(x, digits)


# The operators and functions an expression may use: numbers in, numbers out, every int
# within +-MAX_INT and every float finite, powers and shifts refused before they are computed.
OPERATORS = {node: _bounded(op, _PRECHECKS.get(node)) for node, op in _PLAIN_OPERATORS.items()}
FUNCTIONS = {
    name: _bounded(_round if name == "round" else fn, _check_pow if name == "pow" else None)
    for name, fn in _MATH.items()
}


@dataclass(frozen=True)
class Key:
    """One keyframe: `frame`, and either a number `value` or an `expression` (source text)."""

    frame: int
    value: float | None
    expression: str | None
    position: int  # 1-based column of the key in the field's text (0 for mapping entries)
    text: str  # the key as written


def _split_top_level(text: str, field: str) -> list[tuple[int, str]]:
    """Split on commas outside parentheses and quotes; returns (start offset, chunk) pairs."""
    chunks: list[tuple[int, str]] = []
    depth_stack: list[int] = []
    quote: str | None = None
    start = 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth_stack.append(i)
        elif ch in ")]}":
            if not depth_stack:
                raise ScheduleError(
                    f"{field}: unmatched {ch!r} at position {i + 1} in {short_repr(text)}; "
                    "accepted: 'key:(value), key:(value), ...'"
                )
            depth_stack.pop()
        elif ch == "," and not depth_stack:
            chunks.append((start, text[start:i]))
            start = i + 1
    if quote:
        raise ScheduleError(f"{field}: unclosed quote {quote} in {short_repr(text)}")
    if depth_stack:
        raise ScheduleError(
            f"{field}: unclosed '(' at position {depth_stack[-1] + 1} in {short_repr(text)}; "
            "accepted: 'key:(value), key:(value), ...'"
        )
    chunks.append((start, text[start:]))
    return chunks


class _NameNotDefined(NameError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _FunctionNotDefined(NameError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.func_name = name


class FeatureNotAvailable(ValueError):
    """A construct outside the whitelist (attribute access, subscripts, lambdas, ...)."""


_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambda",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dicts",
    ast.Set: "sets",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "assignments",
    ast.Starred: "starred arguments",
}


def _eval_node(node: ast.AST, names: Mapping[str, object]) -> object:
    """Evaluate one whitelisted expression node (the only evaluator: never `eval`)."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (bool, int, float, str)):
            return node.value
        raise FeatureNotAvailable(f"the constant {short_repr(node.value, 40)} is not accepted")
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise _NameNotDefined(node.id)
    if isinstance(node, ast.BinOp):
        left = _eval_node(node.left, names)
        right = _eval_node(node.right, names)
        return _operator(type(node.op))(left, right)
    if isinstance(node, ast.UnaryOp):
        operand = _eval_node(node.operand, names)
        if isinstance(node.op, ast.Not):
            return not operand
        return _operator(type(node.op))(operand)
    if isinstance(node, ast.BoolOp):
        value: object = None
        for item in node.values:
            value = _eval_node(item, names)
            if isinstance(node.op, ast.And) and not value:
                return value
            if isinstance(node.op, ast.Or) and value:
                return value
        return value
    if isinstance(node, ast.Compare):
        left = _eval_node(node.left, names)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            compare = _COMPARISONS.get(type(op))
            if compare is None:
                raise FeatureNotAvailable(f"the comparison {type(op).__name__} is not accepted")
            right = _eval_node(right_node, names)
            _operand(left)
            _operand(right)
            if not compare(left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        test = _eval_node(node.test, names)
        return _eval_node(node.body if test else node.orelse, names)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise FeatureNotAvailable(f"attribute access (.{node.func.attr}) is not accepted")
            raise FeatureNotAvailable("only calls of the named functions are accepted")
        function = FUNCTIONS.get(node.func.id)
        if function is None:
            raise _FunctionNotDefined(node.func.id)
        if node.keywords:
            raise FeatureNotAvailable(f"keyword arguments to {node.func.id}() are not accepted")
        args = [_eval_node(arg, names) for arg in node.args]
        return function(*args)
    if isinstance(node, ast.Attribute):
        raise FeatureNotAvailable(f"attribute access (.{node.attr}) is not accepted")
    what = _REFUSED.get(type(node), type(node).__name__)
    raise FeatureNotAvailable(f"{what} not accepted")


def _operator(kind: type) -> Callable[..., object]:
    op = OPERATORS.get(kind)
    if op is None:
        raise FeatureNotAvailable(f"the operator {kind.__name__} is not accepted")
    return op


@functools.lru_cache(maxsize=256)
def _parsed(expression: str) -> ast.AST:
    return ast.parse(expression.strip(), mode="eval").body


def _evaluate(expression: str, t: int, max_f: int, where: str) -> float:
    shown = short_repr(expression)
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ScheduleError(
            f"{where}: the expression {shown} has {len(expression)} characters; accepted: at "
            f"most {MAX_EXPRESSION_CHARS}"
        )
    try:
        names: dict[str, object] = {**CONSTANTS, "t": t, "max_f": max_f}
        value = _eval_node(_parsed(expression), names)
    except _NameNotDefined as exc:
        raise ScheduleError(
            f"{where}: unknown name {short_repr(exc.name)} in {shown}; accepted names: "
            f"{', '.join(VARIABLES)}, pi, e and the functions {', '.join(sorted(FUNCTIONS))}"
        ) from None
    except _FunctionNotDefined as exc:
        raise ScheduleError(
            f"{where}: unknown function {short_repr(exc.func_name)} in {shown}; accepted: "
            f"{', '.join(sorted(FUNCTIONS))}"
        ) from None
    except SyntaxError as exc:
        raise ScheduleError(f"{where}: invalid expression {shown} ({exc.msg})") from None
    except (_OutOfBounds, OverflowError) as exc:
        raise ScheduleError(
            f"{where}: {shown} at t={t} goes out of bounds ({short_text(str(exc))}); {_BOUNDS}"
        ) from None
    except Exception as exc:  # a construct not accepted, ZeroDivisionError, math domain errors,
        # RecursionError / MemoryError of a deeply nested expression
        raise ScheduleError(
            f"{where}: cannot evaluate {shown} at t={t} ({type(exc).__name__}: {short_text(str(exc))})"
        ) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScheduleError(f"{where}: {shown} gives {short_repr(value)}; a number is expected")
    if not math.isfinite(value) or abs(value) > MAX_INT:
        raise ScheduleError(f"{where}: {shown} goes out of bounds at t={t}; {_BOUNDS}")
    return value


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _key_frame(text: str, field: str, position: int, max_f: int) -> int:
    raw = text.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1].strip()
    where = f"{field}: key {short_repr(text.strip())} at position {position}"
    if not raw:
        raise ScheduleError(
            f"{where}: empty key; accepted: a frame number or an expression in max_f"
        )
    number = _number(raw)
    value = number if number is not None else _evaluate(raw, 0, max_f, where)
    if value != int(value) or value < 0:
        raise ScheduleError(f"{where}: gives {value}; accepted: a whole frame number >= 0")
    return int(value)


def _value(text: str, field: str, key: str, position: int, frame: int, max_f: int) -> Key:
    raw = text.strip()
    where = f"{field}: key {short_repr(key)} at position {position}"
    if raw.startswith("(") and raw.endswith(")"):
        # Strip one pair of parentheses only when they enclose the whole value.
        depth = 0
        for i, ch in enumerate(raw):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(raw) - 1:
                break
        else:
            raw = raw[1:-1].strip()
    if not raw:
        raise ScheduleError(
            f"{where}: empty value; accepted: a number or an expression in t, max_f"
        )
    number = _number(raw)
    if number is not None:
        return Key(frame, number, None, position, key)
    _evaluate(raw, frame, max_f, where)  # checks names, functions and syntax now
    return Key(frame, None, raw, position, key)


INT_FIELDS = ("steps", "seed")


def parse_schedule(text: str, field: str, frame_count: int) -> list[Key]:
    """Parse `0:(0.5), 24:(expr), ...` into sorted keys; errors name the field, key and position."""
    max_f = frame_count - 1
    _check_length(text, field)
    keys: list[Key] = []
    chunks = _split_top_level(text, field)
    _check_key_count(len(chunks), field)
    for start, chunk in chunks:
        if not chunk.strip():
            if start + len(chunk) == len(text) and keys:
                continue  # a trailing comma
            raise ScheduleError(
                f"{field}: empty entry at position {start + 1} in {short_repr(text)}; "
                "accepted: 'key:(value), key:(value), ...'"
            )
        offset = start + len(chunk) - len(chunk.lstrip())
        colon = _top_level_colon(chunk)
        if colon is None and len(chunks) == 1:
            kind = "an integer" if field in INT_FIELDS else "a number"
            raise ScheduleError(
                f"{field}: entry {short_repr(chunk.strip())} at position {offset + 1} has no ':'; "
                f"accepted: {kind} or a schedule "
                "'key:(value), key:(value), ...', e.g. '0:(5), 12:(8)'"
            )
        if colon is None:
            raise ScheduleError(
                f"{field}: entry {short_repr(chunk.strip())} at position {offset + 1} has no ':'; "
                "accepted: 'key:(value)', e.g. '0:(0.5)'"
            )
        key_text = chunk[:colon]
        frame = _key_frame(key_text, field, offset + 1, max_f)
        keys.append(_value(chunk[colon + 1 :], field, key_text.strip(), offset + 1, frame, max_f))
    return _check_unique(keys, field)


def _check_length(text: str, field: str) -> None:
    if len(text) > MAX_SCHEDULE_CHARS:
        raise ScheduleError(
            f"{field}: the schedule {short_repr(text)} has {len(text)} characters; accepted: at "
            f"most {MAX_SCHEDULE_CHARS}"
        )


def _check_key_count(count: int, field: str) -> None:
    if count > MAX_SCHEDULE_KEYS:
        raise ScheduleError(
            f"{field}: the schedule has {count} keys; accepted: at most {MAX_SCHEDULE_KEYS}"
        )


def _top_level_colon(chunk: str) -> int | None:
    depth = 0
    quote: str | None = None
    for i, ch in enumerate(chunk):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0:
            return i
    return None


def _check_unique(keys: list[Key], field: str) -> list[Key]:
    seen: dict[int, Key] = {}
    for key in keys:
        if key.frame in seen:
            first = seen[key.frame]
            raise ScheduleError(
                f"{field}: key {short_repr(key.text)} at position {key.position} repeats frame {key.frame} "
                f"(already given by key {short_repr(first.text)} at position {first.position}); "
                "accepted: each frame once"
            )
        seen[key.frame] = key
    if not keys:
        raise ScheduleError(f"{field}: the schedule has no keys; accepted: 'key:(value), ...'")
    return sorted(keys, key=lambda k: k.frame)


def parse_mapping(mapping: Mapping, field: str, frame_count: int) -> list[Key]:
    """Parse a `{key: value}` table (TOML / YAML) with the same key and value forms."""
    max_f = frame_count - 1
    _check_key_count(len(mapping), field)
    keys = []
    for raw_key, raw_value in mapping.items():
        key_text = str(raw_key) if isinstance(raw_key, (str, int, float)) else ""
        if not key_text or isinstance(raw_key, bool):
            raise ScheduleError(
                f"{field}: key {short_repr(raw_key)}; accepted: a frame number or an "
                "expression in max_f"
            )
        _check_length(key_text, field)
        frame = _key_frame(key_text, field, 0, max_f)
        if isinstance(raw_value, bool) or not isinstance(raw_value, (int, float, str)):
            raise ScheduleError(
                f"{field}: key {short_repr(key_text)} has value {short_repr(raw_value)}; "
                "accepted: a number or an expression string"
            )
        if isinstance(raw_value, str):
            _check_length(raw_value, field)
        keys.append(_value(str(raw_value), field, key_text, 0, frame, max_f))
    return _check_unique(keys, field)


def evaluate_keys(keys: list[Key], field: str, frame_count: int) -> list[float]:
    """One value per frame 0..N-1 (Deforum's in-betweens: see the module docstring)."""
    max_f = frame_count - 1
    values: list[float | None] = [None] * frame_count

    def at(key: Key, t: int) -> float:
        if key.expression is None:
            assert key.value is not None, f"{field}: key {key.text!r} holds no value"
            return key.value
        return _evaluate(
            key.expression, t, max_f, f"{field}: key {short_repr(key.text)} at frame {t}"
        )

    for j, key in enumerate(keys):
        end = keys[j + 1].frame if j + 1 < len(keys) else frame_count
        if key.expression is not None:
            for t in range(key.frame, min(end, frame_count)):
                values[t] = at(key, t)
        elif key.frame < frame_count:
            values[key.frame] = key.value
    # Linear in-betweens from each numeric key to the next key's value at its frame.
    for j, key in enumerate(keys[:-1]):
        if key.expression is not None:
            continue
        nxt = keys[j + 1]
        v0, v1 = at(key, key.frame), at(nxt, nxt.frame)
        for t in range(key.frame + 1, min(nxt.frame, frame_count)):
            values[t] = v0 + (v1 - v0) * (t - key.frame) / (nxt.frame - key.frame)
    first, last = keys[0], keys[-1]
    for t in range(min(first.frame, frame_count)):
        values[t] = at(first, first.frame)
    if last.expression is None:
        for t in range(last.frame + 1, frame_count):
            values[t] = at(last, last.frame)
    filled: list[float] = []
    for t, v in enumerate(values):
        assert v is not None, f"{field}: frame {t} got no value from keys {keys!r}"
        filled.append(float(v))
    return filled


def schedule_values(value: object, field: str, frame_count: int) -> list[float]:
    """A field's per-frame values from a number, a schedule string or a mapping."""
    if isinstance(value, bool):
        raise ScheduleError(f"{field}: got {short_repr(value)}; accepted: a number or a schedule")
    if isinstance(value, (int, float)):
        return [float(value)] * frame_count
    if isinstance(value, str):
        _check_length(value, field)
        number = _number(value.strip())
        if number is not None:
            return [number] * frame_count
        return evaluate_keys(parse_schedule(value, field, frame_count), field, frame_count)
    if isinstance(value, Mapping):
        return evaluate_keys(parse_mapping(value, field, frame_count), field, frame_count)
    raise ScheduleError(
        f"{field}: got {short_repr(value)}; accepted: a number, a schedule string '0:(0.5), 24:(0.8)' "
        "or a table {0 = 0.5, 24 = 0.8}"
    )


def is_schedule(value: object) -> bool:
    """Whether a field's value varies by frame (a schedule string or a mapping)."""
    if isinstance(value, Mapping):
        return True
    return isinstance(value, str) and _number(value.strip()) is None


def parse_prompt_schedule(text: str, field: str, frame_count: int) -> list[tuple[int, str]]:
    """A FizzNodes prompt schedule `"0": "a rose", "24": "a tulip"` as sorted (frame, prompt).

    Keys are frame numbers (or expressions in `max_f`), quoted or not; values are quoted
    strings (double quotes take JSON escapes). Braces around the whole text and a trailing comma
    are allowed. Errors name the field, the key and its position.
    """
    _check_length(text, field)
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    if body.startswith("{") and body.endswith("}"):
        body, offset = body[1:-1], offset + 1
    max_f = frame_count - 1
    out: list[Key] = []
    prompts: dict[int, str] = {}
    chunks = _split_top_level(body, field)
    _check_key_count(len(chunks), field)
    for start, chunk in chunks:
        position = offset + start + len(chunk) - len(chunk.lstrip()) + 1
        if not chunk.strip():
            if start + len(chunk) == len(body) and out:
                continue  # a trailing comma
            raise ScheduleError(
                f"{field}: empty entry at position {position}; accepted: "
                '\'"frame": "prompt", "frame": "prompt", ...\''
            )
        colon = _top_level_colon(chunk)
        if colon is None:
            raise ScheduleError(
                f"{field}: entry {short_repr(chunk.strip())} at position {position} has no ':'; "
                'accepted: \'"frame": "prompt"\', e.g. \'"0": "a red rose"\''
            )
        key_text = chunk[:colon].strip()
        frame = _key_frame(key_text, field, position, max_f)
        raw = chunk[colon + 1 :].strip()
        where = f"{field}: key {short_repr(key_text)} at position {position}"
        if len(raw) < 2 or raw[0] != raw[-1] or raw[0] not in "\"'":
            raise ScheduleError(
                f"{where}: the prompt {short_repr(raw)} is not a quoted string; accepted: "
                '"prompt text"'
            )
        if raw[0] == '"':
            try:
                prompt = json.loads(raw)
            except ValueError as exc:
                raise ScheduleError(f"{where}: invalid string {short_repr(raw)} ({exc})") from None
        else:
            prompt = raw[1:-1]
        if not isinstance(prompt, str) or not prompt.strip():
            raise ScheduleError(f"{where}: empty prompt; accepted: a non-empty prompt text")
        if frame >= frame_count:
            raise ScheduleError(
                f"{where}: frame {frame} is past the last frame ({max_f}, frame_count "
                f"{frame_count}); accepted: keys 0..{max_f}"
            )
        out.append(Key(frame, None, None, position, key_text))
        prompts[len(out) - 1] = prompt.strip()
    keys = _check_unique(out, field)
    order = {id(key): index for index, key in enumerate(out)}
    return [(key.frame, prompts[order[id(key)]]) for key in keys]
