"""The bounded expression evaluator of value schedules: Python's `ast`, walked with a whitelist.

An expression (a schedule key's value, or an expression key) is parsed by `ast.parse` and
evaluated node by node with a whitelist of numbers, operators and math functions, never `eval`:
no attribute access, no subscripts, no names but `t`, `max_f`, `s` (the run's seed, where the
caller gives it), `pi`, `e`; every int within
+-MAX_INT and every float finite, powers and shifts refused before they are computed (those
operators and functions, bounded, are `arithmetic.py`). Errors are `ScheduleError`s naming the
field, the key and its position.

Pure Python, standard library only (shared by the CLI's spec and the ComfyUI nodes).
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Mapping

from ..messages import short_repr, short_text
from .arithmetic import (
    COMPARISONS,
    FUNCTIONS,
    MAX_INT,
    OPERAND_BOUNDS,
    OPERATORS,
    OutOfBounds,
    bounded_operand,
)

# One expression's length (a key's value or an expression key): each is evaluated once per
# frame, so this and MAX_FRAMES bound a schedule's evaluation time.
MAX_EXPRESSION_CHARS = 256

CONSTANTS = {"pi": math.pi, "e": math.e, "True": True, "False": False}
VARIABLES = ("t", "max_f", "s")


class ScheduleError(ValueError):
    """A schedule that cannot be parsed or evaluated; the message names field, key and position."""


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
            compare = COMPARISONS.get(type(op))
            if compare is None:
                raise FeatureNotAvailable(f"the comparison {type(op).__name__} is not accepted")
            right = _eval_node(right_node, names)
            bounded_operand(left)
            bounded_operand(right)
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


def evaluate_expression(
    expression: str, t: int, max_f: int, where: str, seed: int | None = None
) -> float:
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
    except (OutOfBounds, OverflowError) as exc:
        raise ScheduleError(
            f"{where}: {shown} at t={t} goes out of bounds ({short_text(str(exc))}); {OPERAND_BOUNDS}"
        ) from None
    except Exception as exc:  # a construct not accepted, ZeroDivisionError, math domain errors,
        # RecursionError / MemoryError of a deeply nested expression
        raise ScheduleError(
            f"{where}: cannot evaluate {shown} at t={t} ({type(exc).__name__}: {short_text(str(exc))})"
        ) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScheduleError(f"{where}: {shown} gives {short_repr(value)}; a number is expected")
    if not math.isfinite(value) or abs(value) > MAX_INT:
        raise ScheduleError(f"{where}: {shown} goes out of bounds at t={t}; {OPERAND_BOUNDS}")
    return value
