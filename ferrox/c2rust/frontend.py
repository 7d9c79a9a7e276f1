"""Front end: libclang cursors to the typed C IR (:mod:`ferrox.c2rust.cir`).

Dispatch is by tables keyed by cursor kind (expressions, statements) and by canonical type
kind. Every translation unit of the project is parsed with its own flags, as gcc would
(``-std=gnu11``; implicit declarations and int conversions are warnings, not errors), and
merged into one :class:`~ferrox.c2rust.cir.Program` by clang's USRs, so a struct declared
opaque in a header and defined in a .c file, ``static`` functions of one name in several
files and ``inline`` functions in headers each resolve to one declaration.
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ferrox.c2rust import cir
from ferrox.c2rust.clang_api import CParseError, _cindex, _lib, binary_op, evaluate, unary_op
from ferrox.c2rust.generic import GenericError, Preprocessed, selected_association
from ferrox.c2rust.gnu_source import GnuRewriter
from ferrox.c2rust.literals import string_bytes

__all__ = ["GCC_LIKE", "Lowered", "build_program"]

# clang 16+ made these errors in C99 and later; gcc only warns
GCC_LIKE = [
    "-Wno-error=implicit-function-declaration",
    "-Wno-error=implicit-int",
    "-Wno-error=int-conversion",
    "-Wno-error=incompatible-pointer-types",
    "-Wno-error=incompatible-function-pointer-types",
    "-Wno-error=return-type",
    "-ferror-limit=50",
    # the runtime checks every access as AddressSanitizer does: code that reads past the
    # end of a buffer unless ASan is on (word-at-a-time hashes) takes its precise path
    "-D__SANITIZE_ADDRESS__=1",
]

Lowered = cir.Expr | cir.Stmt


class _Unsupported(Exception):
    pass


@functools.cache
def _extra_lib() -> Any:
    ci = _cindex()
    lib = _lib()
    lib.clang_Cursor_getVarDeclInitializer.argtypes = [ci.Cursor]
    lib.clang_Cursor_getVarDeclInitializer.restype = ci.Cursor
    lib.clang_Cursor_isAnonymousRecordDecl.argtypes = [ci.Cursor]
    lib.clang_Cursor_isAnonymousRecordDecl.restype = ctypes.c_uint
    lib.clang_getPresumedLocation.argtypes = [
        ci.SourceLocation,
        ctypes.POINTER(ci._CXString),
        ctypes.POINTER(ctypes.c_uint),
        ctypes.POINTER(ctypes.c_uint),
    ]
    lib.clang_getPresumedLocation.restype = None
    return lib


def _initializer(c: Any) -> Any | None:
    init = _extra_lib().clang_Cursor_getVarDeclInitializer(c)
    if init is None or init == _cindex().conf.lib.clang_getNullCursor():
        return None
    init._tu = c._tu
    if init.kind.is_invalid():
        return None
    return init


# ---- types

_INT_KINDS = {
    "BOOL": (8, False, True),
    "CHAR_S": (8, True, False),
    "SCHAR": (8, True, False),
    "CHAR_U": (8, False, False),
    "UCHAR": (8, False, False),
    "SHORT": (16, True, False),
    "USHORT": (16, False, False),
    "INT": (32, True, False),
    "UINT": (32, False, False),
    "LONG": (64, True, False),
    "ULONG": (64, False, False),
    "LONGLONG": (64, True, False),
    "ULONGLONG": (64, False, False),
    "INT128": (128, True, False),
    "UINT128": (128, False, False),
    "WCHAR": (32, True, False),
    "CHAR16": (16, False, False),
    "CHAR32": (32, False, False),
}
_FLOAT_KINDS = {"FLOAT": (32, 4), "DOUBLE": (64, 8), "LONGDOUBLE": (64, 16), "FLOAT128": (64, 16)}


def _anonymous_offset(rec_t: Any, target: Any, depth: int = 0) -> int | None:
    """The bit offset, in record type ``rec_t``, of its anonymous member of type ``target``
    (looking through nested anonymous members too)."""
    if depth > 8:
        return None
    want = target.get_declaration()
    for f in rec_t.get_fields():
        ft = f.type.get_canonical()
        if ft.kind.name != "RECORD":
            continue
        if ft.get_declaration() == want and f.is_anonymous():
            return f.get_field_offsetof()
        if f.is_anonymous():
            inner = _anonymous_offset(ft, target, depth + 1)
            if inner is not None:
                return f.get_field_offsetof() + inner
    return None


def _rvalue(t: cir.CType) -> cir.CType:
    """The type of an expression that is never an lvalue of array type (arithmetic,
    assignment, ?:, ++): libclang reports an array parameter's decayed pointer (`const long
    args[]`, then `args + 2`) by its original array type, so an array here is its pointer."""
    return cir.Pointer(t.elem) if isinstance(t, cir.Array) else t


def _loc(c: Any) -> str:
    """``file:line`` of a cursor as gcc would name it: ``#line`` directives (a parser
    generator's, or those of a lifted nested function) are followed."""
    loc = c.location
    if loc.file is None:
        return "?:0"
    ci = _cindex()
    name, line, col = ci._CXString(), ctypes.c_uint(), ctypes.c_uint()
    _extra_lib().clang_getPresumedLocation(
        loc, ctypes.byref(name), ctypes.byref(line), ctypes.byref(col)
    )
    spelled = ci._CXString.from_result(name)
    return f"{Path(spelled or loc.file.name).name}:{line.value}"


class _Unit:
    """Converts one translation unit into the shared program."""

    def __init__(
        self,
        prog: cir.Program,
        tu: Any,
        root: Path,
        workdir: Path | None = None,
        flags: list[str] | None = None,
        tag: int = 0,
    ) -> None:
        self.prog = prog
        self.tu = tu
        # internal-linkage names belong to their unit: a `static` function or variable that
        # a header defines is one per unit in C (its body may differ with the unit's macros)
        self.tag = tag
        self.root = root
        self.workdir = workdir or Path.cwd()
        self.flags = flags or []
        self._generic: (
            tuple[Preprocessed, dict[str, str], dict[tuple[str, int], list[Any]]] | None
        ) = None
        self.ci = _cindex()
        self.fn_name = ""
        self.static_locals: list[cir.GlobalVar] = []
        # the element count of each variable-length array type of the current function,
        # by the type's spelling (``int[m]``)
        self.vla_dims: dict[str, cir.Expr] = {}

    # -- types

    def ctype(self, t: Any) -> cir.CType:
        t = t.get_canonical()
        kind = t.kind.name
        if kind in _INT_KINDS:
            bits, signed, boolean = _INT_KINDS[kind]
            return cir.IntT(bits, signed, boolean)
        if kind == "ENUM":
            return self.ctype(t.get_declaration().enum_type)
        if kind in _FLOAT_KINDS:
            return cir.FloatT(*_FLOAT_KINDS[kind])
        if kind == "VOID":
            return cir.Void()
        if kind == "POINTER":
            return cir.Pointer(self.ctype(t.get_pointee()))
        if kind == "CONSTANTARRAY":
            return cir.Array(self.ctype(t.element_type), t.element_count)
        if kind == "INCOMPLETEARRAY":
            return cir.Array(self.ctype(t.element_type), None)
        if kind == "VARIABLEARRAY":
            return cir.Array(self.ctype(t.element_type), -1, self.vla_dims.get(t.spelling))
        if kind == "RECORD":
            return self.record(t)
        if kind in ("FUNCTIONPROTO", "FUNCTIONNOPROTO"):
            ret = self.ctype(t.get_result())
            if kind == "FUNCTIONNOPROTO":
                return cir.FuncT(ret, None, True)
            return cir.FuncT(
                ret, tuple(self.ctype(a) for a in t.argument_types()), t.is_function_variadic()
            )
        raise _Unsupported(f"C type '{t.spelling}' ({kind.lower()})")

    def note_vla_dims(self, declared: Any, dims: list[Any]) -> None:
        """Records the size expression of each variable-length level of a declared type
        (``dims``: the declaration's dimension expressions, innermost first, as libclang
        lists them), so that every expression of that type knows its element count."""
        levels = []
        t = declared.get_canonical()
        while True:
            k = t.kind.name
            if k in ("CONSTANTARRAY", "VARIABLEARRAY", "INCOMPLETEARRAY"):
                levels.append(t)
                t = t.element_type.get_canonical()
            elif k == "POINTER":
                t = t.get_pointee().get_canonical()
            else:
                break
        if not any(lv.kind.name == "VARIABLEARRAY" for lv in levels):
            return
        sized = [lv for lv in levels if lv.kind.name != "INCOMPLETEARRAY"]
        if len(sized) != len(dims):
            return  # a level from a typedef: its own declaration recorded it
        for level, d in zip(reversed(sized), dims, strict=True):
            if level.kind.name == "VARIABLEARRAY":
                self.vla_dims[level.spelling] = self.expr(d)

    def record(self, t: Any) -> cir.Record:
        decl = t.get_declaration()
        usr = decl.get_usr() or f"anon:{_loc(decl)}:{decl.location.column}"
        union = decl.kind.name == "UNION_DECL"
        name = t.spelling
        rec = cir.Record(usr, name, union)
        known = self.prog.records.get(usr)
        if known is not None and known.fields is not None:
            return rec
        size = t.get_size()
        if size < 0:
            if known is None:
                self.prog.records[usr] = cir.RecordDef(usr, name, union, None, 1, None)
            return rec
        self.prog.records[usr] = cir.RecordDef(usr, name, union, size, t.get_align(), ())
        self.prog.records[usr] = cir.RecordDef(
            usr, name, union, size, t.get_align(), tuple(self._fields(t, decl))
        )
        return rec

    def _fields(self, t: Any, decl: Any) -> list[cir.FieldDef]:
        lib = _extra_lib()
        out = []
        children = list(decl.get_children())
        for i, ch in enumerate(children):
            if ch.kind.name == "FIELD_DECL":
                off = ch.get_field_offsetof()
                ftype = self.ctype(ch.type)
                if ch.is_bitfield():
                    out.append(
                        cir.FieldDef(ch.spelling, ftype, off // 8, off % 8, ch.get_bitfield_width())
                    )
                else:
                    out.append(cir.FieldDef(ch.spelling, ftype, off // 8))
            elif ch.kind.name in (
                "STRUCT_DECL",
                "UNION_DECL",
            ) and lib.clang_Cursor_isAnonymousRecordDecl(ch):
                follows = (
                    i + 1 < len(children)
                    and children[i + 1].kind.name == "FIELD_DECL"
                    and (children[i + 1].type.get_canonical().get_declaration() == ch)
                )
                if follows:
                    continue
                inner = self.record(ch.type)
                leaf = next(
                    (g for g in ch.get_children() if g.kind.name == "FIELD_DECL" and g.spelling),
                    None,
                )
                if leaf is None:
                    continue
                off = t.get_offset(leaf.spelling) - leaf.get_field_offsetof()
                out.append(cir.FieldDef("", inner, off // 8))
        return out

    # -- expressions

    def expr(self, c: Any) -> cir.Expr:
        handler = _EXPR.get(c.kind.name)
        if handler is None:
            value = evaluate(c) if c.type.get_canonical().kind.name in _INT_KINDS else None
            if value is not None:
                return cir.IntLit(self.ctype(c.type), _loc(c), int(value))
            raise _Unsupported(f"C expression {c.kind.name.lower()}")
        return handler(self, c)

    def kids(self, c: Any) -> list[Any]:
        return [k for k in c.get_children() if k.kind.name not in ("TYPE_REF", "TEMPLATE_REF")]

    def e_paren(self, c: Any) -> cir.Expr:
        return self.expr(self.kids(c)[0])

    def e_int(self, c: Any) -> cir.Expr:
        value = evaluate(c)
        if value is None:
            tok = next(iter(c.get_tokens()), None)
            text = (tok.spelling if tok else "0").rstrip("uUlL")
            value = (
                int(text, 0)
                if not text.startswith("0") or text in ("0",) or text.lower().startswith("0x")
                else int(text, 8)
            )
        start, end = c.extent.start.line, c.extent.end.line
        if value == end != start and next(iter(c.get_tokens()), None) is None:
            # __LINE__ in a macro invocation over several lines: clang gives the line of its
            # closing parenthesis, gcc (whose output the tests compare) the macro name's
            value = start
        return cir.IntLit(self.ctype(c.type), _loc(c), int(value))

    def e_float(self, c: Any) -> cir.Expr:
        value = evaluate(c)
        if value is None:
            tok = next(iter(c.get_tokens()), None)
            text = (tok.spelling if tok else "0").rstrip("fFlLdD")
            value = float.fromhex(text) if "x" in text.lower() else float(text)
        return cir.FloatLit(self.ctype(c.type), _loc(c), float(value))

    def e_char(self, c: Any) -> cir.Expr:
        value = evaluate(c)
        if value is None:
            raise _Unsupported("character literal")
        return cir.IntLit(self.ctype(c.type), _loc(c), int(value))

    def e_string(self, c: Any) -> cir.Expr:
        t = self.ctype(c.type)
        text = c.spelling
        width = self.prog.size_of(t.elem) if isinstance(t, cir.Array) else 1
        parts = re.findall(r'(?:u8|[LuU])?"(?:[^"\\]|\\.)*"', text, re.S)
        data = b"".join(string_bytes(p, width) for p in parts)
        n = (t.n if isinstance(t, cir.Array) and t.n else len(data) // width + 1) * width
        data = (data + b"\0" * n)[:n]
        return cir.StrLit(t, _loc(c), data)

    def e_ref(self, c: Any) -> cir.Expr:
        ref = c.referenced
        # an unexposed type is often sugar over a plain one (`__typeof__(x) v`, whose
        # references libclang types as typeof); only one with no canonical type is unknown
        exposed = c.type.get_canonical().kind.name not in ("UNEXPOSED", "INVALID")
        t = self.ctype(c.type) if exposed else cir.Void()
        kind = ref.kind.name if ref is not None else ""
        if kind == "ENUM_CONSTANT_DECL":
            return cir.IntLit(self.ctype(c.type), _loc(c), ref.enum_value)
        if kind == "FUNCTION_DECL":
            usr = self.decl_key(ref)
            if t == cir.Void():
                t = cir.FuncT(cir.Void(), None, True)
            return cir.Ref(t, _loc(c), "function", usr, ref.spelling)
        if kind == "PARM_DECL" or (kind == "VAR_DECL" and self._is_local(ref)):
            if kind == "PARM_DECL":
                t = _decay(t)
            return cir.Ref(t, _loc(c), "local", local_key(ref), ref.spelling)
        if kind == "VAR_DECL":
            if ref.semantic_parent is not None and ref.semantic_parent.kind.name == "FUNCTION_DECL":
                return cir.Ref(t, _loc(c), "global", self.static_local_key(ref), ref.spelling)
            return cir.Ref(t, _loc(c), "global", self.decl_key(ref), ref.spelling)
        raise _Unsupported(f"reference to {kind.lower() or 'an unknown declaration'}")

    def decl_key(self, c: Any) -> str:
        """The program-wide key of a function or file-scope variable: its USR, with the
        unit's tag when it has internal linkage (each unit has its own in C)."""
        usr = c.get_usr() or c.spelling
        return f"{usr}#{self.tag}" if c.linkage.name == "INTERNAL" else usr

    def static_local_key(self, c: Any) -> str:
        """The key of a function's `static` local: one object per unit, as its function."""
        return f"{local_key(c)}#{self.tag}"

    @staticmethod
    def _is_local(ref: Any) -> bool:
        parent = ref.semantic_parent
        if parent is None or parent.kind.name != "FUNCTION_DECL":
            return False
        return ref.storage_class.name not in ("STATIC", "EXTERN")

    def e_unexposed(self, c: Any) -> cir.Expr:
        kids = self.kids(c)
        t = self.ctype(c.type)
        if any(k.kind.name == "MEMBER_REF" for k in kids):
            value = evaluate(c)
            if value is None:
                raise _Unsupported("offsetof that clang cannot fold")
            return cir.IntLit(t, _loc(c), int(value))
        if (
            len(kids) == 1
            and "__va_list_tag" in kids[0].type.get_canonical().spelling
            and "__va_list_tag" not in c.type.get_canonical().spelling
        ):
            return cir.VaArg(t, _loc(c), self.expr(kids[0]))
        if len(kids) == 1:
            if kids[0].kind.name == "COMPOUND_STMT":
                return cir.StmtExpr(t, _loc(c), self.block(kids[0]))
            if kids[0].kind.name == "INIT_LIST_EXPR":
                return self.expr(kids[0])
            inner = self.expr(kids[0])
            if inner.type == t or (
                isinstance(t, cir.Array | cir.FuncT) and isinstance(inner.type, cir.Pointer)
            ):
                return inner
            return cir.Cast(t, _loc(c), inner, True)
        value = evaluate(c) if c.type.get_canonical().kind.name in _INT_KINDS else None
        if value is not None:
            return cir.IntLit(t, _loc(c), int(value))
        if not kids:
            if isinstance(t, cir.IntT | cir.FloatT | cir.Pointer):
                return (
                    cir.IntLit(t, _loc(c), 0)
                    if not isinstance(t, cir.FloatT)
                    else cir.FloatLit(t, _loc(c), 0.0)
                )
            return cir.InitList(t, _loc(c), ())
        raise _Unsupported(
            "C expression (unexposed, " + ", ".join(k.kind.name.lower() for k in kids) + ")"
        )

    def e_cast(self, c: Any) -> cir.Expr:
        kids = self.kids(c)
        self.note_vla_dims(c.type, [k for k in kids[:-1] if k.kind.is_expression()])
        t = self.ctype(c.type)
        inner = self.expr(kids[-1])
        if isinstance(inner, cir.InitList):
            return cir.CompoundLit(t, _loc(c), inner)
        return cir.Cast(t, _loc(c), inner, False)

    def e_compound_lit(self, c: Any) -> cir.Expr:
        kids = self.kids(c)
        return cir.CompoundLit(self.ctype(c.type), _loc(c), self.expr(kids[-1]))

    def e_init_list(self, c: Any) -> cir.Expr:
        items: list[tuple[tuple[str | int, ...], cir.Expr]] = []
        for k in c.get_children():
            if k.kind.name == "UNEXPOSED_EXPR" and k.type.get_canonical().kind.name == "VOID":
                parts = list(k.get_children())
                desig: list[str | int] = []
                for d in parts[:-1]:
                    if d.kind.name == "MEMBER_REF":
                        desig.append(d.spelling)
                    else:
                        v = evaluate(d)
                        if v is None:
                            raise _Unsupported("array designator that is not a constant")
                        desig.append(int(v))
                items.append((tuple(desig), self.expr(parts[-1])))
            else:
                items.append(((), self.expr(k)))
        return cir.InitList(self.ctype(c.type), _loc(c), tuple(items))

    def e_member(self, c: Any) -> cir.Expr:
        kids = self.kids(c)
        if not kids:
            raise _Unsupported("member reference without a base")
        base = self.expr(kids[0])
        bt = kids[0].type.get_canonical()
        arrow = bt.kind.name == "POINTER"
        rec_t = bt.get_pointee().get_canonical() if arrow else bt
        ref = c.referenced
        name = c.spelling
        off = rec_t.get_offset(name)
        if off < 0:
            # a member with no name (an anonymous struct or union, which libclang names by
            # its type): found by its type among the record's fields, through other
            # anonymous members, as an offset from the record's start
            anon = _anonymous_offset(rec_t, c.type.get_canonical())
            if anon is not None:
                off = anon
        if off < 0 and ref is not None:
            off = ref.get_field_offsetof()
        if off < 0:
            raise _Unsupported(f"field '{name}' of an incomplete type")
        ftype = self.ctype(c.type)
        width = ref.get_bitfield_width() if ref is not None and ref.is_bitfield() else None
        fd = cir.FieldDef(name, ftype, off // 8, off % 8 if width else 0, width)
        if width is None and off % 8:
            raise _Unsupported("field at a bit offset")
        return cir.Member(ftype, _loc(c), base, fd, arrow)

    def e_index(self, c: Any) -> cir.Expr:
        a, b = (self.expr(k) for k in self.kids(c))
        if not isinstance(a.type, cir.Pointer) and isinstance(b.type, cir.Pointer):
            a, b = b, a
        return cir.Index(self.ctype(c.type), _loc(c), a, b)

    def e_call(self, c: Any) -> cir.Expr:
        kids = self.kids(c)
        callee = self.expr(kids[0])
        args = tuple(self.expr(k) for k in kids[1:])
        return cir.Call(self.ctype(c.type), _loc(c), callee, args)

    def e_cond(self, c: Any) -> cir.Expr:
        kids = self.kids(c)
        if len(kids) != 3:
            raise _Unsupported("conditional operator without a middle operand")
        a, b, d = (self.expr(k) for k in kids)
        return cir.Cond(_rvalue(self.ctype(c.type)), _loc(c), a, b, d)

    def e_binary(self, c: Any) -> cir.Expr:
        op = binary_op(c)
        lhs, rhs = (self.expr(k) for k in self.kids(c))
        t = _rvalue(self.ctype(c.type))
        if op == ",":
            return cir.Comma(t, _loc(c), lhs, rhs)
        if op == "=":
            return cir.Assign(t, _loc(c), "", lhs, rhs)
        if op.endswith("=") and op not in ("==", "!=", "<=", ">="):
            return cir.Assign(t, _loc(c), op[:-1], lhs, rhs)
        return cir.Binary(t, _loc(c), op, lhs, rhs)

    def e_unary(self, c: Any) -> cir.Expr:
        op = unary_op(c)
        kids = self.kids(c)
        operand = self.expr(kids[0])
        t = self.ctype(c.type)
        if op != "*":
            t = _rvalue(t)
        if op == "__extension__":
            return operand
        if op in ("++", "--"):
            return cir.IncDec(t, _loc(c), op, True, operand)
        if op in ("post++", "post--"):
            return cir.IncDec(t, _loc(c), op[4:], False, operand)
        if op.startswith("?"):
            raise _Unsupported("unary operator __real/__imag")
        return cir.Unary(t, _loc(c), op, operand)

    def e_sizeof(self, c: Any) -> cir.Expr:
        value = evaluate(c)
        if value is None:
            arg = next((k for k in c.get_children() if k.kind.is_expression()), None)
            array = self.expr(arg) if arg is not None else None
            while isinstance(array, cir.Cast) and array.implicit:
                array = array.operand
            if (
                isinstance(array, cir.Ref)
                and array.kind == "local"
                and isinstance(array.type, cir.Array)
                and array.type.n == -1
            ):
                return cir.SizeOfVla(self.ctype(c.type), _loc(c), array)
            if array is not None and _runtime_sized(array.type):
                return cir.SizeOfType(self.ctype(c.type), _loc(c), array.type)
            named = next((k for k in c.get_children() if k.kind.name == "TYPE_REF"), None)
            if array is None and named is not None and _runtime_sized(self.ctype(named.type)):
                return cir.SizeOfType(self.ctype(c.type), _loc(c), self.ctype(named.type))
            raise _Unsupported("sizeof of a variable-length array type")
        return cir.IntLit(self.ctype(c.type), _loc(c), int(value))

    def e_generic(self, c: Any) -> cir.Expr:
        try:
            if self._generic is None:
                typedefs = {
                    k.spelling: k.underlying_typedef_type.get_canonical().spelling
                    for k in self.tu.cursor.get_children()
                    if k.kind.name == "TYPEDEF_DECL"
                }
                on_line: dict[tuple[str, int], list[Any]] = {}
                for k in self.tu.cursor.walk_preorder():
                    if k.kind.name == "GENERIC_SELECTION_EXPR" and k.location.file is not None:
                        key = (str(k.location.file.name), k.location.line)
                        on_line.setdefault(key, []).append(k)
                pre = Preprocessed.of(self.tu.spelling, self.workdir, self.flags)
                self._generic = (pre, typedefs, on_line)
            pre, typedefs, on_line = self._generic
            same = on_line.get((str(c.location.file.name), c.location.line), [])
            nth = next((i for i, k in enumerate(same) if k == c), None)
            if nth is None:
                raise GenericError("a _Generic not found in the unit's syntax tree")
            chosen = selected_association(c, nth, pre, typedefs)
        except GenericError as exc:
            raise _Unsupported(str(exc)) from None
        return self.expr(chosen)

    def e_stmt_expr(self, c: Any) -> cir.Expr:
        body = next(k for k in c.get_children() if k.kind.name == "COMPOUND_STMT")
        return cir.StmtExpr(self.ctype(c.type), _loc(c), self.block(body))

    def e_null(self, c: Any) -> cir.Expr:
        return cir.IntLit(self.ctype(c.type), _loc(c), 0)

    # -- statements

    def stmt(self, c: Any) -> cir.Stmt:
        handler = _STMT.get(c.kind.name)
        if handler is not None:
            return handler(self, c)
        if c.kind.is_expression() or c.kind.name in _EXPR:
            return cir.ExprStmt(_loc(c), self.expr(c))
        raise _Unsupported(f"C statement {c.kind.name.lower()}")

    def block(self, c: Any) -> cir.Block:
        return cir.Block(_loc(c), tuple(self.stmt(k) for k in c.get_children()))

    def s_decl(self, c: Any) -> cir.Stmt:
        out = []
        for v in c.get_children():
            if v.kind.name == "TYPEDEF_DECL":
                dims = [k for k in v.get_children() if k.kind.is_expression()]
                self.note_vla_dims(v.underlying_typedef_type, dims)
                continue
            if v.kind.name != "VAR_DECL":
                continue
            sc = v.storage_class.name
            if sc == "EXTERN":
                continue
            init = _initializer(v)
            if sc == "STATIC":
                self.static_locals.append(
                    cir.GlobalVar(
                        self.static_local_key(v),
                        f"{self.fn_name}_{v.spelling}",
                        self.ctype(v.type),
                        self.expr(init) if init is not None else None,
                        True,
                        _loc(v).split(":")[0],
                    )
                )
                continue
            dims = [
                k
                for k in v.get_children()
                if k.kind.is_expression() and (init is None or k != init)
            ]
            self.note_vla_dims(v.type, dims)
            t = self.ctype(v.type)
            vla = None
            if isinstance(t, cir.Array) and t.n == -1:
                if t.dim is None:
                    raise _Unsupported("variable-length array of a size not declared here")
                vla = t.dim
            out.append(
                cir.LocalVar(
                    local_key(v), v.spelling, t, self.expr(init) if init is not None else None, vla
                )
            )
        return cir.DeclStmt(_loc(c), tuple(out))

    def s_if(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        cond = self.expr(kids[0])
        then = self.stmt(kids[1])
        other = self.stmt(kids[2]) if len(kids) > 2 else None
        return cir.If(_loc(c), cond, then, other)

    def s_while(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        return cir.While(_loc(c), self.expr(kids[0]), self.stmt(kids[1]))

    def s_do(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        return cir.DoWhile(_loc(c), self.stmt(kids[0]), self.expr(kids[1]))

    def s_for(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        present = _for_parts(c, len(kids) - 1)
        it = iter(kids[:-1])
        init = cond = step = None
        if present[0]:
            k = next(it)
            init = self.stmt(k)
        if present[1]:
            cond = self.expr(next(it))
        if present[2]:
            step = self.expr(next(it))
        return cir.For(_loc(c), init, cond, step, self.stmt(kids[-1]))

    def s_switch(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        return cir.Switch(_loc(c), self.expr(kids[-2]), self.stmt(kids[-1]))

    def s_case(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        value = evaluate(kids[0])
        if value is None:
            raise _Unsupported("case label that is not a constant")
        high = evaluate(kids[1]) if len(kids) == 3 else None
        return cir.Case(
            _loc(c), int(value), None if high is None else int(high), self.stmt(kids[-1])
        )

    def s_default(self, c: Any) -> cir.Stmt:
        return cir.Default(_loc(c), self.stmt(next(iter(c.get_children()))))

    def s_label(self, c: Any) -> cir.Stmt:
        return cir.Label(_loc(c), c.spelling, self.stmt(next(iter(c.get_children()))))

    def s_goto(self, c: Any) -> cir.Stmt:
        ref = next(iter(c.get_children()))
        return cir.Goto(_loc(c), ref.spelling)

    def s_return(self, c: Any) -> cir.Stmt:
        kids = list(c.get_children())
        return cir.Return(_loc(c), self.expr(kids[0]) if kids else None)

    def s_asm(self, c: Any) -> cir.Stmt:
        raise _Unsupported("inline assembly")

    # -- declarations

    def function(self, c: Any) -> None:
        usr = self.decl_key(c)
        t = self.ctype(c.type)
        assert isinstance(t, cir.FuncT)
        static = c.storage_class.name == "STATIC"
        file = Path(c.location.file.name).name if c.location.file else "?"
        body_c = next((k for k in c.get_children() if k.kind.name == "COMPOUND_STMT"), None)
        known = self.prog.functions.get(usr)
        if body_c is None:
            alias = _alias_target(c, self.decl_key)
            if alias is not None and (known is None or known.body is None):
                self.prog.functions[usr] = cir.FuncDef(
                    usr, c.spelling, t, (), None, static, file, _loc(c), alias=alias
                )
                return
            if known is None:
                params = tuple(
                    cir.LocalVar(local_key(p), p.spelling, _decay(self.ctype(p.type)), None)
                    for p in c.get_arguments()
                )
                self.prog.functions[usr] = cir.FuncDef(
                    usr, c.spelling, t, params, None, static, file, _loc(c)
                )
            return
        if known is not None and known.body is not None:
            return
        self.vla_dims = {}
        for p in c.get_arguments():
            self.note_vla_dims(p.type, [k for k in p.get_children() if k.kind.is_expression()])
        params = tuple(
            cir.LocalVar(local_key(p), p.spelling, _decay(self.ctype(p.type)), None)
            for p in c.get_arguments()
        )
        if t.params is None:
            t = cir.FuncT(t.ret, tuple(p.type for p in params), False)
        self.fn_name = c.spelling
        self.static_locals = []
        error = None
        try:
            body = self.block(body_c)
        except _Unsupported as exc:
            body, error = cir.Block(_loc(c), ()), str(exc)
        except RecursionError:
            body, error = cir.Block(_loc(c), ()), "expression nested too deeply"
        for g in self.static_locals:
            self.prog.globals[g.key] = g
        self.prog.functions[usr] = cir.FuncDef(
            usr, c.spelling, t, params, body, static, file, _loc(c), error
        )

    def variable(self, c: Any) -> None:
        usr = self.decl_key(c)
        try:
            t = self.ctype(c.type)
        except _Unsupported:
            return
        init_c = _initializer(c)
        extern = c.storage_class.name == "EXTERN"
        file = Path(c.location.file.name).name if c.location.file else "?"
        known = self.prog.globals.get(usr)
        if init_c is None and (extern or (known is not None and known.defined)):
            if known is None:
                self.prog.globals[usr] = cir.GlobalVar(usr, c.spelling, t, None, False, file)
            elif (
                isinstance(t, cir.Array)
                and isinstance(known.type, cir.Array)
                and known.type.n is None
            ):
                known.type = t
            return
        init: cir.Expr | None = None
        if init_c is not None:
            try:
                init = self.expr(init_c)
            except _Unsupported as exc:
                init = cir.Unsupported(t, _loc(c), str(exc))
        if known is not None and known.defined and known.init is not None and init is None:
            return
        self.prog.globals[usr] = cir.GlobalVar(usr, c.spelling, t, init, True, file)

    def run(self) -> None:
        for c in self.tu.cursor.get_children():
            kind = c.kind.name
            try:
                if kind == "FUNCTION_DECL":
                    self.function(c)
                elif kind == "VAR_DECL":
                    self.variable(c)
                elif kind in ("STRUCT_DECL", "UNION_DECL") and c.is_definition():
                    self.record(c.type)
            except _Unsupported:
                continue


def _runtime_sized(t: cir.CType) -> bool:
    """Whether ``t`` is an array with a variable-length level whose count is known."""
    while isinstance(t, cir.Array):
        if t.n == -1:
            return t.dim is not None
        t = t.elem
    return False


def _decay(t: cir.CType) -> cir.CType:
    """A parameter's type as C adjusts it: arrays and functions become pointers."""
    if isinstance(t, cir.Array):
        return cir.Pointer(t.elem)
    if isinstance(t, cir.FuncT):
        return cir.Pointer(t)
    return t


def _alias_target(c: Any, key: Callable[[Any], str]) -> str | None:
    """The USR a function declared ``__attribute__((alias(...)))`` stands for."""
    kids = list(c.get_children())
    # macro-expanded attributes have no tokens: an attribute plus `__typeof(symbol)`
    # naming a function is the alias idiom
    if not any(k.kind.name == "UNEXPOSED_ATTR" for k in kids):
        return None
    stack = [k for k in kids if k.kind.name != "UNEXPOSED_ATTR"]
    while stack:
        k = stack.pop()
        ref = k.referenced if k.kind.name == "DECL_REF_EXPR" else None
        if ref is not None and ref.kind.name == "FUNCTION_DECL":
            return key(ref)
        stack.extend(k.get_children())
    for k in kids:
        toks = [t.spelling for t in k.get_tokens()]
        for tok in toks:
            if tok.startswith('"'):
                return "c:@F@" + tok.strip('"')
    return None


def local_key(c: Any) -> str:
    """A key for a local declaration: its file and offset (locals have no USR)."""
    loc = c.location
    # declarations from one macro expansion share a location; the cursor hash tells them apart
    return f"{loc.file.name if loc.file else '?'}:{loc.offset}:{c.spelling}:{c.hash}"


def _for_parts(c: Any, n: int) -> tuple[bool, bool, bool]:
    """Which of init / cond / step a ``for`` has; libclang only lists those present."""
    if n == 3:
        return (True, True, True)
    if n == 0:
        return (False, False, False)
    toks = [t.spelling for t in c.get_tokens()]
    if len(toks) > 2 and toks[0] == "for" and toks[1] == "(":
        depth = 0
        parts: list[list[str]] = [[]]
        for tok in toks[2:]:
            if tok in "([{":
                depth += 1
            elif tok in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif tok == ";" and depth == 0:
                parts.append([])
                continue
            parts[-1].append(tok)
        if len(parts) == 3:
            got = (bool(parts[0]), bool(parts[1]), bool(parts[2]))
            if sum(got) == n:
                return got
    kids = list(c.get_children())
    first_is_decl = kids[0].kind.name == "DECL_STMT"
    if n == 1:
        return (True, False, False) if first_is_decl else (False, True, False)
    return (True, True, False)


_EXPR: dict[str, Callable[[_Unit, Any], cir.Expr]] = {
    "PAREN_EXPR": _Unit.e_paren,
    "INTEGER_LITERAL": _Unit.e_int,
    "FLOATING_LITERAL": _Unit.e_float,
    "CHARACTER_LITERAL": _Unit.e_char,
    "STRING_LITERAL": _Unit.e_string,
    "DECL_REF_EXPR": _Unit.e_ref,
    "UNEXPOSED_EXPR": _Unit.e_unexposed,
    "CSTYLE_CAST_EXPR": _Unit.e_cast,
    "COMPOUND_LITERAL_EXPR": _Unit.e_compound_lit,
    "INIT_LIST_EXPR": _Unit.e_init_list,
    "MEMBER_REF_EXPR": _Unit.e_member,
    "ARRAY_SUBSCRIPT_EXPR": _Unit.e_index,
    "CALL_EXPR": _Unit.e_call,
    "CONDITIONAL_OPERATOR": _Unit.e_cond,
    "BINARY_OPERATOR": _Unit.e_binary,
    "COMPOUND_ASSIGNMENT_OPERATOR": _Unit.e_binary,
    "UNARY_OPERATOR": _Unit.e_unary,
    "CXX_UNARY_EXPR": _Unit.e_sizeof,
    "StmtExpr": _Unit.e_stmt_expr,
    "GENERIC_SELECTION_EXPR": _Unit.e_generic,
    "GNU_NULL_EXPR": _Unit.e_null,
}

_STMT: dict[str, Callable[[_Unit, Any], cir.Stmt]] = {
    "COMPOUND_STMT": _Unit.block,
    "DECL_STMT": _Unit.s_decl,
    "IF_STMT": _Unit.s_if,
    "WHILE_STMT": _Unit.s_while,
    "DO_STMT": _Unit.s_do,
    "FOR_STMT": _Unit.s_for,
    "SWITCH_STMT": _Unit.s_switch,
    "CASE_STMT": _Unit.s_case,
    "DEFAULT_STMT": _Unit.s_default,
    "LABEL_STMT": _Unit.s_label,
    "GOTO_STMT": _Unit.s_goto,
    "BREAK_STMT": lambda u, c: cir.Break(_loc(c)),
    "CONTINUE_STMT": lambda u, c: cir.Continue(_loc(c)),
    "RETURN_STMT": _Unit.s_return,
    "NULL_STMT": lambda u, c: cir.Null(_loc(c)),
    "ASM_STMT": _Unit.s_asm,
    # attributed statements ([[fallthrough]], __attribute__((fallthrough)))
    "UNEXPOSED_STMT": lambda u, c: cir.Block(_loc(c), tuple(u.stmt(k) for k in c.get_children())),
}


def build_program(
    units: list[tuple[Path, list[str]]] | list[tuple[Path, list[str], str]], root: Path
) -> cir.Program:
    """Parses every ``(file, flags)`` unit and merges them into one program."""
    from ferrox.c2rust.clang_api import builtin_include_dir

    ci = _cindex()
    prog = cir.Program()
    index = ci.Index.create()
    for unit in units:
        path, flags = unit[0], unit[1]
        spelled = unit[2] if len(unit) > 2 else str(path)  # type: ignore[misc]
        args = ["-x", "c", "-std=gnu11", "-D__NO_CTYPE", *flags, *GCC_LIKE]
        inc = builtin_include_dir()
        if inc:
            args += ["-isystem", inc]
        wd = args.index("-working-directory") + 1 if "-working-directory" in args else 0
        workdir = Path(args[wd]) if wd else Path.cwd()
        rewriter = GnuRewriter(root, workdir)
        for _ in range(GnuRewriter.ROUNDS):
            try:
                tu = index.parse(spelled, args=args, unsaved_files=list(rewriter.unsaved.items()))
            except ci.TranslationUnitLoadError as exc:
                raise CParseError(f"{path}: clang could not read the file ({exc})") from exc
            # one wrapper per diagnostic for the whole unit: libclang frees a diagnostic
            # when any of its wrappers is collected, leaving the others dangling
            diagnostics = list(tu.diagnostics)
            errors = [d for d in diagnostics if d.severity >= ci.Diagnostic.Error]
            if not rewriter.apply(tu, diagnostics):
                break
        if errors:
            lines = [
                f"{d.location.file}:{d.location.line}:{d.location.column}: {d.spelling}"
                for d in errors[:10]
            ]
            more = f" (+{len(errors) - 10} more)" if len(errors) > 10 else ""
            raise CParseError(
                f"{path}: clang found {len(errors)} error(s){more}: " + "; ".join(lines)
            )
        prog.files.append(str(path))
        _Unit(prog, tu, root, workdir, list(flags), tag=len(prog.files)).run()
    return prog
