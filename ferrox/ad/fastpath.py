"""Specialised entry points for the two hot cases: a :class:`Var` or a :class:`Dual`
holding a float, met by a float or by a number of its own context.

For every primitive of the table this module generates one function (the one
``ferrox.ad.math`` exports and the operators call) with that primitive's value and rule
texts pasted in, so the common case costs one Python call instead of four (the generic
function, the lift method, the rule, the value). Everything else (nested values,
mixed contexts, tracing for the compiled mode, other types) goes to the generic lifting
in :mod:`ferrox.ad.core`, which gives the same results.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from ferrox.ad.core import GENERIC, UFUNCS, ADNumber, apply2
from ferrox.ad.dual import Dual
from ferrox.ad.primitives import COMPARISONS, PRIMITIVES, Primitive
from ferrox.ad.reverse import _LEAF, Var

__all__ = ["FAST", "specialise"]

# Values that are plain Python operators are written inline.
_INLINE_VALUES: dict[Any, str] = {
    operator.add: "x + y",
    operator.sub: "x - y",
    operator.mul: "x * y",
    operator.truediv: "x / y",
    operator.neg: "-x",
}


def _partial(name: str, rule: str | None) -> list[str]:
    """Lines computing partial ``name`` from ``rule`` (over x, y, out); a singular point
    gives inf (or nan) instead of raising, like :func:`ferrox.ad.core.partial`."""
    if rule is None:
        return []
    try:
        return [f"{name} = {float(rule)!r}"]
    except ValueError:
        pass
    return [
        "try:",
        f"    {name} = {rule}",
        "except ZeroDivisionError:",
        f"    {name} = _inf",
        "except (ValueError, OverflowError):",
        f"    {name} = _nan",
    ]


def _indent(lines: list[str], depth: int) -> list[str]:
    return [" " * (4 * depth) + line for line in lines]


def _value(prim: Primitive) -> str:
    inline = _INLINE_VALUES.get(prim.value)
    if inline is not None:
        return inline
    return "_value(x)" if prim.arity == 1 else "_value(x, y)"


def _scaled(d: str, rule: str | None, tangent: str) -> str:
    """``d * tangent`` where a unit partial skips the multiply."""
    if rule is not None and rule.strip() in ("1.0", "1"):
        return tangent
    return f"{d} * {tangent}"


def _unary_source(prim: Primitive) -> str:
    rule = prim.partials[0]
    value = _value(prim)
    d = _partial("d", rule)
    var_node = "_LEAF" if rule is None else "(v._index, d)"
    dual_tangent = "v.tangent * 0.0" if rule is None else _scaled("d", rule, "v.tangent")
    body = [
        "def f(v):",
        "    t = type(v)",
        "    if t is _Var:",
        "        x = v.value",
        "        tape = v._tape",
        "        if type(x) is float and not tape.program:",
        f"            out = {value}",
        *_indent(d, 3),
        "            nodes = tape.nodes",
        f"            nodes.append({var_node})",
        "            return _Var(out, tape, len(nodes) - 1)",
        "    elif t is _Dual:",
        "        x = v.value",
        "        if type(x) is float:",
        f"            out = {value}",
        *_indent(d, 3),
        f"            return _Dual(out, {dual_tangent}, v._tag)",
        "    elif t is float:",
        "        x = v",
        f"        return {value}",
        "    if isinstance(v, _ADNumber):",
        "        return v._lift1(_prim)",
        "    return _value(v)",
    ]
    return "\n".join(body)


def _binary_source(prim: Primitive) -> str:
    rx, ry = prim.partials
    value = _value(prim)
    dx, dy = _partial("dx", rx), _partial("dy", ry)
    plain = ("float", "int")

    def var_case(active: str) -> list[str]:
        """Lines for a Var holding a float on the ``active`` side(s): x, y or xy."""
        links = []
        if "x" in active and rx is not None:
            links += ["a._index", "dx"]
        if "y" in active and ry is not None:
            links += ["b._index", "dy"]
        node = f"({', '.join(links)})" if links else "_LEAF"
        return [
            f"out = {value}",
            *(dx if "x" in active else []),
            *(dy if "y" in active else []),
            "nodes = tape.nodes",
            f"nodes.append({node})",
            "return _Var(out, tape, len(nodes) - 1)",
        ]

    def dual_case(active: str) -> list[str]:
        terms = []
        if "x" in active:
            terms.append(_scaled("dx", rx, "a.tangent") if rx is not None else None)
        if "y" in active:
            terms.append(_scaled("dy", ry, "b.tangent") if ry is not None else None)
        live = [t for t in terms if t is not None]
        if not live:
            source = "a.tangent" if "x" in active else "b.tangent"
            tangent = f"{source} * 0.0"
        else:
            tangent = " + ".join(live)
        return [
            f"out = {value}",
            *(dx if "x" in active and rx is not None else []),
            *(dy if "y" in active and ry is not None else []),
            f"return _Dual(out, {tangent}, tag)",
        ]

    is_plain = " or ".join(f"{{t}} is {p}" for p in plain)
    body = [
        "def f(a, b):",
        "    ta = type(a)",
        "    tb = type(b)",
        "    if ta is _Var:",
        "        x = a.value",
        "        tape = a._tape",
        "        if type(x) is float and not tape.program:",
        f"            if {is_plain.format(t='tb')}:",
        "                y = b",
        *_indent(var_case("x"), 4),
        "            if tb is _Var and b._tape is tape:",
        "                y = b.value",
        "                if type(y) is float:",
        *_indent(var_case("xy"), 5),
        "    elif tb is _Var:",
        "        y = b.value",
        "        tape = b._tape",
        f"        if type(y) is float and not tape.program and ({is_plain.format(t='ta')}):",
        "            x = a",
        *_indent(var_case("y"), 3),
        "    elif ta is _Dual:",
        "        x = a.value",
        "        tag = a._tag",
        "        if type(x) is float:",
        f"            if {is_plain.format(t='tb')}:",
        "                y = b",
        *_indent(dual_case("x"), 4),
        "            if tb is _Dual and b._tag == tag:",
        "                y = b.value",
        "                if type(y) is float:",
        *_indent(dual_case("xy"), 5),
        "    elif tb is _Dual:",
        "        y = b.value",
        "        tag = b._tag",
        f"        if type(y) is float and ({is_plain.format(t='ta')}):",
        "            x = a",
        *_indent(dual_case("y"), 3),
        "    return _apply2(_prim, a, b)",
    ]
    return "\n".join(body)


def specialise(prim: Primitive) -> Callable[..., Any]:
    """The generated function for ``prim``, same results as the generic one."""
    source = _unary_source(prim) if prim.arity == 1 else _binary_source(prim)
    namespace: dict[str, Any] = {name: p.value for name, p in PRIMITIVES.items()}
    namespace.update(
        _prim=prim,
        _value=prim.value,
        _Var=Var,
        _Dual=Dual,
        _ADNumber=ADNumber,
        _LEAF=_LEAF,
        _apply2=apply2,
        _inf=math.inf,
        _nan=math.nan,
    )
    code = compile(source, f"<ferrox.ad fast path: {prim.name}>", "exec")
    exec(code, namespace)  # source generated from ferrox's own rule table, never user input
    fn = namespace["f"]
    fn.__name__ = fn.__qualname__ = prim.name
    fn.__doc__ = f"{prim.name}: differentiable (see ferrox.ad.primitives)."
    return fn


def _install() -> dict[str, Callable[..., Any]]:
    guards = {p.name for p in COMPARISONS}
    fast = {name: specialise(p) for name, p in PRIMITIVES.items() if name not in guards}
    replaced = {id(GENERIC[name]): fn for name, fn in fast.items()}
    GENERIC.update(fast)  # rule lambdas look their functions up here at call time
    for key, fn in list(UFUNCS.items()):
        new = replaced.get(id(fn))
        if new is not None:
            UFUNCS[key] = new
            if getattr(ADNumber, key, None) is fn:
                setattr(ADNumber, key, new)
    add, sub, mul, div = fast["add"], fast["sub"], fast["mul"], fast["div"]
    neg, absolute = fast["neg"], fast["abs"]
    for cls in (Var, Dual):
        cls.__add__ = add  # type: ignore[assignment]
        cls.__radd__ = lambda self, other: add(other, self)  # type: ignore[assignment]
        cls.__sub__ = sub  # type: ignore[assignment]
        cls.__rsub__ = lambda self, other: sub(other, self)  # type: ignore[assignment]
        cls.__mul__ = mul  # type: ignore[assignment]
        cls.__rmul__ = lambda self, other: mul(other, self)  # type: ignore[assignment]
        cls.__truediv__ = div  # type: ignore[assignment]
        cls.__rtruediv__ = lambda self, other: div(other, self)  # type: ignore[assignment]
        cls.__neg__ = neg  # type: ignore[assignment]
        cls.__abs__ = absolute  # type: ignore[assignment]
    return fast


FAST = _install()
"""The generated function of every non-comparison primitive, by name."""
