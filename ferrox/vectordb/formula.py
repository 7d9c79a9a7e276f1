"""Score formulas (Qdrant's ``formula`` query): an expression over the prefetches' scores,
payload values, filter conditions, geo distances and datetimes, parsed into typed nodes
and evaluated per candidate in double precision.

Semantics follow Qdrant's documentation: ``"$score"`` is the first prefetch's score and
``"$score[i]"`` the i-th (a point a prefetch did not return scores 0 unless ``defaults``
names it); any other string is a payload key, taken from ``defaults`` when the point has
no value there; a condition scores 1 when the point matches it, else 0; ``mult`` stops at
the first 0, ``div`` of 0 is 0 and a zero divisor gives ``by_zero_default`` when set; a
result that is not finite is an error naming the expression. Decays map ``|x - target|``
through ``scale`` and ``midpoint`` (the value at distance ``scale``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ferrox.errors import InvalidInputError, ValidationError
from ferrox.vectordb.filters import Filter, parse_datetime, parse_filter, values_at

__all__ = [
    "Const",
    "Decay",
    "Expr",
    "Formula",
    "Func",
    "GeoDistance",
    "Matches",
    "Score",
    "Variable",
    "evaluate",
    "parse_formula",
    "payload_keys",
]


@dataclass(frozen=True, slots=True)
class Const:
    """A number."""

    value: float


@dataclass(frozen=True, slots=True)
class Score:
    """The score the ``index``-th prefetch gave the point."""

    index: int


@dataclass(frozen=True, slots=True)
class Variable:
    """A payload value: a number, or (``datetime``) an RFC 3339 string as seconds."""

    key: str
    datetime: bool = False


@dataclass(frozen=True, slots=True)
class Matches:
    """1 when the point matches ``filter``, else 0."""

    filter: Filter


@dataclass(frozen=True, slots=True)
class GeoDistance:
    """Haversine metres from ``origin`` (lat, lon) to the geo point at ``key``."""

    origin: tuple[float, float]
    key: str


@dataclass(frozen=True, slots=True)
class Func:
    """An operator over sub-expressions: sum, mult, neg, abs, sqrt, exp, ln, log10, pow
    (base, exponent) and div (left, right, ``by_zero``)."""

    op: str
    args: tuple[Expr, ...]
    by_zero: float | None = None


@dataclass(frozen=True, slots=True)
class Decay:
    """lin/exp/gauss decay of ``|x - target|``; ``lam`` folds scale and midpoint."""

    kind: str
    x: Expr
    target: Expr | None
    lam: float


Expr = Const | Score | Variable | Matches | GeoDistance | Func | Decay


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula query: the expression and the defaults for missing variables."""

    expr: Expr
    defaults: Mapping[str, Any]


_SCORE = re.compile(r"^\$score(?:\[(\d+)\])?$")
_UNARY = ("neg", "abs", "sqrt", "exp", "ln", "log10")
_DECAYS = ("lin_decay", "exp_decay", "gauss_decay")
EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG), as geo's Haversine uses


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"Bad request: {where} must be a number")
    return float(value)


def _decay_lambda(kind: str, scale: Any, midpoint: Any) -> float:
    mid = 0.5 if midpoint is None else _number(midpoint, "midpoint")
    sc = 1.0 if scale is None else _number(scale, "scale")
    if kind == "lin_decay":
        if not 0.0 <= mid <= 1.0:
            raise ValidationError(
                f"Validation error: Linear decay midpoint should be in the range [0.0, 1.0],"
                f" got {mid}."
            )
    elif not 0.0 < mid < 1.0:
        raise ValidationError(
            f"Validation error: Decay midpoint should be in the range (0.0, 1.0), got {mid}."
        )
    if sc <= 0.0:
        raise ValidationError(
            f"Validation error: Decay scale should be non-zero positive, got {sc}."
        )
    if kind == "lin_decay":
        return (1.0 - mid) / sc
    if kind == "exp_decay":
        return math.log(mid) / sc
    return math.log(mid) / sc**2


