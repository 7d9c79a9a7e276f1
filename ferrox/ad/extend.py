"""The whole extension API: add a differentiable primitive with its rules, once.

Example — the logistic function with its derivative written as a rule::

    from ferrox.ad.extend import defprim
    sigmoid = defprim("sigmoid", lambda x: 1 / (1 + math.exp(-x)), "out * (1.0 - out)",
                      kernel="1.0 / (1.0 + exp(-x))")

The returned function works on floats and every ferrox number, and the compiled mode
regenerates its kernel to include the new primitive.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ferrox.ad import primitives
from ferrox.ad.core import GENERIC, compile_rules, generic

__all__ = ["defprim"]


def defprim(
    name: str, value: Callable[..., Any], *partials: str | None, kernel: str | None = None
) -> Callable[..., Any]:
    """Define primitive ``name``: ``value`` on floats, one rule text per argument.

    A rule is an expression in ``x``, ``y`` (arguments), ``out`` (the value) and the
    ``ferrox.ad.math`` function names; ``None`` means a zero partial. ``kernel`` is the
    value as an expression for the compiled kernel (default ``name(x)``, which only
    works for names the kernel knows). Returns the differentiable function.
    """
    if not name.isidentifier():
        raise ValueError(f"primitive name must be an identifier, not {name!r}")
    if kernel is None:
        args = "x" if len(partials) == 1 else "x, y"
        raise ValueError(f"{name}: give kernel=, the value as an expression of {args}")
    prim = primitives.defprim(name, value, *partials, kernel=kernel)
    fn = GENERIC[name] = generic(prim)
    compile_rules(prim)
    return fn
