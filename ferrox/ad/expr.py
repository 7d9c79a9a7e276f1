"""A safe expression language for differentiating typed-in formulas (CLI and server).

Text is parsed with :mod:`ast` and only a small grammar is accepted: numbers,
variables, ``+ - * / ** % //``, unary minus, calls to ``ferrox.ad.math`` functions, and a
top-level list or tuple for vector functions. Nothing is ever passed to ``eval``; the
tree is interpreted directly and its size is bounded.
"""

from __future__ import annotations

import ast
import math as _stdmath
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ferrox.ad import math as admath
from ferrox.errors import ExpressionError

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "MAX_NODES", "Expression", "parse"]

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 64

_PREDICATES = {"isnan", "isinf", "isfinite", "isclose"}  # booleans: not expressions
FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(admath, name)
    for name in admath.__all__
    if callable(getattr(admath, name)) and name not in _PREDICATES
}
FUNCTIONS["abs"] = abs
FUNCTIONS["max"] = admath.fmax
FUNCTIONS["min"] = admath.fmin
FUNCTIONS["ln"] = admath.log

CONSTANTS = {"pi": _stdmath.pi, "e": _stdmath.e, "tau": _stdmath.tau}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
    ast.FloorDiv: operator.floordiv,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.Pow: "**",
    ast.Mod: "%",
    ast.FloorDiv: "//",
}


class Expression:
    """A parsed expression: call it with a point, or :meth:`evaluate` with a mapping."""

    def __init__(self, text: str, tree: ast.expr, variables: list[str]) -> None:
        self.text = text
        self._tree = tree
        self.variables = variables
        self.is_vector = isinstance(tree, ast.List | ast.Tuple)

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, variables={self.variables})"

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Value of the expression with variables bound by ``env``."""
        missing = [v for v in self.variables if v not in env]
        if missing:
            raise ExpressionError(f"no value given for variable(s): {', '.join(missing)}")
        try:
            return _eval(self._tree, env)
        except ExpressionError:
            raise
        except (ValueError, ZeroDivisionError, OverflowError) as exc:
            raise ExpressionError(f"cannot evaluate {self.text!r}: {exc}") from exc

    def __call__(self, x: Sequence[Any]) -> Any:
        """Value at a point given in the order of :attr:`variables`."""
        if len(x) != len(self.variables):
            raise ExpressionError(
                f"expected {len(self.variables)} values ({', '.join(self.variables)}), got {len(x)}"
            )
        return self.evaluate(dict(zip(self.variables, x, strict=True)))


def _eval(node: ast.expr, env: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)  # floats only: no unbounded integer arithmetic
    if isinstance(node, ast.Name):
        return CONSTANTS[node.id] if node.id in CONSTANTS else env[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, env))
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        return FUNCTIONS[node.func.id](*(_eval(a, env) for a in node.args))
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, env) for e in node.elts]
    raise ExpressionError(f"unsupported syntax: {type(node).__name__}")  # pragma: no cover


def _depth(node: ast.AST) -> int:
    children = list(ast.iter_child_nodes(node))
    return 1 + max((_depth(c) for c in children), default=0)


def _check(node: ast.AST, variables: list[str], top: bool) -> None:
    """Reject anything outside the grammar, collecting variable names in order."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}")
        if isinstance(node.value, int) and abs(node.value) > 10**15:
            raise ExpressionError("integer constant too large")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id!r} is a function: call it, e.g. {node.id}(x)")
        if node.id not in CONSTANTS and node.id not in variables:
            if node.id.startswith("_"):
                raise ExpressionError(f"invalid variable name {node.id!r}")
            variables.append(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.left, variables, False)
        _check(node.right, variables, False)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.operand, variables, False)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(
                f"unknown function {name!r}; allowed: {', '.join(sorted(FUNCTIONS))}"
            )
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError("*args is not allowed")
            _check(arg, variables, False)
    elif isinstance(node, ast.List | ast.Tuple) and top:
        if not node.elts:
            raise ExpressionError("a vector function needs at least one component")
        for element in node.elts:
            _check(element, variables, False)
    else:
        raise ExpressionError(f"syntax not allowed in an expression: {type(node).__name__}")


def parse(text: str, variables: Sequence[str] | None = None) -> Expression:
    """Parse ``text`` into an :class:`Expression`.

    Variables are ordered by first appearance unless ``variables`` gives the order
    (names listed there but unused are kept, so gradients have their entries).
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    text = text.strip().replace("^", "**")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid syntax at column {exc.offset}: {text!r}") from exc
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ExpressionError("the expression is too deeply nested") from exc
    count = sum(1 for _ in ast.walk(tree))
    if count > MAX_NODES:
        raise ExpressionError(f"the expression has {count} nodes; the limit is {MAX_NODES}")
    if _depth(tree) > MAX_DEPTH:
        raise ExpressionError(f"the expression is nested deeper than {MAX_DEPTH} levels")
    found: list[str] = []
    _check(tree.body, found, True)
    order = list(variables) if variables is not None else []
    for name in order:
        if not name.isidentifier() or name in CONSTANTS or name in FUNCTIONS:
            raise ExpressionError(f"invalid variable name {name!r}")
    order += [v for v in found if v not in order]
    return Expression(text, tree.body, order)
