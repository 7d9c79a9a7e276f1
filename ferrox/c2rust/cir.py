"""The typed C IR: what the front end makes of libclang's cursors, before any Rust exists.

Every expression carries its C type (after clang's implicit conversions, which appear as
explicit :class:`Cast` nodes) and its source location; statements and declarations are
plain frozen dataclasses. Record layouts (sizes, field offsets, bit-fields) come from
clang, so the memory model can lay C objects out byte for byte as gcc does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "Array",
    "Assign",
    "Binary",
    "Block",
    "Break",
    "CType",
    "Call",
    "Case",
    "Cast",
    "Comma",
    "CompoundLit",
    "Cond",
    "Continue",
    "DeclStmt",
    "Default",
    "DoWhile",
    "Expr",
    "ExprStmt",
    "FieldDef",
    "FloatLit",
    "FloatT",
    "For",
    "FuncDef",
    "FuncT",
    "GlobalVar",
    "Goto",
    "If",
    "IncDec",
    "Index",
    "InitList",
    "IntLit",
    "IntT",
    "Label",
    "LocalVar",
    "Member",
    "Null",
    "Pointer",
    "Program",
    "Record",
    "RecordDef",
    "Ref",
    "Return",
    "SizeOfType",
    "SizeOfVla",
    "Stmt",
    "StmtExpr",
    "StrLit",
    "Switch",
    "Unary",
    "Unsupported",
    "VaArg",
    "Void",
    "While",
]


# ---- types


@dataclass(frozen=True)
class CType:
    """Base of the C types."""


@dataclass(frozen=True)
class Void(CType):
    """``void``."""


@dataclass(frozen=True)
class IntT(CType):
    """An integer type of ``bits`` width; ``boolean`` for ``_Bool``."""

    bits: int
    signed: bool
    boolean: bool = False

    @property
    def size(self) -> int:
        return self.bits // 8


@dataclass(frozen=True)
class FloatT(CType):
    """``float`` (32), ``double`` (64); ``long double`` is computed as a double in 16 bytes."""

    bits: int
    size: int


@dataclass(frozen=True)
class Pointer(CType):
    """A pointer (8 bytes); ``pointee`` may be :class:`Void` or a :class:`FuncT`."""

    pointee: CType


@dataclass(frozen=True)
class Array(CType):
    """``elem[n]``; ``n`` is None for an incomplete array, -1 for a variable-length one,
    whose element count is ``dim`` (the expression its declaration gave, when known; it
    takes no part in type equality)."""

    elem: CType
    n: int | None
    dim: Expr | None = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Record(CType):
    """A struct or union, named by its clang USR; the layout lives in :class:`Program`."""

    usr: str
    name: str
    union: bool = False


@dataclass(frozen=True)
class FuncT(CType):
    """A function type; ``params`` is None for an unprototyped ``f()``."""

    ret: CType
    params: tuple[CType, ...] | None
    variadic: bool = False


@dataclass(frozen=True)
class FieldDef:
    """One field: its byte offset, and bit offset/width when it is a bit-field."""

    name: str
    type: CType
    offset: int
    bit_offset: int = 0
    bit_width: int | None = None


@dataclass(frozen=True)
class RecordDef:
    """A record's layout as clang computed it (None fields: declared but not defined)."""

    usr: str
    name: str
    union: bool
    size: int | None
    align: int
    fields: tuple[FieldDef, ...] | None


# ---- expressions


@dataclass(frozen=True)
class Expr:
    """Base of the expressions; ``type`` is the C type, ``loc`` is ``file:line``."""

    type: CType
    loc: str


@dataclass(frozen=True)
class IntLit(Expr):
    """An integer constant (literals, enumerators, sizeof, folded constant expressions)."""

    value: int


@dataclass(frozen=True)
class FloatLit(Expr):
    """A floating constant."""

    value: float


@dataclass(frozen=True)
class StrLit(Expr):
    """A string literal; ``data`` includes the terminating NUL, padded to the array size."""

    data: bytes


@dataclass(frozen=True)
class Ref(Expr):
    """A reference to a declaration: ``kind`` is local, global or function; ``key`` its USR."""

    kind: str
    key: str
    name: str


@dataclass(frozen=True)
class Unary(Expr):
    """``& * - + ~ !`` applied to ``operand``."""

    op: str
    operand: Expr


@dataclass(frozen=True)
class IncDec(Expr):
    """``++``/``--``, prefix or postfix."""

    op: str
    prefix: bool
    operand: Expr


@dataclass(frozen=True)
class Binary(Expr):
    """Arithmetic, comparison, shift, bitwise and logical operators."""

    op: str
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class Assign(Expr):
    """``=`` or a compound assignment (``op`` is ``"+"`` for ``+=``, ``""`` for ``=``)."""

    op: str
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class Comma(Expr):
    """``lhs, rhs``."""

    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class Cond(Expr):
    """``cond ? then : other``."""

    cond: Expr
    then: Expr
    other: Expr


@dataclass(frozen=True)
class Cast(Expr):
    """A conversion to ``type``, explicit or one of clang's implicit ones."""

    operand: Expr
    implicit: bool = True


@dataclass(frozen=True)
class Call(Expr):
    """A call; ``callee`` is a :class:`Ref` to a function or an expression of pointer type."""

    callee: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Member(Expr):
    """``base.name`` or ``base->name`` (``arrow``), with the field's layout."""

    base: Expr
    field: FieldDef
    arrow: bool


