"""A small Rust IR (items and nested statements) and its printer.

Lowering builds these from the C IR; :func:`print_fn` and :func:`print_module` turn them
into text that rustfmt then formats. Expressions are carried as already-typed Rust text:
the lowering decides every conversion, the printer only lays out structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RBlock", "RFn", "RIf", "RLine", "RStmt", "print_fn", "print_stmts"]


@dataclass(frozen=True)
class RStmt:
    """Base of the Rust statements."""


@dataclass(frozen=True)
class RLine(RStmt):
    """One statement or expression line (the printer adds nothing but indentation)."""

    code: str


@dataclass(frozen=True)
class RBlock(RStmt):
    """``head { body } tail``: if/else chains, loops, labelled blocks."""

    head: str
    body: tuple[RStmt, ...]
    tail: str = ""


@dataclass(frozen=True)
class RIf(RStmt):
    """``if cond { then } else { other }``."""

    cond: str
    then: tuple[RStmt, ...]
    other: tuple[RStmt, ...] = ()


@dataclass
class RFn:
    """A Rust function: a translated C function or a generated helper."""

    name: str
    params: list[tuple[str, str]]
    ret: str
    body: list[RStmt] = field(default_factory=list)
    doc: str = ""
    c_name: str = ""
    stub: str | None = None
    missing: list[str] = field(default_factory=list)


def print_stmts(stmts: tuple[RStmt, ...] | list[RStmt], depth: int = 1) -> list[str]:
    """The lines of ``stmts`` at ``depth`` levels of indentation."""
    pad = "    " * depth
    out: list[str] = []
    for s in stmts:
        if isinstance(s, RLine):
            out.append(pad + s.code)
        elif isinstance(s, RBlock):
            out.append(f"{pad}{s.head} {{")
            out += print_stmts(s.body, depth + 1)
            out.append(f"{pad}}}{s.tail}")
        elif isinstance(s, RIf):
            out.append(f"{pad}if {s.cond} {{")
            out += print_stmts(s.then, depth + 1)
            if s.other:
                out.append(f"{pad}}} else {{")
                out += print_stmts(s.other, depth + 1)
            out.append(f"{pad}}}")
    return out


def print_fn(fn: RFn) -> str:
    """A function's text: doc line, signature, body (or the stub's panic)."""
    params = ", ".join(f"{n}: {t}" for n, t in fn.params)
    ret = "" if fn.ret in ("", "()") else f" -> {fn.ret}"
    lines = [f"/// {fn.doc}"] if fn.doc else []
    lines.append(f"pub fn {fn.name}({params}){ret} {{")
    if fn.stub is not None:
        msg = (
            fn.stub.replace("\\", "\\\\").replace('"', '\\"').replace("{", "{{").replace("}", "}}")
        )
        lines.append(f'    unimplemented!("{fn.c_name or fn.name}: not translated: {msg}")')
    else:
        lines += print_stmts(fn.body)
    lines.append("}")
    return "\n".join(lines) + "\n"