def parse_expression(value: Any) -> Expr:
    """An expression node from Qdrant's JSON."""
    if isinstance(value, bool):
        raise InvalidInputError("Bad request: a formula expression cannot be a boolean")
    if isinstance(value, (int, float)):
        return Const(float(value))
    if isinstance(value, str):
        m = _SCORE.match(value)
        if m:
            return Score(int(m.group(1) or 0))
        return Variable(value)
    if not isinstance(value, dict) or not value:
        raise InvalidInputError(f"Bad request: not a formula expression: {value!r}")
    if len(value) == 1:
        ((kind, body),) = value.items()
        if kind in ("sum", "mult"):
            if not isinstance(body, list):
                raise InvalidInputError(f"Bad request: {kind} takes a list of expressions")
            return Func(kind, tuple(parse_expression(x) for x in body))
        if kind in _UNARY:
            return Func(kind, (parse_expression(body),))
        if kind == "div":
            if not isinstance(body, dict) or "left" not in body or "right" not in body:
                raise InvalidInputError("Bad request: div takes {left, right}")
            dflt = body.get("by_zero_default")
            return Func(
                "div",
                (parse_expression(body["left"]), parse_expression(body["right"])),
                None if dflt is None else _number(dflt, "by_zero_default"),
            )
        if kind == "pow":
            if not isinstance(body, dict) or "base" not in body or "exponent" not in body:
                raise InvalidInputError("Bad request: pow takes {base, exponent}")
            return Func("pow", (parse_expression(body["base"]), parse_expression(body["exponent"])))
        if kind in _DECAYS:
            if not isinstance(body, dict) or "x" not in body:
                raise InvalidInputError(f"Bad request: {kind} takes {{x, target, scale, midpoint}}")
            target = body.get("target")
            return Decay(
                kind.removesuffix("_decay"),
                parse_expression(body["x"]),
                None if target is None else parse_expression(target),
                _decay_lambda(kind, body.get("scale"), body.get("midpoint")),
            )
        if kind == "geo_distance":
            origin = body.get("origin") if isinstance(body, dict) else None
            if not isinstance(origin, dict) or not isinstance(body.get("to"), str):
                raise InvalidInputError("Bad request: geo_distance takes {origin: {lat, lon}, to}")
            return GeoDistance(
                (_number(origin.get("lat"), "lat"), _number(origin.get("lon"), "lon")), body["to"]
            )
        if kind == "datetime":
            if not isinstance(body, str):
                raise InvalidInputError("Bad request: datetime takes an RFC 3339 string")
            return Const(parse_datetime(body))
        if kind == "datetime_key":
            if not isinstance(body, str):
                raise InvalidInputError("Bad request: datetime_key takes a payload key")
            return Variable(body, datetime=True)
    flt = parse_filter({"must": [value]})
    if flt is None:
        raise InvalidInputError(f"Bad request: not a formula expression: {value!r}")
    return Matches(flt)


def parse_formula(body: Any, defaults: Any) -> Formula:
    """A :class:`Formula` from a formula query's ``formula`` and ``defaults``."""
    if defaults is None:
        defaults = {}
    if not isinstance(defaults, dict):
        raise InvalidInputError("Bad request: formula defaults must be an object")
    return Formula(parse_expression(body), dict(defaults))


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of ``expr``, pre-order."""
    yield expr
    if isinstance(expr, Func):
        for a in expr.args:
            yield from walk(a)
    elif isinstance(expr, Decay):
        yield from walk(expr.x)
        if expr.target is not None:
            yield from walk(expr.target)


def payload_keys(expr: Expr) -> list[tuple[str, tuple[str, ...]]]:
    """The payload keys ``expr`` reads, each with the index kinds that would serve it
    (conditions are left to the filter checks: see :func:`conditions`)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for n in walk(expr):
        if isinstance(n, Variable):
            out.append((n.key, ("datetime",) if n.datetime else ("float", "integer")))
        elif isinstance(n, GeoDistance):
            out.append((n.key, ("geo",)))
    return out


def conditions(expr: Expr) -> list[Filter]:
    """The filters of the condition nodes of ``expr``."""
    return [n.filter for n in walk(expr) if isinstance(n, Matches)]


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _finite(value: float, text: str) -> float:
    if not math.isfinite(value):
        raise InvalidInputError(f"Bad request: The expression {text} produced a non-finite number")
    return value