@dataclass(frozen=True)
class Index(Expr):
    """``base[index]`` where ``base`` is the pointer operand (after decay)."""

    base: Expr
    index: Expr


@dataclass(frozen=True)
class InitList(Expr):
    """A braced initializer as written: items are expressions or ``(designators, expr)``."""

    items: tuple[tuple[tuple[str | int, ...], Expr], ...]


@dataclass(frozen=True)
class CompoundLit(Expr):
    """``(T){ ... }``: an unnamed object of type ``type``."""

    init: Expr


@dataclass(frozen=True)
class StmtExpr(Expr):
    """GNU ``({ ... })``: the value is the last statement's, when it is an expression."""

    body: Block


@dataclass(frozen=True)
class VaArg(Expr):
    """``va_arg(ap, T)``; ``ap`` is the address of the ``va_list`` object."""

    ap: Expr


@dataclass(frozen=True)
class SizeOfVla(Expr):
    """``sizeof`` of a variable-length array (a local): the byte size of its object, as
    allocated from the count its declaration evaluated."""

    array: Expr


@dataclass(frozen=True)
class SizeOfType(Expr):
    """``sizeof`` of an expression whose type has a variable-length array in it (``sizeof
    row[0]`` of ``int row[n][m]``): computed from the dimensions' expressions."""

    of: CType


@dataclass(frozen=True)
class Unsupported(Expr):
    """A construct the front end cannot express; translating it makes the function a stub."""

    reason: str


# ---- statements


@dataclass(frozen=True)
class Stmt:
    """Base of the statements."""

    loc: str


@dataclass(frozen=True)
class LocalVar:
    """A local variable (``static`` locals become :class:`GlobalVar`)."""

    key: str
    name: str
    type: CType
    init: Expr | None
    vla_count: Expr | None = None


@dataclass(frozen=True)
class Block(Stmt):
    """``{ ... }``."""

    items: tuple[Stmt, ...]


@dataclass(frozen=True)
class DeclStmt(Stmt):
    """Declarations of locals."""

    vars: tuple[LocalVar, ...]


@dataclass(frozen=True)
class ExprStmt(Stmt):
    """An expression evaluated for its effects."""

    expr: Expr


@dataclass(frozen=True)
class If(Stmt):
    """``if``."""

    cond: Expr
    then: Stmt
    other: Stmt | None


@dataclass(frozen=True)
class While(Stmt):
    """``while``."""

    cond: Expr
    body: Stmt


@dataclass(frozen=True)
class DoWhile(Stmt):
    """``do ... while``."""

    body: Stmt
    cond: Expr


@dataclass(frozen=True)
class For(Stmt):
    """``for``; each part may be absent."""

    init: Stmt | None
    cond: Expr | None
    step: Expr | None
    body: Stmt


@dataclass(frozen=True)
class Switch(Stmt):
    """``switch``; its :class:`Case` and :class:`Default` labels sit somewhere in ``body``."""

    cond: Expr
    body: Stmt


@dataclass(frozen=True)
class Case(Stmt):
    """``case value:`` (``high`` for GNU ranges) labelling ``body``."""

    value: int
    high: int | None
    body: Stmt


@dataclass(frozen=True)
class Default(Stmt):
    """``default:`` labelling ``body``."""

    body: Stmt


@dataclass(frozen=True)
class Label(Stmt):
    """``name:`` labelling ``body``."""

    name: str
    body: Stmt


@dataclass(frozen=True)
class Goto(Stmt):
    """``goto name``."""

    name: str


@dataclass(frozen=True)
class Break(Stmt):
    """``break``."""


@dataclass(frozen=True)
class Continue(Stmt):
    """``continue``."""


@dataclass(frozen=True)
class Return(Stmt):
    """``return`` with an optional value."""

    value: Expr | None


@dataclass(frozen=True)
class Null(Stmt):
    """``;``."""


# ---- declarations


@dataclass
class GlobalVar:
    """A variable with static storage: file-scope, ``static`` local or ``extern``."""

    key: str
    name: str
    type: CType
    init: Expr | None
    defined: bool
    file: str


@dataclass
class FuncDef:
    """A function; ``body`` is None for a declaration only (libc or another file)."""

    key: str
    name: str
    type: FuncT
    params: tuple[LocalVar, ...]
    body: Block | None
    static: bool
    file: str
    loc: str
    error: str | None = None
    alias: str | None = None


@dataclass
class Program:
    """The whole program: every translation unit's declarations, merged by USR."""

    records: dict[str, RecordDef] = field(default_factory=dict)
    globals: dict[str, GlobalVar] = field(default_factory=dict)
    functions: dict[str, FuncDef] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def size_of(self, t: CType) -> int:
        """The size in bytes gcc gives ``t`` on x86-64."""
        if isinstance(t, IntT):
            return t.size
        if isinstance(t, FloatT):
            return t.size
        if isinstance(t, Pointer):
            return 8
        if isinstance(t, Array):
            if t.n == -1:
                raise KeyError("a variable-length array type (its size is known only at run time)")
            return self.size_of(t.elem) * max(t.n or 0, 0)
        if isinstance(t, Record):
            rec = self.records.get(t.usr)
            if rec is None or rec.size is None:
                raise KeyError(f"incomplete type '{t.name}'")
            return rec.size
        if isinstance(t, FuncT):
            return 1
        return 1

    def fields(self, t: Record) -> tuple[FieldDef, ...]:
        """The fields of a defined record."""
        rec = self.records.get(t.usr)
        if rec is None or rec.fields is None:
            raise KeyError(f"incomplete type '{t.name}'")
        return rec.fields
