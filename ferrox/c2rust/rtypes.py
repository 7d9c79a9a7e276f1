"""C types to Rust types under ferrox's memory model (see ``runtime/rt.rs``).

Scalars map to Rust's fixed-width types (``char`` is ``u8``: strings are bytes); pointers
become ``Ptr<T>``, arrays inside structs ``Arr<T, N>``, function pointers
``Option<fn(..) -> R>``, enums ``i32``, ``FILE *`` the runtime's ``Stream``.
"""

from __future__ import annotations

import re
from typing import Any

from ferrox.errors import UnsupportedError

__all__ = ["RUST_KEYWORDS", "TypeMapper", "Untranslatable", "rust_ident"]

RUST_KEYWORDS = frozenset(
    [
        "as",
        "async",
        "await",
        "break",
        "const",
        "continue",
        "crate",
        "dyn",
        "else",
        "enum",
        "extern",
        "false",
        "fn",
        "for",
        "if",
        "impl",
        "in",
        "let",
        "loop",
        "match",
        "mod",
        "move",
        "mut",
        "pub",
        "ref",
        "return",
        "self",
        "Self",
        "static",
        "struct",
        "super",
        "trait",
        "true",
        "type",
        "unsafe",
        "use",
        "where",
        "while",
        "abstract",
        "become",
        "box",
        "do",
        "final",
        "macro",
        "override",
        "priv",
        "typeof",
        "unsized",
        "virtual",
        "yield",
        "try",
        "gen",
    ]
)
_UNRAW = frozenset({"self", "Self", "super", "crate", "_"})
_RESERVED_TYPES = frozenset(
    {
        "Ptr",
        "Arr",
        "Arg",
        "Out",
        "Stream",
        "String",
        "Vec",
        "Option",
        "Box",
        "Some",
        "None",
        "Result",
        "Ok",
        "Err",
        "Default",
        "Clone",
        "Copy",
        "main",
    }
)


class Untranslatable(UnsupportedError):
    """A construct the rule-based translator does not handle; the function becomes a stub."""


def rust_ident(name: str) -> str:
    """A C identifier as a Rust identifier (raw identifiers for Rust keywords)."""
    if name in _UNRAW:
        return name + "_"
    if name in RUST_KEYWORDS:
        return "r#" + name
    return name


_SCALARS = {
    "VOID": "()",
    "BOOL": "bool",
    "CHAR_S": "u8",
    "CHAR_U": "u8",
    "SCHAR": "i8",
    "UCHAR": "u8",
    "SHORT": "i16",
    "USHORT": "u16",
    "INT": "i32",
    "UINT": "u32",
    "LONG": "i64",
    "ULONG": "u64",
    "LONGLONG": "i64",
    "ULONGLONG": "u64",
    "FLOAT": "f32",
    "DOUBLE": "f64",
    "LONGDOUBLE": "f64",
    "INT128": "i128",
    "UINT128": "u128",
}
# C's integer conversion ranks, lowest first (an enum ranks as its int)
INTEGER_RANKS = (
    "BOOL",
    "CHAR_S",
    "CHAR_U",
    "SCHAR",
    "UCHAR",
    "SHORT",
    "USHORT",
    "INT",
    "ENUM",
    "UINT",
    "LONG",
    "ULONG",
    "LONGLONG",
    "ULONGLONG",
    "INT128",
    "UINT128",
)
INTEGER_KINDS = frozenset(INTEGER_RANKS)
UNSIGNED_KINDS = frozenset(
    {"BOOL", "CHAR_S", "CHAR_U", "UCHAR", "USHORT", "UINT", "ULONG", "ULONGLONG", "UINT128"}
)
FLOAT_KINDS = frozenset({"FLOAT", "DOUBLE", "LONGDOUBLE"})


