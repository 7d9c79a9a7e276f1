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

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

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


def _unary_source(prim: Primitive) -> str:
    rule = prim.partials[0]
    value = _value(prim)
    d = _partial("d", rule)
    var_node = "_LEAF" if rule is None else "(v._index, d)"
    dual_tangent = "tv * 0.0" if rule is None else "d * tv"
    dual_scale = "0.0 * v._scale" if rule is None else "d * v._scale"
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
        "            tv = v._dir",
        "            if type(tv) is _ndarray:  # scale lazily: a float multiply",
        f"                return _Dual(out, tv, v._tag, {dual_scale})",
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
        """Lines for a Dual holding a float on the ``active`` side(s): x, y or xy."""
        sides = [
            (arg, name, rule)
            for arg, name, rule, side in (("a", "dx", rx, "x"), ("b", "dy", ry, "y"))
            if side in active and rule is not None
        ]
        lines = [
            f"out = {value}",
            *(dx if "x" in active and rx is not None else []),
            *(dy if "y" in active and ry is not None else []),
        ]
        if not sides:  # every active argument has a zero partial
            source = "a" if "x" in active else "b"
            return [*lines, f"return _Dual(out, {source}.tangent * 0.0, tag)"]
        if len(sides) == 1:
            arg, name, _ = sides[0]
            return [
                *lines,
                f"td = {arg}._dir",
                "if type(td) is _ndarray:  # scale lazily: a float multiply",
                f"    return _Dual(out, td, tag, {name} * {arg}._scale)",
                f"return _Dual(out, {name} * td, tag)",
            ]
        return [
            *lines,
            "ta = a._dir",
            "tb = b._dir",
            "if type(ta) is _ndarray and type(tb) is _ndarray:",
            "    ca = dx * a._scale",
            "    cb = dy * b._scale",
            "    if ca != 1.0:",
            "        ta = _mul(ta, ca)",
            "    if cb != 1.0:",
            "        tb = _mul(tb, cb)",
            "    return _Dual(out, ta + tb, tag)",
            "return _Dual(out, dx * a.tangent + dy * b.tangent, tag)",
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


# Slots each constructor fills, from its arguments: (slot, argument index or an
# expression over the arguments a0, a1 ...).
_CONSTRUCTORS = {
    "_Var": [("value", "a0"), ("_tape", "a1"), ("_index", "a2"), ("_tag", "a1.tag")],
    "_Dual": [("value", "a0"), ("_dir", "a1"), ("_scale", "a3"), ("_tag", "a2")],
}


def _inline_constructors(source: str) -> str:
    """Write ``return _Var(...)`` / ``return _Dual(...)`` as ``object.__new__`` and slot
    stores: a third cheaper than calling the class, whose ``__init__`` is a Python call."""
    out = []
    for line in source.splitlines():
        stripped = line.lstrip()
        call = stripped.removeprefix("return ")
        name = call.split("(", 1)[0]
        if not stripped.startswith("return ") or name not in _CONSTRUCTORS:
            out.append(line)
            continue
        pad = line[: len(line) - len(stripped)]
        args = [ast.unparse(a) for a in ast.parse(call, mode="eval").body.args]  # type: ignore[attr-defined]
        if name == "_Dual" and len(args) == 3:
            args.append("1.0")
        bound = dict(zip(("a0", "a1", "a2", "a3"), args, strict=False))
        out.append(f"{pad}r = _new({name})")
        for slot, expr in _CONSTRUCTORS[name]:
            head, _, rest = expr.partition(".")
            value = bound[head] + (f".{rest}" if rest else "")
            out.append(f"{pad}r.{slot} = {value}")
        out.append(f"{pad}return r")
    return "\n".join(out)


def specialise(prim: Primitive) -> Callable[..., Any]:
    """The generated function for ``prim``, same results as the generic one."""
    source = _unary_source(prim) if prim.arity == 1 else _binary_source(prim)
    source = _inline_constructors(source)
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
        _mul=np.multiply,
        _new=object.__new__,
        _ndarray=np.ndarray,
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
