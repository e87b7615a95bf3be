"""The bounded expression evaluator of value schedules: Python's `ast`, walked with a whitelist.

An expression (a schedule key's value, or an expression key) is parsed by `ast.parse` and
evaluated node by node with a whitelist of numbers, operators and math functions, never `eval`:
no attribute access, no subscripts, no names but `t`, `max_f`, `s` (the run's seed, where the
caller gives it), `pi`, `e`; every int within
+-MAX_INT and every float finite, powers and shifts refused before they are computed. Errors are
`ScheduleError`s naming the field, the key and its position.

Pure Python, standard library only (shared by the CLI's spec and the ComfyUI nodes).
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

from ..messages import short_repr, short_text

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
VARIABLES = ("t", "max_f", "s")


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


def _evaluate(expression: str, t: int, max_f: int, where: str, seed: int | None = None) -> float:
    shown = short_repr(expression)
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise ScheduleError(
            f"{where}: the expression {shown} has {len(expression)} characters; accepted: at "
            f"most {MAX_EXPRESSION_CHARS}"
        )
    try:
        names: dict[str, object] = {**CONSTANTS, "t": t, "max_f": max_f}
        if seed is not None:
            names["s"] = seed
        value = _eval_node(_parsed(expression), names)
    except _NameNotDefined as exc:
        if exc.name == "s":
            raise ScheduleError(
                f"{where}: s (the run's seed, as in Deforum) in {shown} is not available here; "
                "accepted: s in the schedules of other fields while the seed is a plain number"
            ) from None
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