class _Eval:
    """Evaluates one formula for one point."""

    def __init__(
        self,
        formula: Formula,
        payload: Mapping[str, Any],
        scores: Sequence[float | None],
        matches: Callable[[Filter], bool],
    ) -> None:
        self.formula = formula
        self.payload = payload
        self.scores = scores
        self.matches = matches

    def value(self, key: str) -> Any:
        found = [v for v in values_at(self.payload, key) if v is not None]
        if len(found) == 1:
            return found[0]
        if found:
            return list(found)
        if key in self.formula.defaults:
            return self.formula.defaults[key]
        raise InvalidInputError(
            f"Bad request: Wrong type of variable '{key}': No value found in a payload nor defaults"
        )

    def number(self, key: str, expected: str) -> float:
        v = self.value(key)
        if isinstance(v, list) and v:
            v = v[0]
        if expected == "datetime":
            if isinstance(v, str):
                try:
                    return parse_datetime(v)
                except InvalidInputError:
                    pass
            raise InvalidInputError(
                f"Bad request: Wrong type of variable '{key}', expected datetime:"
                " Value is not a string"
            )
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InvalidInputError(
                f"Bad request: Wrong type of variable '{key}', expected number:"
                " Value is not a number"
            )
        return float(v)

    def geo(self, key: str) -> tuple[float, float]:
        v = self.value(key)
        if isinstance(v, list) and v:
            v = v[0]
        if (
            isinstance(v, dict)
            and isinstance(v.get("lat"), (int, float))
            and isinstance(v.get("lon"), (int, float))
        ):
            return float(v["lat"]), float(v["lon"])
        raise InvalidInputError(f"Bad request: Wrong type of variable '{key}', expected geo point")

    def __call__(self, e: Expr) -> float:
        if isinstance(e, Const):
            return e.value
        if isinstance(e, Score):
            s = self.scores[e.index] if e.index < len(self.scores) else None
            if s is not None:
                return s
            dflt = self.formula.defaults.get(f"$score[{e.index}]")
            if dflt is None and e.index == 0:
                dflt = self.formula.defaults.get("$score")
            return float(dflt) if isinstance(dflt, (int, float)) else 0.0
        if isinstance(e, Variable):
            return self.number(e.key, "datetime" if e.datetime else "number")
        if isinstance(e, Matches):
            return 1.0 if self.matches(e.filter) else 0.0
        if isinstance(e, GeoDistance):
            return _haversine(e.origin, self.geo(e.key))
        if isinstance(e, Decay):
            x = self(e.x)
            target = 0.0 if e.target is None else self(e.target)
            if e.kind == "lin":
                return max(0.0, 1.0 - e.lam * abs(x - target))
            if e.kind == "exp":
                return math.exp(e.lam * abs(x - target))
            return math.exp(e.lam * (x - target) ** 2)
        return self.func(e)

    def func(self, e: Func) -> float:
        op = e.op
        if op == "sum":
            return sum(self(a) for a in e.args)
        if op == "mult":
            product = 1.0
            for a in e.args:
                v = self(a)
                if v == 0.0:
                    return 0.0
                product *= v
            return product
        if op == "div":
            left = self(e.args[0])
            if left == 0.0:
                return 0.0
            right = self(e.args[1])
            if right == 0.0 and e.by_zero is not None:
                return e.by_zero
            q = left / right if right != 0.0 else math.copysign(math.inf, left)
            return _finite(q, f"{left}/{right}")
        x = self(e.args[0])
        if op == "neg":
            return -x
        if op == "abs":
            return abs(x)
        if op == "pow":
            y = self(e.args[1])
            try:
                p = math.pow(x, y)
            except (OverflowError, ValueError):
                p = math.nan
            return _finite(p, f"{x}^{y}")
        if op == "sqrt":
            return _finite(math.sqrt(x) if x >= 0 else math.nan, f"√{x}")
        if op == "exp":
            try:
                return _finite(math.exp(x), f"exp({x})")
            except OverflowError:
                return _finite(math.inf, f"exp({x})")
        if op == "ln":
            return _finite(
                math.log(x) if x > 0 else (-math.inf if x == 0 else math.nan), f"ln({x})"
            )
        if op == "log10":
            return _finite(
                math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan), f"log10({x})"
            )
        raise InvalidInputError(f"Bad request: unknown formula operator {op!r}")


def evaluate(
    formula: Formula,
    payload: Mapping[str, Any],
    scores: Sequence[float | None],
    matches: Callable[[Filter], bool],
) -> float:
    """The formula's score for one point (as float32, like Qdrant's answer)."""
    value = _Eval(formula, payload, scores, matches)(formula.expr)
    out = float(np.float32(value))
    if not math.isfinite(out):
        raise InvalidInputError(
            f"Bad request: The expression {value} as f32 = {out} produced a non-finite number"
        )
    return out
