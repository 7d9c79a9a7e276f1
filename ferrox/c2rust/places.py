"""Translated C values and lvalues ("places") and how each is read, written and decayed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ferrox.c2rust.rtypes import Untranslatable

__all__ = ["Place", "Val"]


@dataclass
class Val:
    """A translated rvalue: Rust code and the C type it has.

    ``boolish`` marks C ``int`` results of comparisons and logical operators, which are
    Rust ``bool`` until a number is needed.
    """

    code: str
    ctype: Any
    boolish: bool = False


@dataclass
class Place:
    """A translated C lvalue.

    kinds: ``local`` (a Rust local, ``base.path``), ``cell`` (element ``index`` of the
    ``Ptr`` expression ``base``, then ``path``), ``array`` (a whole C array variable whose
    buffer handle is ``base``), ``rvalue`` (a temporary struct, read only).
    """

    kind: str
    base: str
    ctype: Any
    path: list[str] = field(default_factory=list)
    index: str | None = None
    copy: bool = True
    union: bool = False

    def with_field(self, name: str, ctype: Any, copy: bool, union: bool) -> Place:
        return replace(
            self, path=[*self.path, name], ctype=ctype, copy=copy, union=self.union or union
        )

    def _suffix(self) -> str:
        return "".join("." + p for p in self.path)

    def _access(self, body: str, mutable: bool) -> str:
        fn = ("with_mut" if mutable else "with") + ("_at" if self.index is not None else "")
        idx = f"{self.index}, " if self.index is not None else ""
        return f"{self.base}.{fn}({idx}|__e| {body})"

    def read(self) -> str:
        """Rust code for the value stored here (cloned unless ``Copy``)."""
        clone = "" if self.copy else ".clone()"
        if self.kind == "array":
            raise Untranslatable("a whole array used as a value")
        if self.kind in ("local", "rvalue"):
            base = self.base if self.kind == "local" else f"({self.base})"
            code = f"{base}{self._suffix()}{clone}"
            return f"unsafe {{ {code} }}" if self.union else code
        if not self.path:
            return (
                f"{self.base}.at({self.index})" if self.index is not None else f"{self.base}.get()"
            )
        body = f"__e{self._suffix()}{clone}"
        if self.union:
            body = f"unsafe {{ {body} }}"
        return self._access(body, mutable=False)

    def write(self, value: str) -> str:
        """A Rust statement (no trailing semicolon) storing ``value`` here."""
        if self.kind == "rvalue":
            raise Untranslatable("assignment to a temporary")
        if self.kind == "array":
            raise Untranslatable("assignment to a whole array")
        if self.kind == "local":
            return f"{self.base}{self._suffix()} = {value}"
        if not self.path:
            if self.index is not None:
                return f"{self.base}.set_at({self.index}, {value})"
            return f"{self.base}.set({value})"
        if re.fullmatch(r"-?[\w.]+(\.clone\(\))?", value) and "__e" not in value:
            # a local or a literal borrows nothing: store it straight from the closure
            return self._access(f"__e{self._suffix()} = {value}", mutable=True)
        return (
            "{ let __v = "
            + value
            + "; "
            + self._access(f"__e{self._suffix()} = __v", mutable=True)
            + "; }"
        )

    def decay(self) -> str:
        """Rust code for a pointer to the first element of the array stored here."""
        if self.kind == "array":
            return f"{self.base}.clone()"
        if self.kind in ("local", "rvalue"):
            base = self.base if self.kind == "local" else f"({self.base})"
            return f"{base}{self._suffix()}.ptr()"
        return self._access(f"__e{self._suffix()}.ptr()", mutable=False)

    def address(self) -> str:
        """Rust code for ``&place``."""
        if self.kind == "array":
            return f"{self.base}.clone()"
        if self.kind == "cell" and not self.path:
            return (
                f"{self.base}.add({self.index})"
                if self.index is not None
                else f"{self.base}.clone()"
            )
        if self.kind == "cell" and not self.union:
            base = f"{self.base}.add({self.index})" if self.index is not None else self.base
            sfx = self._suffix()
            return f"Ptr::field(&{base}, |__s| &__s{sfx}, |__s| &mut __s{sfx})"
        if self.union:
            raise Untranslatable("the address of a union member")
        raise Untranslatable("the address of a local that is not a cell")

    def bind_base(self) -> tuple[str, Place]:
        """A ``let`` that evaluates the pointer part once, and the place that uses it."""
        if self.kind != "cell" or self.base.isidentifier():
            idx = self.index
            if idx is not None and not idx.replace(" ", "").isidentifier():
                return f"let __i = {idx};", replace(self, index="__i")
            return "", self
        pre = f"let __p = {self.base};"
        idx = self.index
        if idx is not None and not idx.isidentifier():
            pre += f" let __i = {idx};"
            idx = "__i"
        return pre, replace(self, base="__p", index=idx)
