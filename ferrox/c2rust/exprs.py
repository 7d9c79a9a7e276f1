"""C expressions to Rust expressions: operators, conversions, lvalues, calls."""

from __future__ import annotations

from typing import Any

from ferrox.c2rust.frontend import binary_op, evaluate, unary_op
from ferrox.c2rust.literals import char_literal, float_literal, rust_bytes, string_bytes
from ferrox.c2rust.places import Place, Val
from ferrox.c2rust.rtypes import (
    FLOAT_KINDS,
    INTEGER_KINDS,
    INTEGER_RANKS,
    UNSIGNED_KINDS,
    Untranslatable,
    rust_ident,
)

__all__ = ["ExprTranslator"]

_ARITH = {"+": "add", "-": "sub", "*": "mul"}
_COMPARE = {"<", ">", "<=", ">=", "==", "!="}


def _children(c: Any) -> list[Any]:
    return list(c.get_children())


def _paren(code: str) -> str:
    if (
        code.isidentifier()
        or code.replace("_", "").isalnum()
        or (code.startswith("(") and code.endswith(")") and _balanced(code[1:-1]))
    ):
        return code
    return f"({code})"


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


class ExprTranslator:
    """Expression half of a function translator; ``ctx`` is the project context."""

    def __init__(self, ctx: Any, fn_name: str) -> None:
        self.ctx = ctx
        self.types = ctx.types
        self.fn_name = fn_name
        self.locals: dict[str, str] = {}  # USR/hash -> kind ("local", "cell", "array")
        self.local_names: dict[str, str] = {}
        self.retyped: dict[int, Any] = {}  # void * parameters used as one T *

    # ------------------------------------------------------------------ helpers

    def k(self, ctype: Any) -> str:
        return self.types.kind(ctype)

    def rust(self, ctype: Any) -> str:
        return self.types.rust(ctype)

    def elem_rust(self, ctype: Any) -> str:
        """Rust element type of a pointer or array type."""
        t = ctype.get_canonical()
        if t.kind.name == "POINTER":
            return self.rust(t.get_pointee())
        return self.rust(t.element_type)

    def sizeof(self, ctype: Any) -> int:
        size = ctype.get_canonical().get_size()
        if size <= 0:
            raise Untranslatable(f"sizeof of incomplete type '{ctype.spelling}'")
        return size

    @staticmethod
    def strip(node: Any) -> Any:
        """Skips parentheses and implicit conversions."""
        while node.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR") and len(_children(node)) == 1:
            node = _children(node)[0]
        return node

    def strip_casts(self, node: Any) -> Any:
        """Skips parentheses and every cast, explicit ones included."""
        while True:
            kids = _children(node)
            if node.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR") and len(kids) == 1:
                node = kids[0]
            elif node.kind.name == "CSTYLE_CAST_EXPR":
                node = kids[-1]
            else:
                return node

    def is_null_constant(self, node: Any) -> bool:
        inner = self.strip_casts(node)
        return inner.kind.name in ("INTEGER_LITERAL", "GNU_NULL_EXPR") and evaluate(inner) == 0

    def as_bool(self, v: Val) -> str:
        """Rust ``bool`` code for a C value used as a condition."""
        if v.boolish:
            return v.code
        k = self.k(v.ctype)
        if k == "BOOL":
            return v.code
        if k in FLOAT_KINDS:
            return f"{_paren(v.code)} != 0.0"
        if k == "POINTER":
            if self.rust(v.ctype).startswith("Option<"):
                return f"{_paren(v.code)}.is_some()"
            return f"!{_paren(v.code)}.is_null()"
        if k in INTEGER_KINDS:
            return f"{_paren(v.code)} != 0"
        raise Untranslatable(f"a {v.ctype.spelling} used as a condition")

    def num(self, v: Val) -> str:
        """Rust code for the numeric value (``bool`` results become ``0``/``1``)."""
        if v.boolish:
            return f"({v.code}) as {self.rust(v.ctype)}"
        return v.code

    def convert(self, v: Val, to: Any, source: Any = None) -> Val:
        """``v`` converted to C type ``to`` with C's rules."""
        fk, tk = self.k(v.ctype), self.k(to)
        if tk == "VOID":
            return Val(v.code, to)
        if (
            tk == "POINTER"
            and fk == "POINTER"
            and self.k(to.get_canonical().get_pointee()) == "VOID"
        ):
            return Val(v.code, v.ctype)  # a typed pointer seen through void *: keeps its type
        if tk == "BOOL":
            if fk == "BOOL":
                return Val(v.code, to)
            return Val(self.as_bool(v), to)
        if tk == "POINTER":
            if source is not None and self.is_null_constant(source):
                rt = self.rust(to)
                return Val("None" if rt.startswith("Option<") else "Ptr::null()", to)
            if fk == "POINTER":
                if self.types.is_file_ptr(to) or self.types.is_file_ptr(v.ctype):
                    return Val(v.code, to)
                if self.rust(to) == self.rust(v.ctype):
                    return Val(v.code, to)
                raise Untranslatable(f"pointer cast from '{v.ctype.spelling}' to '{to.spelling}'")
            if fk in ("CONSTANTARRAY", "INCOMPLETEARRAY"):
                return Val(v.code, to)
            raise Untranslatable(f"integer-to-pointer cast to '{to.spelling}'")
        if tk in INTEGER_KINDS or tk in FLOAT_KINDS:
            rt_to = self.rust(to)
            if fk == "POINTER":
                raise Untranslatable("pointer-to-integer cast")
            if fk not in INTEGER_KINDS and fk not in FLOAT_KINDS:
                raise Untranslatable(f"conversion from '{v.ctype.spelling}' to '{to.spelling}'")
            if v.boolish:
                code = f"({v.code}) as i32"
                return Val(code if rt_to == "i32" else f"{code} as {rt_to}", to)
            if fk == "BOOL" and tk in FLOAT_KINDS:
                return Val(f"{_paren(v.code)} as i32 as {rt_to}", to)
            if self.rust(v.ctype) == rt_to:
                return Val(v.code, to)
            if source is not None and tk in INTEGER_KINDS and tk != "BOOL" and fk in INTEGER_KINDS:
                lit = self.strip(source)
                if lit.kind.name == "INTEGER_LITERAL" and v.code.isdigit():
                    return Val(f"{v.code}{'' if rt_to == 'i32' else rt_to}", to)
            return Val(f"{_paren(v.code)} as {rt_to}", to)
        if self.rust(to) == self.rust(v.ctype):
            return Val(v.code, to, v.boolish)
        raise Untranslatable(f"conversion from '{v.ctype.spelling}' to '{to.spelling}'")

    def receiver(self, node: Any) -> Val:
        """Like :meth:`value`, but a plain local pointer is borrowed, not cloned."""
        inner = self.strip(node)
        if inner.kind.name == "DECL_REF_EXPR" and self.k(node.type) == "POINTER":
            ref = inner.referenced
            if self.locals.get(ref.hash) == "local" and self.k(inner.type) == "POINTER":
                return Val(self.local_names[ref.hash], node.type)
        return self.value(node)

    # ------------------------------------------------------------------ entry points

    def value(self, node: Any) -> Val:
        """Translates an expression used for its value."""
        kind = node.kind.name
        kids = _children(node)
        if kind == "PAREN_EXPR":
            inner = self.value(kids[0])
            return Val(_paren(inner.code), inner.ctype, inner.boolish)
        if kind == "UNEXPOSED_EXPR":
            if not kids:
                return Val(self.types.default_value(node.type), node.type)
            if len(kids) == 1:
                return self.implicit(node, kids[0])
            raise Untranslatable(f"expression '{self.text(node)}'")
        if kind == "CSTYLE_CAST_EXPR":
            return self.cast(node, kids[-1], node.type)
        if kind == "INTEGER_LITERAL":
            return self.int_literal(node)
        if kind == "FLOATING_LITERAL":
            return Val(float_literal(self.text(node), self.k(node.type)), node.type)
        if kind == "CHARACTER_LITERAL":
            return Val(char_literal(evaluate(node) or 0), node.type)
        if kind == "STRING_LITERAL":
            return Val(f"Ptr::from_bytes({rust_bytes(self.string_of(node))})", node.type)
        if kind == "CXX_UNARY_EXPR":
            size = evaluate(node)
            if size is None:
                raise Untranslatable(f"'{self.text(node)}' (not a constant)")
            return Val(f"{size}{self.int_suffix(node.type)}", node.type)
        if kind == "BINARY_OPERATOR":
            return self.binary(node, kids)
        if kind == "COMPOUND_ASSIGNMENT_OPERATOR":
            return self.assign_value(node, kids)
        if kind == "UNARY_OPERATOR":
            return self.unary(node, kids)
        if kind == "CONDITIONAL_OPERATOR":
            cond, a, b = kids
            va, vb = self.value(a), self.value(b)
            rt = node.type
            ca = self.convert(va, rt, a).code if self.k(rt) != "VOID" else va.code
            cb = self.convert(vb, rt, b).code if self.k(rt) != "VOID" else vb.code
            return Val(f"if {self.as_bool(self.value(cond))} {{ {ca} }} else {{ {cb} }}", rt)
        if kind == "CALL_EXPR":
            return self.call(node, kids)
        if kind in ("DECL_REF_EXPR", "MEMBER_REF_EXPR", "ARRAY_SUBSCRIPT_EXPR"):
            place = self.place(node)
            if self.k(node.type) == "CONSTANTARRAY":
                return Val(place.decay(), node.type)
            if kind == "DECL_REF_EXPR" and node.referenced.kind.name == "ENUM_CONSTANT_DECL":
                return Val(place.base, node.type)
            return Val(place.read(), place.ctype if kind == "DECL_REF_EXPR" else node.type)
        if kind == "INIT_LIST_EXPR":
            return Val(self.initializer(node, node.type), node.type)
        raise Untranslatable(f"{kind.lower().replace('_', ' ')} '{self.text(node)[:40]}'")

    def text(self, node: Any) -> str:
        return " ".join(t.spelling for t in node.get_tokens())

    def index_code(self, node: Any) -> str:
        """An ``isize`` index expression for ``node``."""
        inner = self.strip(node)
        if inner.kind.name == "INTEGER_LITERAL":
            v = evaluate(inner)
            if v is not None:
                return str(v)
        v = self.value(node)
        if self.rust(v.ctype) == "isize":
            return v.code
        return f"{_paren(self.num(v))} as isize"

    def int_suffix(self, ctype: Any) -> str:
        r = self.rust(ctype)
        return "" if r == "i32" else r

    def int_literal(self, node: Any) -> Val:
        v = evaluate(node)
        if v is None:
            raise Untranslatable(f"integer literal '{self.text(node)}'")
        r = self.rust(node.type)
        if r in ("f32", "f64"):
            return Val(f"{float(v)!r}", node.type)
        spelled = self.ctx.source_text(node)
        if spelled.isidentifier():
            const = self.ctx.macro_consts.get(spelled)
            if const is not None and const[2] == v:  # the literal came from `#define NAME v`
                return Val(const[0] if const[1] == r else f"({const[0]} as {r})", node.type)
        return Val(f"{v}{'' if r == 'i32' else r}", node.type)

    def string_of(self, node: Any) -> bytes:
        toks = [t.spelling for t in node.get_tokens() if t.kind.name == "LITERAL"]
        if not toks:
            raise Untranslatable("string literal from a macro")
        return b"".join(string_bytes(t) for t in toks)

    # ------------------------------------------------------------------ conversions

    def implicit(self, node: Any, child: Any) -> Val:
        to = node.type
        ck = self.k(child.type)
        tk = self.k(to)
        if ck in ("FUNCTIONPROTO", "FUNCTIONNOPROTO"):
            inner = self.strip(child)
            if inner.kind.name == "DECL_REF_EXPR":
                name = self.ctx.function_path(inner.referenced)
                return Val(f"Some({name} as {self.types.fn_type(child.type.get_canonical())})", to)
            raise Untranslatable("function designator expression")
        if ck in ("CONSTANTARRAY", "INCOMPLETEARRAY") and tk == "POINTER":
            inner = self.strip(child)
            if inner.kind.name == "STRING_LITERAL":
                return Val(f"Ptr::from_bytes({rust_bytes(self.string_of(inner))})", to)
            return Val(self.place(child).decay(), to)
        if tk == "POINTER" and self.is_alloc_call(child):
            return self.alloc(self.strip_casts(child), to)
        return self.cast(node, child, to)

    def cast(self, node: Any, child: Any, to: Any) -> Val:
        if self.k(to) == "POINTER" and self.is_alloc_call(child):
            return self.alloc(self.strip_casts(child), to)
        if self.k(to) == "VOID":
            v = self.value(child)
            return Val(f"{{ let _ = {v.code}; }}", to)
        if self.k(to) == "POINTER" and self.is_null_constant(child):
            return self.convert(Val("0", child.type), to, child)
        v = self.value(child)
        if self.k(to) == "POINTER" and self.k(v.ctype) == "POINTER":
            src = v.ctype.get_canonical().get_pointee().get_canonical().kind.name
            if src == "VOID":
                inner = self.strip_casts(child)
                if inner.kind.name != node.kind.name:
                    raise Untranslatable(f"cast of a void pointer to '{to.spelling}'")
        return self.convert(v, to, child)

    def is_alloc_call(self, node: Any) -> bool:
        inner = self.strip_casts(node)
        if inner.kind.name != "CALL_EXPR":
            return False
        ref = inner.referenced
        return (
            ref is not None
            and ref.spelling in ("malloc", "calloc", "realloc")
            and not self.ctx.is_project_function(ref)
        )

    def alloc(self, call: Any, to: Any) -> Val:
        elem_t = to.get_canonical().get_pointee()
        if self.k(elem_t) == "VOID":
            raise Untranslatable("allocation of untyped memory")
        elem = self.rust(elem_t)
        size = self.sizeof(elem_t)
        args = _children(call)[1:]
        name = call.referenced.spelling
        if name == "malloc":
            n = f"({_paren(self.num(self.value(args[0])))} as usize).div_ceil({size})"
            return Val(f"rt::malloc::<{elem}>({n})", to)
        if name == "calloc":
            a, b = (_paren(self.num(self.value(x))) for x in args)
            return Val(f"rt::malloc::<{elem}>(({a} as usize * {b} as usize).div_ceil({size}))", to)
        p = self.value(self.strip_casts(args[0]))
        n = f"({_paren(self.num(self.value(args[1])))} as usize).div_ceil({size})"
        return Val(f"rt::realloc::<{elem}>({p.code}, {n})", to)

    # ------------------------------------------------------------------ lvalues

    def place(self, node: Any) -> Place:
        """Translates an lvalue expression."""
        kind = node.kind.name
        kids = _children(node)
        if kind == "PAREN_EXPR":
            return self.place(kids[0])
        if kind == "UNEXPOSED_EXPR" and len(kids) == 1:
            return self.place(kids[0])
        if kind == "DECL_REF_EXPR":
            return self.decl_place(node)
        if kind == "MEMBER_REF_EXPR":
            return self.member_place(node, kids)
        if kind == "ARRAY_SUBSCRIPT_EXPR":
            base, idx = kids
            inner = self.strip(base)
            if (
                inner.kind.name == "DECL_REF_EXPR"
                and self.locals.get(inner.referenced.hash) == "rarray"
            ):
                i = self.index_code(idx)
                i = i[: -len(" as isize")] + " as usize" if i.endswith(" as isize") else i
                name = self.local_names[inner.referenced.hash]
                return Place("local", f"{name}[{i}]", node.type, copy=True)
            if self.k(base.type) not in ("POINTER", "CONSTANTARRAY", "INCOMPLETEARRAY"):
                base, idx = idx, base
            b = self.receiver(base)
            i = self.index_code(idx)
            return Place(
                "cell", _paren(b.code), node.type, index=i, copy=self.types.is_copy(node.type)
            )
        if kind == "UNARY_OPERATOR" and unary_op(node) == "*":
            p = self.receiver(kids[0])
            if self.k(p.ctype) != "POINTER":
                raise Untranslatable("dereference of a non-pointer")
            if self.k(node.type) in ("FUNCTIONPROTO", "FUNCTIONNOPROTO"):
                return Place("rvalue", p.code, node.type)
            return Place("cell", _paren(p.code), node.type, copy=self.types.is_copy(node.type))
        if kind == "CALL_EXPR":
            return Place(
                "rvalue", self.value(node).code, node.type, copy=self.types.is_copy(node.type)
            )
        if kind == "STRING_LITERAL":
            return Place("array", f"Ptr::from_bytes({rust_bytes(self.string_of(node))})", node.type)
        raise Untranslatable(f"lvalue '{self.text(node)[:40]}'")

    def decl_place(self, node: Any) -> Place:
        ref = node.referenced
        rk = ref.kind.name
        copy = self.types.is_copy(node.type)
        if rk == "ENUM_CONSTANT_DECL":
            return Place("rvalue", self.ctx.enum_const(ref), node.type)
        if rk == "FUNCTION_DECL":
            return Place("rvalue", self.ctx.function_path(ref), node.type)
        if rk in ("VAR_DECL", "PARM_DECL"):
            key = ref.hash
            if key in self.locals:
                lk = self.locals[key]
                name = self.local_names[key]
                if key in self.retyped:
                    return Place("local", name, self.retyped[key], copy=False)
                if lk == "local":
                    return Place("local", name, node.type, copy=copy)
                if lk == "array":
                    return Place("array", name, node.type)
                return Place("cell", name, node.type, copy=copy)
            if ref.spelling in ("stdout", "stderr", "stdin") and self.types.is_file_ptr(node.type):
                return Place(
                    "rvalue",
                    {
                        "stdout": "rt::Stream::Out",
                        "stderr": "rt::Stream::Err",
                        "stdin": "rt::Stream::In",
                    }[ref.spelling],
                    node.type,
                )
            g = self.ctx.global_access(ref, self.fn_name)
            if g is None:
                raise Untranslatable(f"reference to '{ref.spelling}', defined outside the project")
            handle, is_array = g
            if is_array:
                return Place("array", handle, node.type)
            return Place("cell", handle, node.type, copy=copy)
        raise Untranslatable(f"reference to {rk.lower()} '{ref.spelling}'")

    def member_place(self, node: Any, kids: list[Any]) -> Place:
        base = kids[0]
        field = rust_ident(node.referenced.spelling if node.referenced else node.spelling)
        copy = self.types.is_copy(node.type)
        arrow = self.k(base.type) == "POINTER"
        rec_t = base.type.get_canonical().get_pointee() if arrow else base.type
        is_union = rec_t.get_canonical().get_declaration().kind.name == "UNION_DECL"
        if arrow:
            p = self.receiver(base)
            return Place("cell", _paren(p.code), rec_t, copy=copy).with_field(
                field, node.type, copy, is_union
            )
        bp = self.place(base)
        return bp.with_field(field, node.type, copy, is_union)

    # ------------------------------------------------------------------ operators

    def binary(self, node: Any, kids: list[Any]) -> Val:
        op = binary_op(node)
        if op == "=" or (op.endswith("=") and op not in _COMPARE):
            return self.assign_value(node, kids)
        a_node, b_node = kids
        if op == ",":
            return Val(f"{{ {self.effect(a_node)}; {self.value(b_node).code} }}", node.type)
        if op in ("&&", "||"):
            a, b = self.value(a_node), self.value(b_node)
            return Val(f"{_paren(self.as_bool(a))} {op} {_paren(self.as_bool(b))}", node.type, True)
        a, b = self.value(a_node), self.value(b_node)
        ak, bk = self.k(a.ctype), self.k(b.ctype)
        if ak == "POINTER" or bk == "POINTER":
            a = self.receiver(a_node) if ak == "POINTER" else a
            b = self.receiver(b_node) if bk == "POINTER" else b
            return self.pointer_binary(op, a, b, a_node, b_node, node)
        ac, bc = _paren(self.num(a)), _paren(self.num(b))
        if op in _COMPARE:
            return Val(f"{ac} {op} {bc}", node.type, True)
        rk = self.k(node.type)
        if op in _ARITH and rk in UNSIGNED_KINDS and rk != "BOOL":
            return Val(f"{ac}.wrapping_{_ARITH[op]}({bc})", node.type)
        if op in ("<<", ">>"):
            if rk in UNSIGNED_KINDS:
                fn = "wrapping_shl" if op == "<<" else "wrapping_shr"
                return Val(f"{ac}.{fn}({bc} as u32)", node.type)
            return Val(f"{ac} {op} {bc}", node.type)
        return Val(f"{ac} {op} {bc}", node.type)

    def pointer_binary(self, op: str, a: Val, b: Val, a_node: Any, b_node: Any, node: Any) -> Val:
        ak, bk = self.k(a.ctype), self.k(b.ctype)
        if op in ("==", "!="):
            neg = "!" if op == "!=" else ""
            if self.is_null_constant(b_node):
                return Val(f"{neg}{self._null_test(a)}", node.type, True)
            if self.is_null_constant(a_node):
                return Val(f"{neg}{self._null_test(b)}", node.type, True)
            return Val(f"{_paren(a.code)} {op} {_paren(b.code)}", node.type, True)
        if op in _COMPARE:
            return Val(f"{_paren(a.code)} {op} {_paren(b.code)}", node.type, True)
        if op == "-" and ak == "POINTER" and bk == "POINTER":
            return Val(f"{_paren(a.code)}.diff(&{_paren(b.code)})", node.type)
        if op in ("+", "-"):
            p, i_node = (a, b_node) if ak == "POINTER" else (b, a_node)
            n = self.index_code(i_node)
            if op == "-":
                n = f"-({n})"
            return Val(f"{_paren(p.code)}.add({n})", node.type)
        raise Untranslatable(f"operator {op} on pointers")

    def _null_test(self, v: Val) -> str:
        if self.rust(v.ctype).startswith("Option<"):
            return f"{_paren(v.code)}.is_none()"
        return f"{_paren(v.code)}.is_null()"

    def unary(self, node: Any, kids: list[Any]) -> Val:
        op = unary_op(node)
        child = kids[0]
        if op in ("++", "--", "post++", "post--"):
            return self.incdec(node, child, op)
        if op == "&":
            inner = self.strip(child)
            if (
                self.k(child.type) in ("FUNCTIONPROTO", "FUNCTIONNOPROTO")
                and inner.kind.name == "DECL_REF_EXPR"
            ):
                name = self.ctx.function_path(inner.referenced)
                return Val(
                    f"Some({name} as {self.types.fn_type(child.type.get_canonical())})", node.type
                )
            return Val(self.place(child).address(), node.type)
        if op == "*":
            place = self.place(node)
            if self.k(node.type) == "CONSTANTARRAY":
                return Val(place.decay(), node.type)
            return Val(place.read(), node.type)
        v = self.value(child)
        if op == "!":
            return Val(f"!{_paren(self.as_bool(v))}", node.type, True)
        if op == "-":
            if self.k(node.type) in UNSIGNED_KINDS:
                return Val(f"{_paren(self.num(v))}.wrapping_neg()", node.type)
            return Val(f"-{_paren(self.num(v))}", node.type)
        if op == "~":
            return Val(f"!{_paren(self.num(v))}", node.type)
        if op in ("+", "__extension__"):
            return Val(v.code, node.type, v.boolish)
        raise Untranslatable(f"unary operator {op}")

    # ------------------------------------------------------------------ side effects

    def step_of(self, ctype: Any) -> str:
        k = self.k(ctype)
        if k in FLOAT_KINDS:
            return "1.0"
        return "1"

    def rmw(self, place: Place, op: str, rhs: Val, ctype: Any) -> tuple[str, str]:
        """``place op= rhs``: statements binding the place, and the assignment statement."""
        pre, p = place.bind_base()
        cur = Val(p.read(), ctype)
        k = self.k(ctype)
        if k == "POINTER":
            n = rhs.code if rhs.code.isdigit() else f"{_paren(self.num(rhs))} as isize"
            new = f"{_paren(cur.code)}.add({n if op == '+' else '-(' + n + ')'})"
            return pre, p.write(new)
        rhs_k = self.k(rhs.ctype)
        comp_t = (
            rhs.ctype
            if (rhs_k in FLOAT_KINDS or self.rank(rhs.ctype) >= self.rank(ctype))
            else self.promoted(ctype)
        )
        lhs = self.convert(cur, comp_t)
        r = self.convert(rhs, comp_t) if op not in ("<<", ">>") else rhs
        same = self.rust(comp_t) == self.rust(ctype)
        plain = not (k in UNSIGNED_KINDS and op in (*_ARITH, "<<", ">>"))
        if p.kind == "local" and same and plain and op not in ("<<", ">>"):
            return pre, f"{p.base}{''.join('.' + f for f in p.path)} {op}= {self.num(r)}"
        expr = self.arith(op, Val(lhs.code, comp_t), r, comp_t)
        new = self.convert(Val(expr, comp_t), ctype)
        return pre, p.write(new.code)

    def rank(self, ctype: Any) -> int:
        """C's integer conversion rank (floating types rank above every integer)."""
        k = self.k(ctype)
        if k in FLOAT_KINDS:
            return 100
        return INTEGER_RANKS.index(k) if k in INTEGER_RANKS else 0

    def promoted(self, ctype: Any) -> Any:
        """The type after C's integer promotions."""
        if self.rank(ctype) < INTEGER_RANKS.index("INT"):
            return self.ctx.int_type
        return ctype

    def arith(self, op: str, a: Val, b: Val, ctype: Any) -> str:
        ac, bc = _paren(self.num(a)), _paren(self.num(b))
        k = self.k(ctype)
        if op in _ARITH and k in UNSIGNED_KINDS:
            return f"{ac}.wrapping_{_ARITH[op]}({bc})"
        if op in ("<<", ">>") and k in UNSIGNED_KINDS:
            return f"{ac}.{'wrapping_shl' if op == '<<' else 'wrapping_shr'}({bc} as u32)"
        return f"{ac} {op} {bc}"

    def assign_parts(self, node: Any, kids: list[Any]) -> tuple[str, Place, str]:
        """(pre-statements, place, value code) of an assignment; value already stored."""
        op = binary_op(node)
        lhs, rhs = kids
        place = self.place(lhs)
        if op == "=":
            v = self.convert(self.value(rhs), lhs.type, rhs)
            return "", place, v.code
        r = self.value(rhs)
        pre, stmt = self.rmw(place, op[:-1], r, lhs.type)
        return pre, place, stmt

    def assign_stmt(self, node: Any, kids: list[Any]) -> str:
        op = binary_op(node)
        pre, place, code = self.assign_parts(node, kids)
        if op == "=":
            return place.write(code)
        return f"{{ {pre} {code}; }}" if pre else code

    def assign_value(self, node: Any, kids: list[Any]) -> Val:
        op = binary_op(node)
        pre, place, code = self.assign_parts(node, kids)
        clone = "" if place.copy else ".clone()"
        if op == "=":
            return Val(f"{{ let __a = {code}; {place.write('__a' + clone)}; __a }}", node.type)
        _, p = place.bind_base()
        return Val(f"{{ {pre} {code}; {p.read()} }}", node.type)

    def incdec(self, node: Any, child: Any, op: str, want_value: bool = True) -> Val:
        place = self.place(child)
        sign = "+" if "++" in op else "-"
        one = Val(
            self.step_of(child.type),
            self.ctx.int_type if self.k(child.type) not in FLOAT_KINDS else child.type,
        )
        pre, stmt = self.rmw(place, sign, one, child.type)
        if not want_value:
            return Val(f"{{ {pre} {stmt}; }}" if pre else stmt, node.type)
        _, p = place.bind_base()
        if op.startswith("post"):
            return Val(f"{{ {pre} let __old = {p.read()}; {stmt}; __old }}", node.type)
        return Val(f"{{ {pre} {stmt}; {p.read()} }}", node.type)

    def effect(self, node: Any) -> str:
        """A C expression evaluated for its side effects, as a Rust statement (no ``;``)."""
        kind = node.kind.name
        kids = _children(node)
        if kind == "PAREN_EXPR":
            return self.effect(kids[0])
        if kind == "UNEXPOSED_EXPR" and len(kids) == 1 and self.k(node.type) == "VOID":
            return self.effect(kids[0])
        if kind == "CSTYLE_CAST_EXPR" and self.k(node.type) == "VOID":
            return self.effect(kids[-1])
        if kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR"):
            op = binary_op(node)
            if op == ",":
                return f"{self.effect(kids[0])}; {self.effect(kids[1])}"
            if op == "=" or (op.endswith("=") and op not in _COMPARE):
                return self.assign_stmt(node, kids)
        if kind == "UNARY_OPERATOR" and unary_op(node) in ("++", "--", "post++", "post--"):
            return self.incdec(node, kids[0], unary_op(node), want_value=False).code
        if kind == "CONDITIONAL_OPERATOR":
            c, a, b = kids
            return f"if {self.as_bool(self.value(c))} {{ {self.effect(a)}; }} else {{ {self.effect(b)}; }}"
        v = self.value(node)
        if kind == "CALL_EXPR":
            return v.code if self.k(node.type) == "VOID" else f"let _ = {v.code}"
        return f"let _ = {v.code}"

    # ------------------------------------------------------------------ calls and initialisers

    def call(self, node: Any, kids: list[Any]) -> Val:
        callee, args = kids[0], kids[1:]
        inner = self.strip(callee)
        ref = inner.referenced if inner.kind.name == "DECL_REF_EXPR" else None
        if ref is not None and ref.kind.name == "FUNCTION_DECL":
            if self.ctx.is_project_function(ref):
                params = [self.convert(self.value(a), a.type, a).code for a in args]
                return Val(f"{self.ctx.function_path(ref)}({', '.join(params)})", node.type)
            return self.ctx.libc.call(self, ref.spelling, node, args)
        f = self.value(callee)
        params = [self.value(a).code for a in args]
        return Val(
            f'{_paren(f.code)}.expect("call through a null function pointer")({", ".join(params)})',
            node.type,
        )

    def initializer(self, node: Any, ctype: Any) -> str:
        """Rust value for an initialiser of an object of ``ctype`` (arrays as ``Vec``)."""
        k = self.k(ctype)
        kids = _children(node) if node.kind.name == "INIT_LIST_EXPR" else None
        if k == "CONSTANTARRAY":
            t = ctype.get_canonical()
            n = t.element_count
            if kids is None:
                inner = self.strip(node)
                if inner.kind.name == "STRING_LITERAL":
                    data = self.string_of(inner) + b"\0"
                    return f"rt::padded({rust_bytes(data)}.to_vec(), {n})"
                raise Untranslatable("array initialised from a non-literal")
            items = [self.initializer(c, t.element_type) for c in kids]
            return f"rt::padded(vec![{', '.join(items)}], {n})"
        if k == "RECORD":
            if kids is None:
                return self.value(node).code
            decl = ctype.get_canonical().get_declaration()
            fields = [f for f in decl.get_children() if f.kind.name == "FIELD_DECL"]
            parts = []
            for f, c in zip(fields, kids, strict=False):
                code = self.initializer(c, f.type)
                if self.k(f.type) == "CONSTANTARRAY":
                    code = f"Arr::from_vec({code})"
                parts.append(f"{rust_ident(f.spelling)}: {code}")
            name = self.rust(ctype)
            rest = ", ..Default::default()" if len(kids) < len(fields) else ""
            if decl.kind.name == "UNION_DECL":
                return f"{name} {{ {parts[0]} }}" if parts else "Default::default()"
            return f"{name} {{ {', '.join(parts)}{rest} }}"
        if kids is not None:
            if not kids:
                return self.types.default_value(ctype)
            return self.initializer(kids[0], ctype)
        return self.convert(self.value(node), ctype, node).code
