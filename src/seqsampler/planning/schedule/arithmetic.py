"""The arithmetic of schedule expressions: the operators and math functions an expression may
use, each bounded (every int within +-MAX_INT and every float finite, operands and results
checked; powers, shifts and round()'s digits refused before they are computed).

Pure Python, standard library only (the evaluator that uses it is `expressions.py`).
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from ..messages import short_repr

MAX_INT = 2**64  # magnitude of any int an expression reads or makes

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


class OutOfBounds(ArithmeticError):
    """An operand or a result beyond the evaluator's bounds (raised before the big computation)."""


OPERAND_BOUNDS = f"accepted: ints within +-2**{MAX_INT.bit_length() - 1} and finite floats"


def bounded_operand(value: object) -> object:
    """A number within the bounds (bools are numbers), else `OutOfBounds`."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise OutOfBounds(f"an int of {value.bit_length()} bits")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise OutOfBounds(f"{value}")
        return value
    raise OutOfBounds(f"{short_repr(value, 40)} is not a number")


def _check_pow(base: object, exponent: object) -> None:
    """Refuse a power whose result would exceed the bounds, before computing it."""
    if isinstance(base, bool) or isinstance(exponent, bool):
        return
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 and abs(base) > 1:
        if exponent * math.log2(abs(base)) > MAX_INT.bit_length() + 1:
            raise OutOfBounds(f"{base} ** {exponent} is beyond 2**{MAX_INT.bit_length() - 1}")


def _check_shift(_value: object, count: object) -> None:
    if isinstance(count, int) and count > MAX_INT.bit_length():
        raise OutOfBounds(f"a shift by {count}")


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
COMPARISONS: dict[type, Callable[[Any, Any], object]] = {
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
            bounded_operand(arg)
        if precheck is not None and len(args) >= 2:
            precheck(args[0], args[1])
        return bounded_operand(op(*args))

    return run


def _round(x: object, digits: object = None) -> object:
    if digits is not None and (not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS):
        raise OutOfBounds(f"round to {short_repr(digits, 40)} digits (at most {MAX_ROUND_DIGITS})")
    assert isinstance(x, (int, float)), "_bounded checked the operand"  # bools are ints
    return round(x) if digits is None else round(x, digits)


# The operators and functions an expression may use: numbers in, numbers out, every int
# within +-MAX_INT and every float finite, powers and shifts refused before they are computed.
OPERATORS = {node: _bounded(op, _PRECHECKS.get(node)) for node, op in _PLAIN_OPERATORS.items()}
FUNCTIONS = {
    name: _bounded(_round if name == "round" else fn, _check_pow if name == "pow" else None)
    for name, fn in _MATH.items()
}