class TypeMapper:
    """Names records and maps canonical C types to Rust type text."""

    def __init__(self) -> None:
        self.record_names: dict[str, str] = {}  # clang USR -> Rust name
        self._used: set[str] = set()

    def record_name(self, decl: Any) -> str:
        """The Rust name of a struct/union declaration (stable across files by USR)."""
        usr = decl.get_usr() or f"{decl.location.file}:{decl.location.line}"
        if usr in self.record_names:
            return self.record_names[usr]
        base = decl.spelling or ""
        if not base or base.startswith(("struct ", "union ")) or "(" in base:
            base = self._typedef_name(decl) or f"anon_{decl.location.line}"
        base = re.sub(r"\W", "_", base)
        if base in _RESERVED_TYPES or base in RUST_KEYWORDS:
            base += "_c"
        name = base
        k = 2
        while name in self._used:
            name = f"{base}_{k}"
            k += 1
        self._used.add(name)
        self.record_names[usr] = name
        return name

    @staticmethod
    def _typedef_name(decl: Any) -> str | None:
        parent = decl.semantic_parent
        if parent is None:
            return None
        for sib in parent.get_children():
            if sib.kind.name == "TYPEDEF_DECL":
                under = sib.underlying_typedef_type.get_canonical().get_declaration()
                if under == decl:
                    return sib.spelling
        return None

    def kind(self, ctype: Any) -> str:
        """The canonical kind name (``INT``, ``POINTER``, ``RECORD`` …)."""
        return ctype.get_canonical().kind.name

    def is_file_ptr(self, ctype: Any) -> bool:
        t = ctype.get_canonical()
        if t.kind.name != "POINTER":
            return False
        pointee = t.get_pointee().get_canonical()
        return pointee.kind.name == "RECORD" and pointee.get_declaration().spelling in (
            "_IO_FILE",
            "FILE",
        )

    def rust(self, ctype: Any) -> str:
        """Rust type text for ``ctype`` (arrays as ``Arr<T, N>`` — callers decay locals)."""
        t = ctype.get_canonical()
        k = t.kind.name
        if k in _SCALARS:
            return _SCALARS[k]
        if k == "ENUM":
            return "i32"
        if k == "POINTER":
            if self.is_file_ptr(t):
                return "rt::Stream"
            pointee = t.get_pointee().get_canonical()
            pk = pointee.kind.name
            if pk in ("FUNCTIONPROTO", "FUNCTIONNOPROTO"):
                return f"Option<{self.fn_type(pointee)}>"
            if pk == "VOID":
                raise Untranslatable("void pointers (untyped memory)")
            return f"Ptr<{self.rust(pointee)}>"
        if k == "CONSTANTARRAY":
            return f"Arr<{self.rust(t.element_type)}, {t.element_count}>"
        if k in ("INCOMPLETEARRAY", "VARIABLEARRAY"):
            return f"Ptr<{self.rust(t.element_type)}>"
        if k == "RECORD":
            decl = t.get_declaration()
            if decl.spelling in ("_IO_FILE", "FILE"):
                raise Untranslatable("FILE objects by value")
            return self.record_name(decl)
        if k in ("FUNCTIONPROTO", "FUNCTIONNOPROTO"):
            return self.fn_type(t)
        raise Untranslatable(f"C type '{ctype.spelling}' ({k})")

    def fn_type(self, ftype: Any) -> str:
        if ftype.kind.name == "FUNCTIONPROTO" and ftype.is_function_variadic():
            raise Untranslatable("pointers to variadic functions")
        args = (
            ", ".join(self.rust(a) for a in ftype.argument_types())
            if ftype.kind.name == "FUNCTIONPROTO"
            else ""
        )
        ret = ftype.get_result()
        tail = "" if ret.get_canonical().kind.name == "VOID" else f" -> {self.rust(ret)}"
        return f"fn({args}){tail}"

    def is_copy(self, ctype: Any) -> bool:
        """True when the Rust type is ``Copy`` (no ``.clone()`` needed)."""
        k = self.kind(ctype)
        if k in _SCALARS or k == "ENUM":
            return True
        if k == "POINTER":
            pk = ctype.get_canonical().get_pointee().get_canonical().kind.name
            return pk in ("FUNCTIONPROTO", "FUNCTIONNOPROTO") or self.is_file_ptr(ctype)
        if k == "RECORD":
            return ctype.get_canonical().get_declaration().kind.name == "UNION_DECL"
        return False

    def default_value(self, ctype: Any) -> str:
        """A zero value of the type, as C gives static storage."""
        k = self.kind(ctype)
        if k in ("FLOAT", "DOUBLE", "LONGDOUBLE"):
            return "0.0"
        if k == "BOOL":
            return "false"
        if k in INTEGER_KINDS:
            return "0"
        if k == "POINTER" and self.rust(ctype).startswith("Option<"):
            return "None"
        if k == "POINTER" and self.is_file_ptr(ctype):
            return "rt::Stream::Out"
        return "Default::default()"


class _Kind:
    def __init__(self, name: str) -> None:
        self.name = name


class CInt:
    """A stand-in for clang's ``int`` type where the AST has none to hand."""

    kind = _Kind("INT")
    spelling = "int"

    def get_canonical(self) -> CInt:
        return self
