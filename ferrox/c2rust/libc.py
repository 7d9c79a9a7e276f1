"""Calls to the C standard library, mapped to Rust's std and ferrox's runtime.

Each mapping is one entry in a table keyed by the C name; formatted I/O (``printf``,
``scanf`` families) is resolved at translation time from the format literal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ferrox.c2rust.places import Val
from ferrox.c2rust.rtypes import FLOAT_KINDS, UNSIGNED_KINDS, Untranslatable

__all__ = ["LibC"]

_MATH1 = {
    "sqrt": "sqrt",
    "fabs": "abs",
    "floor": "floor",
    "ceil": "ceil",
    "round": "round",
    "trunc": "trunc",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "exp": "exp",
    "log": "ln",
    "log10": "log10",
    "log2": "log2",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "cbrt": "cbrt",
}
_MATH2 = {"pow": "powf", "atan2": "atan2", "fmin": "min", "fmax": "max", "hypot": "hypot"}
_CTYPE = (
    "isspace",
    "isdigit",
    "isalpha",
    "isalnum",
    "isupper",
    "islower",
    "ispunct",
    "isxdigit",
    "isprint",
    "toupper",
    "tolower",
)
_STR_PTR = ("strcpy", "strcat", "strchr", "strrchr", "strstr", "strdup")
_OUT_VARIANT = {
    "i8": "I8",
    "u8": "U8",
    "i16": "I16",
    "u16": "U16",
    "i32": "I32",
    "u32": "U32",
    "i64": "I64",
    "u64": "U64",
    "f32": "F32",
    "f64": "F64",
}
_STREAMS = {"stdout": "rt::Stream::Out", "stderr": "rt::Stream::Err", "stdin": "rt::Stream::In"}


class LibC:
    """Translates calls to C library functions; unknown ones are untranslatable."""

    def __init__(self) -> None:
        self.table: dict[str, Callable[[Any, Any, list[Any]], str]] = {
            "printf": lambda tr, n, a: (
                f"rt::printf({self.fmt(tr, a[0])}, &[{self.fmt_args(tr, a[1:])}])"
            ),
            "fprintf": lambda tr, n, a: (
                f"rt::fprintf({self.stream(tr, a[0])}, {self.fmt(tr, a[1])}, &[{self.fmt_args(tr, a[2:])}])"
            ),
            "sprintf": lambda tr, n, a: (
                f"rt::sprintf(&{self.v(tr, a[0])}, {self.fmt(tr, a[1])}, &[{self.fmt_args(tr, a[2:])}])"
            ),
            "snprintf": lambda tr, n, a: (
                f"rt::snprintf(&{self.v(tr, a[0])}, {self.v(tr, a[1], paren=True)} as usize, {self.fmt(tr, a[2])}, &[{self.fmt_args(tr, a[3:])}])"
            ),
            "scanf": lambda tr, n, a: (
                f"rt::scanf({self.fmt(tr, a[0])}, &[{self.scan_args(tr, a[1:])}])"
            ),
            "puts": lambda tr, n, a: f"rt::puts(&{self.v(tr, a[0])})",
            "fputs": lambda tr, n, a: f"rt::fputs(&{self.v(tr, a[0])}, {self.stream(tr, a[1])})",
            "putchar": lambda tr, n, a: f"rt::putchar({self.v(tr, a[0])})",
            "fputc": lambda tr, n, a: f"rt::fputc({self.v(tr, a[0])}, {self.stream(tr, a[1])})",
            "putc": lambda tr, n, a: f"rt::fputc({self.v(tr, a[0])}, {self.stream(tr, a[1])})",
            "getchar": lambda tr, n, a: "rt::getchar()",
            "fgetc": lambda tr, n, a: f"rt::fgetc({self.stream(tr, a[0])})",
            "getc": lambda tr, n, a: f"rt::fgetc({self.stream(tr, a[0])})",
            "ungetc": lambda tr, n, a: f"rt::ungetc({self.v(tr, a[0])}, {self.stream(tr, a[1])})",
            "fgets": lambda tr, n, a: (
                f"rt::fgets(&{self.v(tr, a[0])}, {self.v(tr, a[1])}, {self.stream(tr, a[2])})"
            ),
            "fflush": lambda tr, n, a: "{ rt::flush(); 0 }",
            "exit": lambda tr, n, a: f"rt::exit({self.v(tr, a[0])})",
            "abort": lambda tr, n, a: "rt::abort()",
            "free": lambda tr, n, a: f"rt::free({self.ptr(tr, a[0]).code})",
            "strlen": lambda tr, n, a: f"(rt::strlen(&{self.v(tr, a[0])}) as u64)",
            "strcmp": lambda tr, n, a: f"rt::strcmp(&{self.v(tr, a[0])}, &{self.v(tr, a[1])})",
            "strncmp": lambda tr, n, a: (
                f"rt::strncmp(&{self.v(tr, a[0])}, &{self.v(tr, a[1])}, {self.v(tr, a[2], paren=True)} as usize)"
            ),
            "strncpy": lambda tr, n, a: (
                f"rt::strncpy(&{self.v(tr, a[0])}, &{self.v(tr, a[1])}, {self.v(tr, a[2], paren=True)} as usize)"
            ),
            "atoi": lambda tr, n, a: f"rt::atoi(&{self.v(tr, a[0])})",
            "atol": lambda tr, n, a: f"rt::atol(&{self.v(tr, a[0])})",
            "atoll": lambda tr, n, a: f"rt::atol(&{self.v(tr, a[0])})",
            "atof": lambda tr, n, a: f"rt::atof(&{self.v(tr, a[0])})",
            "strtol": lambda tr, n, a: (
                f"rt::strtol(&{self.v(tr, a[0])}, &{self.end_ptr(tr, a[1])}, {self.v(tr, a[2])})"
            ),
            "strtoll": lambda tr, n, a: (
                f"rt::strtol(&{self.v(tr, a[0])}, &{self.end_ptr(tr, a[1])}, {self.v(tr, a[2])})"
            ),
            "abs": lambda tr, n, a: f"{self.v(tr, a[0], paren=True)}.abs()",
            "labs": lambda tr, n, a: f"{self.v(tr, a[0], paren=True)}.abs()",
            "llabs": lambda tr, n, a: f"{self.v(tr, a[0], paren=True)}.abs()",
            "fmod": lambda tr, n, a: (
                f"({self.v(tr, a[0], paren=True)} % {self.v(tr, a[1], paren=True)})"
            ),
            "rand": lambda tr, n, a: "rt::rand()",
            "srand": lambda tr, n, a: f"rt::srand({self.v(tr, a[0])})",
            "memset": self.memset,
            "memcpy": lambda tr, n, a: self.memmove(tr, a),
            "memmove": lambda tr, n, a: self.memmove(tr, a),
            "memcmp": self.memcmp,
            "__assert_fail": lambda tr, n, a: (
                f"rt::assert_fail(&{self.v(tr, a[0])}, &{self.v(tr, a[1])}, {self.v(tr, a[2])}, &{self.v(tr, a[3])})"
            ),
        }
        for name in _MATH1:
            self.table[name] = self._math1(_MATH1[name])
        for name in _MATH2:
            self.table[name] = self._math2(_MATH2[name])
        for name in _CTYPE:
            self.table[name] = self._plain(name, 1)
        for name in _STR_PTR:
            self.table[name] = self._strfn(name)

    def call(self, tr: Any, name: str, node: Any, args: list[Any]) -> Val:
        """Rust code for ``name(args…)``."""
        if name in ("qsort", "bsearch"):
            return self.sort_search(tr, name, node, args)
        fn = self.table.get(name)
        if fn is None:
            raise Untranslatable(f"call to library function '{name}'")
        return Val(fn(tr, node, args), node.type)

    def sort_search(self, tr: Any, name: str, node: Any, args: list[Any]) -> Val:
        """``qsort``/``bsearch`` with a project comparator whose ``void *`` parameters
        are typed (see :func:`~ferrox.c2rust.functions.void_param_types`)."""
        cmp = tr.strip_casts(args[-1])
        if cmp.kind.name == "UNARY_OPERATOR":
            cmp = tr.strip_casts(next(iter(cmp.get_children())))
        if cmp.kind.name != "DECL_REF_EXPR" or not tr.ctx.is_project_function(cmp.referenced):
            raise Untranslatable(f"{name} with a comparator that is not a project function")
        fn = tr.ctx.function_path(cmp.referenced)
        if name == "qsort":
            base = self.ptr(tr, args[0])
            return Val(
                f"rt::qsort(&{base.code}, {self.v(tr, args[1], paren=True)} as usize, {fn})",
                node.type,
            )
        key, base = self.ptr(tr, args[0]), self.ptr(tr, args[1])
        code = f"rt::bsearch(&{key.code}, &{base.code}, {self.v(tr, args[2], paren=True)} as usize, {fn})"
        return Val(code, base.ctype)

    # ------------------------------------------------------------------ argument helpers

    @staticmethod
    def v(tr: Any, node: Any, paren: bool = False) -> str:
        code = tr.num(tr.value(node))
        return f"({code})" if paren else code

    @staticmethod
    def ptr(tr: Any, node: Any) -> Val:
        """A pointer argument with any conversion to ``void *`` removed."""
        inner = node
        while inner.kind.name in ("UNEXPOSED_EXPR", "CSTYLE_CAST_EXPR", "PAREN_EXPR"):
            kids = list(inner.get_children())
            if not kids:
                break
            nxt = kids[-1]
            if tr.k(nxt.type) not in ("POINTER", "CONSTANTARRAY", "INCOMPLETEARRAY"):
                break
            inner = nxt
            if (
                tr.k(inner.type) == "POINTER"
                and tr.k(inner.type.get_canonical().get_pointee()) != "VOID"
            ):
                break
        if tr.k(inner.type) in ("CONSTANTARRAY", "INCOMPLETEARRAY"):
            return Val(tr.place(inner).decay(), inner.type)
        v = tr.value(inner)
        if tr.k(v.ctype) == "POINTER" and tr.k(v.ctype.get_canonical().get_pointee()) == "VOID":
            raise Untranslatable("memory function on an untyped pointer")
        return v

    @staticmethod
    def stream(tr: Any, node: Any) -> str:
        inner = tr.strip(node)
        if inner.kind.name == "DECL_REF_EXPR" and inner.referenced.spelling in _STREAMS:
            return _STREAMS[inner.referenced.spelling]
        if tr.types.is_file_ptr(node.type):
            return tr.value(node).code
        raise Untranslatable("stream other than stdin/stdout/stderr")

    @staticmethod
    def end_ptr(tr: Any, node: Any) -> str:
        if tr.is_null_constant(node):
            return "Ptr::<Ptr<u8>>::null()"
        return tr.value(node).code

    def fmt(self, tr: Any, node: Any) -> str:
        inner = tr.strip(node)
        if inner.kind.name == "STRING_LITERAL":
            from ferrox.c2rust.literals import rust_bytes

            return rust_bytes(tr.string_of(inner))
        return f"&rt::cstr(&{tr.value(node).code})"

    @staticmethod
    def fmt_args(tr: Any, args: list[Any]) -> str:
        out = []
        for a in args:
            v = tr.value(a)
            k = tr.k(v.ctype)
            if k in FLOAT_KINDS:
                out.append(f"rt::Arg::F(({v.code}) as f64)")
            elif k == "POINTER":
                pointee = tr.rust(v.ctype.get_canonical().get_pointee())
                if pointee != "u8":
                    raise Untranslatable("printing a pointer (%p)")
                out.append(f"rt::Arg::S({v.code})")
            elif k in UNSIGNED_KINDS:
                out.append(f"rt::Arg::U(({tr.num(v)}) as u64)")
            else:
                out.append(f"rt::Arg::I(({tr.num(v)}) as i64)")
        return ", ".join(out)

    def scan_args(self, tr: Any, args: list[Any]) -> str:
        out = []
        for a in args:
            p = self.ptr(tr, a)
            elem = (
                tr.rust(p.ctype.get_canonical().get_pointee())
                if tr.k(p.ctype) == "POINTER"
                else tr.elem_rust(p.ctype)
            )
            variant = _OUT_VARIANT.get(elem)
            if variant is None:
                raise Untranslatable(f"scanf into a {elem}")
            out.append(f"rt::Out::{variant}({p.code})")
        return ", ".join(out)

    def memset(self, tr: Any, node: Any, args: list[Any]) -> str:
        p = self.ptr(tr, args[0])
        elem_t = p.ctype.get_canonical().get_pointee()
        elem = tr.rust(elem_t)
        n = self.v(tr, args[2], paren=True)
        if elem in ("u8", "i8"):
            return (
                f"{{ rt::memset_bytes(&{p.code}, {self.v(tr, args[1])}, {n} as usize); {p.code} }}"
            )
        if tr.is_null_constant(args[1]):
            size = tr.sizeof(elem_t)
            return f"{{ rt::memzero(&{p.code}, ({n} as usize) / {size}); {p.code} }}"
        raise Untranslatable("memset of non-byte memory with a non-zero value")

    def memmove(self, tr: Any, args: list[Any]) -> str:
        d, s = self.ptr(tr, args[0]), self.ptr(tr, args[1])
        if tr.rust(d.ctype) != tr.rust(s.ctype):
            raise Untranslatable("memcpy between different types")
        size = tr.sizeof(d.ctype.get_canonical().get_pointee())
        return f"{{ rt::memmove(&{d.code}, &{s.code}, ({self.v(tr, args[2], paren=True)} as usize) / {size}); {d.code} }}"

    def memcmp(self, tr: Any, node: Any, args: list[Any]) -> str:
        a, b = self.ptr(tr, args[0]), self.ptr(tr, args[1])
        if tr.rust(a.ctype) != tr.rust(b.ctype):
            raise Untranslatable("memcmp between different types")
        size = tr.sizeof(a.ctype.get_canonical().get_pointee())
        return f"rt::memcmp(&{a.code}, &{b.code}, ({self.v(tr, args[2], paren=True)} as usize) / {size})"

    def _math1(self, method: str) -> Callable[[Any, Any, list[Any]], str]:
        return lambda tr, n, a: f"{self.v(tr, a[0], paren=True)}.{method}()"

    def _math2(self, method: str) -> Callable[[Any, Any, list[Any]], str]:
        return lambda tr, n, a: f"{self.v(tr, a[0], paren=True)}.{method}({self.v(tr, a[1])})"

    def _plain(self, name: str, arity: int) -> Callable[[Any, Any, list[Any]], str]:
        return lambda tr, n, a: f"rt::{name}({', '.join(self.v(tr, x) for x in a[:arity])})"

    def _strfn(self, name: str) -> Callable[[Any, Any, list[Any]], str]:
        def call(tr: Any, n: Any, a: list[Any]) -> str:
            parts = [f"&{self.v(tr, a[0])}"]
            if name in ("strchr", "strrchr"):
                parts.append(self.v(tr, a[1]))
            elif name != "strdup":
                parts.append(f"&{self.v(tr, a[1])}")
            return f"rt::{name}({', '.join(parts)})"

        return call
