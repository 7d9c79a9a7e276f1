"""Lowering: the typed C IR plus the analyses to the Rust IR, over the safe memory runtime.

The memory model (``runtime/rt.rs``): every C object that can be addressed lives in one
``Mem`` of byte objects; a pointer is a ``u64`` (object id, offset), so ``void *``,
casts, unions, ``memcpy`` and integers carried in pointers are exact, and every access is
bounds-checked. Scalars whose address is never taken stay plain Rust locals. ``m`` (the
memory) is always the last argument, so nested calls borrow-check.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from ferrox.c2rust import cir
from ferrox.c2rust.analysis import FunctionFacts, function_facts, pure_functions, walk
from ferrox.c2rust.libcalls import rule_for
from ferrox.c2rust.literals import rust_bytes
from ferrox.c2rust.rir import RBlock, RFn, RIf, RLine, RStmt, print_stmts

__all__ = ["RUST_KEYWORDS", "Lowering", "NotLowered", "rust_type"]

RUST_KEYWORDS = set(
    [
        "as",
        "break",
        "const",
        "continue",
        "crate",
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
        "async",
        "await",
        "dyn",
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
        "union",
        "m",
        "fr",
        "va",
        "main",
        "st",
        "Ok",
        "Err",
        "Some",
        "None",
        "Box",
        "Vec",
        "String",
        "Option",
        "Result",
    ]
)

EXTERN_GLOBALS = {
    "stdin": "rt::STDIN_VAR",
    "stdout": "rt::STDOUT_VAR",
    "stderr": "rt::STDERR_VAR",
    "optarg": "rt::OPTARG",
    "optind": "rt::OPTIND",
    "opterr": "rt::OPTERR",
    "optopt": "rt::OPTOPT",
    "program_invocation_name": "rt::PROG_NAME",
    "program_invocation_short_name": "rt::PROG_SHORT_NAME",
    "__progname": "rt::PROG_SHORT_NAME",
    "environ": "rt::ENVIRON",
    "__environ": "rt::ENVIRON",
    "timezone": "rt::TIMEZONE",
    "__timezone": "rt::TIMEZONE",
    "daylight": "rt::DAYLIGHT",
    "__daylight": "rt::DAYLIGHT",
    "h_errno": "rt::H_ERRNO",
    "signgam": "rt::SIGNGAM",
}


class NotLowered(Exception):
    """A construct the lowering cannot express; the function becomes a stub with this reason."""


def rust_type(t: cir.CType) -> str:
    """The Rust type of a C value of type ``t`` in the memory model."""
    if isinstance(t, cir.IntT):
        if t.boolean:
            return "u8"
        return ("i" if t.signed else "u") + str(t.bits)
    if isinstance(t, cir.FloatT):
        return "f32" if t.bits == 32 else "f64"
    if isinstance(t, cir.Pointer):
        return "u64"
    if isinstance(t, cir.Array | cir.Record):
        return "Vec<u8>"
    if isinstance(t, cir.Void):
        return "()"
    raise NotLowered(f"values of type {type(t).__name__}")


def _scalar(t: cir.CType) -> bool:
    return isinstance(t, cir.IntT | cir.FloatT | cir.Pointer)


def _rank(t: cir.IntT) -> int:
    return t.bits * 2 + (0 if t.signed else 1)


def promote(t: cir.CType) -> cir.CType:
    """C's integer promotions."""
    if isinstance(t, cir.IntT) and t.bits < 32:
        return cir.IntT(32, True)
    return t


def common(a: cir.CType, b: cir.CType) -> cir.CType:
    """C's usual arithmetic conversions."""
    if isinstance(a, cir.FloatT) or isinstance(b, cir.FloatT):
        fa = a.bits if isinstance(a, cir.FloatT) else 0
        fb = b.bits if isinstance(b, cir.FloatT) else 0
        return a if fa >= fb else b
    a, b = promote(a), promote(b)
    if not isinstance(a, cir.IntT) or not isinstance(b, cir.IntT):
        return a
    if a == b:
        return a
    if a.signed == b.signed:
        return a if a.bits >= b.bits else b
    u, s = (a, b) if not a.signed else (b, a)
    if u.bits >= s.bits:
        return u
    return s


def _int_lit(value: int, t: cir.CType) -> str:
    rt = rust_type(t)
    if isinstance(t, cir.IntT):
        bits = t.bits
        value &= (1 << bits) - 1
        if t.signed and value >= 1 << (bits - 1):
            value -= 1 << bits
    if value < 0:
        return f"({value}{rt})"
    return f"{value}{rt}"


def _float_lit(value: float, t: cir.CType) -> str:
    rt = rust_type(t)
    if math.isnan(value):
        return f"{rt}::NAN"
    if math.isinf(value):
        return f"{rt}::INFINITY" if value > 0 else f"{rt}::NEG_INFINITY"
    text = repr(value)
    if "e" not in text and "." not in text:
        text += ".0"
    return f"({text}_{rt})" if value < 0 else f"{text}_{rt}"


@dataclass(frozen=True)
class LV:
    """An lvalue: a Rust local (``var``), memory at an address, or a bit-field in memory."""

    kind: str
    code: str
    type: cir.CType
    bit: int = 0
    width: int = 0


@dataclass
class Statics:
    """The program's static objects in id order: globals and string literals."""

    first_id: int = 16
    order: list[
        tuple[str, int, bytes, list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]]]
    ] = field(default_factory=list)
    strings: dict[bytes, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def add(self, const: str, size: int) -> int:
        ident = self.first_id + len(self.order)
        self.order.append((const, size, b"", []))
        return ident

    def anonymous(
        self,
        image: bytes,
        dynamic: list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]],
    ) -> str:
        """A static object of its own (a compound literal at file scope); its constant."""
        const = f"CL{sum(c.startswith('CL') for c, *_ in self.order)}"
        self.order.append((const, len(image), image, dynamic))
        return const

    def string(self, data: bytes) -> str:
        const = self.strings.get(data)
        if const is None:
            const = f"S{len(self.strings)}"
            self.strings[data] = const
            self.order.append((const, len(data), data, []))
        return const


class Lowering:
    """Lowers a whole :class:`~ferrox.c2rust.cir.Program`; state of one run lives here."""

    def __init__(self, prog: cir.Program, project_files: set[str]) -> None:
        self.prog = prog
        self.project_files = project_files
        self.statics = Statics()
        self.global_const: dict[str, str] = {}
        self.fn_names: dict[str, str] = {}
        self.fn_ids: dict[str, int] = {}
        self.dispatchers: dict[tuple[tuple[str, ...], bool, str], str] = {}
        self.libc_wrappers: dict[str, RFn] = {}
        self._name_globals_and_functions()
        self.pure = pure_functions(prog, _pure_libc)

    # ---- names

    def _name_globals_and_functions(self) -> None:
        used: set[str] = set()
        for fn in self.prog.functions.values():
            if fn.body is None:
                continue
            base = "c_main" if fn.name == "main" else _ident(fn.name)
            name = base
            if name in used:
                name = f"{base}_{_ident(fn.file.rsplit('.', 1)[0])}"
            n = 2
            while name in used:
                name = f"{base}_{n}"
                n += 1
            used.add(name)
            self.fn_names[fn.key] = name
        for g in self.prog.globals.values():
            if not g.defined:
                continue
            base = "G_" + _ident(g.name).removeprefix("r#")
            name = base
            n = 2
            while name in used:
                name = f"{base}_{n}"
                n += 1
            used.add(name)
            self.global_const[g.key] = name

    def fn_value(self, key: str, name: str) -> str:
        """The function-pointer constant of a function (defined, or from the C library)."""
        if key not in self.fn_ids:
            self.fn_ids[key] = len(self.fn_ids)
            fn = self.prog.functions.get(key)
            if (fn is None or fn.body is None) and name not in self.libc_wrappers:
                self.libc_wrappers[name] = self._libc_wrapper(key, name)
        return f"F{self.fn_ids[key]}"

    def _libc_wrapper(self, key: str, name: str) -> RFn:
        fn = self.prog.functions.get(key)
        rule = rule_for(name)
        if fn is None or rule is None or fn.type.params is None:
            raise NotLowered(f"address of '{name}', which is not in ferrox's C library")
        params = [(f"a{i}", rust_type(t)) for i, t in enumerate(fn.type.params)]
        args = {str(i): f"a{i}" for i in range(len(params))}
        # a variadic one (`int (*p)(FILE *, const char *, ...) = &fprintf`) takes the
        # packed extra arguments as its dispatcher passes them
        variadic = [("va", "&[rt::Va]")] if fn.type.variadic else []
        va = "va" if fn.type.variadic and rule.variadic else "&[]"
        body = rule.template.format(*args.values(), m="m", va=va)
        wrapper = RFn(
            f"libc_{name}", [*params, *variadic, ("m", "&mut rt::Mem")], rust_type(fn.type.ret)
        )
        wrapper.body = [RLine(body)]
        wrapper.doc = f"`{name}` as a function value."
        return wrapper

    def global_addr(self, key: str, name: str) -> str:
        const = self.global_const.get(key)
        if const is not None:
            return const
        if name in EXTERN_GLOBALS:
            return EXTERN_GLOBALS[name]
        raise NotLowered(f"extern variable '{name}' that no file defines")

    def dispatcher(self, ft: cir.FuncT) -> str:
        params = tuple(rust_type(p) for p in (ft.params or ()))
        key = (params, ft.variadic and ft.params is not None, rust_type(ft.ret))
        name = self.dispatchers.get(key)
        if name is None:
            name = f"call_{len(self.dispatchers)}"
            self.dispatchers[key] = name
        return name

    # ---- statics

    def lower_statics(self) -> tuple[list[str], RFn]:
        """Constants for every static object and the function that creates them in id order."""
        consts: list[str] = []
        init_fn = RFn("init_statics", [("m", "&mut rt::Mem")], "")
        init_fn.doc = "Creates every static object in id order (ids are fixed at translation)."
        ctx = FunctionLowering(self, None)
        pending: list[tuple[str, cir.GlobalVar]] = []
        for g in self.prog.globals.values():
            if not g.defined:
                continue
            const = self.global_const[g.key]
            t = g.type
            if isinstance(t, cir.Array) and t.n is None:
                t = cir.Array(t.elem, 1)
            try:
                size = self.prog.size_of(t)
            except KeyError:
                size = 0
            self.statics.add(const, size)
            pending.append((const, cir.GlobalVar(g.key, g.name, t, g.init, True, g.file)))
        for const, g in pending:
            if g.init is None:
                continue
            if isinstance(g.init, cir.Unsupported):
                raise NotLowered(f"initializer of '{g.name}': {g.init.reason}")
            image = bytearray(self.prog.size_of(g.type))
            dynamic: list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]] = []
            ctx.initializer(g.type, 0, g.init, image, dynamic)
            i = next(k for k, o in enumerate(self.statics.order) if o[0] == const)
            self.statics.order[i] = (const, len(image), bytes(image), dynamic)
        # dynamic parts may add string literals; those append to the order
        body: list[RStmt] = []
        stores: list[RStmt] = []
        for ident, (const, size, image, dynamic) in enumerate(
            self.statics.order, self.statics.first_id
        ):
            consts.append(f"pub const {const}: u64 = {ident} << 32;")
            trimmed = image.rstrip(b"\0")
            body.append(RLine(f"rt::static_obj({size}, {rust_bytes(trimmed)}, m);"))
            for off, t, e, fd in dynamic:
                addr = const if off == 0 else f"({const} + {off})"
                stores += ctx.store_stmts(_lv_at(addr, t, fd), e)
        init_fn.body = [*ctx.prologue(), *body, *stores]
        return consts, init_fn

    # ---- functions

    def lower_function(self, fn: cir.FuncDef) -> RFn:
        """One C function as Rust; raises :class:`NotLowered` with the reason."""
        name = self.fn_names[fn.key]
        params = [(p, rust_type(p.type)) for p in fn.params]
        ret = rust_type(fn.type.ret)
        out = RFn(name, [], ret, c_name=fn.name, doc=f"`{fn.name}` ({fn.loc}).")
        if fn.error:
            raise NotLowered(fn.error)
        lw = FunctionLowering(self, fn)
        out.body = lw.function_body()
        if lw.frame and not lw.facts.needs_frame:
            # a record rvalue met while lowering needed a local object: again, with the
            # frame opened at entry and closed on every return
            lw = FunctionLowering(self, fn, frame=True)
            out.body = lw.function_body()
        out.params = [(lw.param_name(p), t) for p, t in params]
        if fn.type.variadic:
            out.params.append(("va", "&[rt::Va]"))
        if fn.key not in self.pure:
            out.params.append(("m", "&mut rt::Mem"))
        out.missing = sorted(lw.missing)
        return out


def _pure_libc(name: str) -> bool:
    rule = rule_for(name)
    return rule is not None and "{m}" not in rule.template and "{va}" not in rule.template


def _ident(name: str) -> str:
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name) or "_"
    if name[0].isdigit():
        name = "_" + name
    return f"{name}_" if name in RUST_KEYWORDS else name


def _lv_at(addr: str, t: cir.CType, fd: cir.FieldDef | None) -> LV:
    if fd is not None and fd.bit_width is not None:
        return LV("bits", addr, t, fd.bit_offset, fd.bit_width)
    return LV("mem", addr, t)


def _ld(t: cir.CType) -> str:
    if isinstance(t, cir.FloatT):
        return "f32" if t.bits == 32 else "f64"
    if isinstance(t, cir.Pointer):
        return "u64"
    if isinstance(t, cir.IntT):
        return rust_type(t)
    raise NotLowered("load of a non-scalar")


class FunctionLowering:
    """Lowers one function body (or, with ``fn`` None, the statics' initializers)."""

    def __init__(self, low: Lowering, fn: cir.FuncDef | None, *, frame: bool = False) -> None:
        self.low = low
        self.prog = low.prog
        self.fn = fn
        self.facts: FunctionFacts = function_facts(fn) if fn is not None else FunctionFacts()
        self.names: dict[str, str] = {}
        self.used_names: set[str] = set()
        self.tmp = 0
        self.labels = 0
        self.loops: list[
            tuple[str, str | None, bool]
        ] = []  # (break label, continue label, is_switch)
        self.decls: list[RStmt] = []
        self.missing: set[str] = set()
        self.frame = self.facts.needs_frame or frame
        for key, var in self.facts.locals.items():
            self._name(key, var.name)

    # ---- names and temporaries

    def _name(self, key: str, c_name: str) -> str:
        base = _ident(c_name)
        name = base
        n = 2
        while name in self.used_names:
            name = f"{base.removeprefix('r#')}_{n}"
            n += 1
        self.used_names.add(name)
        self.names[key] = name
        return name

    def param_name(self, p: cir.LocalVar) -> str:
        name = self.names[p.key]
        if p.key in self.facts.in_memory:
            return f"{name}_v"
        return f"mut {name}"

    def fresh(self, stem: str = "t") -> str:
        self.tmp += 1
        return f"{stem}_{self.tmp}"

    def label(self, stem: str) -> str:
        self.labels += 1
        return f"'{stem}{self.labels}"

    # ---- function body

    def prologue(self) -> list[RStmt]:
        return list(self.decls)

    def function_body(self) -> list[RStmt]:
        fn = self.fn
        assert fn is not None and fn.body is not None
        head: list[RStmt] = []
        if self.frame:
            head.append(RLine("let fr = rt::frame(m);"))
        for p in fn.params:
            if p.key in self.facts.in_memory:
                name = self.names[p.key]
                size = self.prog.size_of(p.type)
                head.append(RLine(f"let {name}: u64 = rt::local({size}, m);"))
                if isinstance(p.type, cir.Record):
                    head.append(RLine(f"rt::st_bytes({name}, &{name}_v, m);"))
                else:
                    head.append(RLine(f"rt::st_{_ld(p.type)}({name}, {name}_v, m);"))
        params = {p.key for p in fn.params}
        for key, var in self.facts.locals.items():
            if key in params:
                continue
            name = self.names[key]
            if key in self.facts.in_memory:
                if var.vla_count is not None:
                    head.append(RLine(f"let mut {name}: u64 = 0;"))
                else:
                    t = var.type
                    size = (
                        self.prog.size_of(t)
                        if not (isinstance(t, cir.Array) and t.n is None)
                        else 0
                    )
                    head.append(RLine(f"let {name}: u64 = rt::local({size}, m);"))
            else:
                head.append(RLine(f"let mut {name}: {rust_type(var.type)} = {_zero(var.type)};"))
        from ferrox.c2rust.gotos import lower_with_gotos

        if self.facts.uses_goto:
            body = lower_with_gotos(self, fn.body)
        else:
            try:
                body = self.block(fn.body)
            except NotLowered as exc:
                if "case label inside" not in str(exc):
                    raise
                self.loops = []
                body = lower_with_gotos(self, fn.body)
        ret = rust_type(fn.type.ret)
        tail: list[RStmt] = []
        if self.frame:
            tail.append(RLine("rt::unwind(fr, m);"))
        if ret != "()":
            if fn.name == "main":
                tail.append(RLine("0"))
            else:
                tail.append(RLine(f"{_zero(fn.type.ret)}"))
        if body and isinstance(body[-1], RLine) and body[-1].code.startswith("return"):
            tail = []
        return [*head, *self.decls, *body, *tail]

    # ---- statements

    def block(self, s: cir.Stmt) -> list[RStmt]:
        if isinstance(s, cir.Block):
            out: list[RStmt] = []
            for item in s.items:
                out += self.stmt(item)
            return out
        return self.stmt(s)

    def stmt(self, s: cir.Stmt) -> list[RStmt]:
        handler = _STMTS.get(type(s))
        if handler is None:
            raise NotLowered(f"statement {type(s).__name__}")
        return handler(self, s)

    def s_decl(self, s: cir.DeclStmt) -> list[RStmt]:
        out: list[RStmt] = []
        for var in s.vars:
            name = self.names[var.key]
            if var.key in self.facts.in_memory:
                if var.vla_count is not None:
                    esize = self.size_expr(var.type.elem) if isinstance(var.type, cir.Array) else 1
                    out.append(
                        RLine(
                            f"{name} = rt::local(({self.rv(var.vla_count)}) as u64 * {esize}, m);"
                        )
                    )
                if var.init is not None:
                    out += self.init_memory(name, var.type, var.init)
            elif var.init is not None:
                out.append(RLine(f"{name} = {self.rv_as(var.init, var.type)};"))
        return out

    def init_memory(self, addr: str, t: cir.CType, init: cir.Expr) -> list[RStmt]:
        if isinstance(t, cir.Array) and t.n is None:
            raise NotLowered("initializer of an incomplete array")
        size = self.prog.size_of(t)
        if _scalar(t):
            return self.store_stmts(LV("mem", addr, t), init)
        if isinstance(t, cir.Record) and not isinstance(init, cir.InitList):
            return [RLine(f"rt::st_bytes({addr}, &{self.rv(init)}, m);")]
        image = bytearray(size)
        dynamic: list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]] = []
        self.initializer(t, 0, init, image, dynamic)
        out: list[RStmt] = []
        if any(image):
            out.append(RLine(f"rt::st_bytes({addr}, {rust_bytes(bytes(image))}, m);"))
        else:
            out.append(RLine(f"rt::memset({addr}, 0, {size}, m);"))
        for off, ft, e, fd in dynamic:
            out += self.store_stmts(_lv_at(f"({addr} + {off})" if off else addr, ft, fd), e)
        return out

    def s_expr(self, s: cir.ExprStmt) -> list[RStmt]:
        return self.effect(s.expr)

    def s_if(self, s: cir.If) -> list[RStmt]:
        known = _const_value(s.cond)
        if isinstance(known, int) and not any(isinstance(n, cir.Label) for n in walk(s)):
            # `if (0)` from configuration macros: only the branch that runs is translated
            if known:
                return self.block(s.then)
            return self.block(s.other) if s.other is not None else []
        jump = _setjmp_test(s.cond)
        if jump is not None:
            zero = s.then if jump[1] else s.other
            if zero is not None and _stays_inside(zero):
                return self.setjmp_if(s, *jump)
            # the code to unwind back to is not one closed branch (`if (setjmp(b)) {
            # report; exit(1); }` and the rest of the function): setjmp returns 0 once and
            # a longjmp to it panics, naming this place (rt::setjmp_once)
        then = self.block(s.then)
        if s.other is None:
            return [RBlock(f"if {self.cond(s.cond)}", tuple(then))] if then else self.effect(s.cond)
        if not then:
            return [RBlock(f"if !{_p(self.cond(s.cond))}", tuple(self.block(s.other)))]
        return [RIf(self.cond(s.cond), tuple(then), tuple(self.block(s.other)))]

    def setjmp_if(
        self, s: cir.If, buf: cir.Expr, zero_is_then: bool, target: cir.Expr | None
    ) -> list[RStmt]:
        """``if (!setjmp(buf)) A else B`` by unwinding: A runs in a closure that
        ``rt::setjmp_run`` calls under ``catch_unwind``; a ``longjmp(buf, v)`` inside it
        (at any call depth) unwinds back and B runs. Only where A cannot leave by
        ``return``, ``goto`` or a ``break``/``continue`` of an enclosing loop. A stored
        value (``!(status = setjmp(buf))``) is 0 while A runs and ``v`` after a jump."""
        zero = s.then if zero_is_then else s.other
        other = s.other if zero_is_then else s.then
        assert zero is not None
        buf_p = self.rv(buf)
        jumped = self.label("jumped")[1:]  # a variable, not a loop label
        stores: tuple[list[RStmt], list[RStmt]] = ([], [])
        if target is not None:
            int_t = cir.IntT(32, True)
            for value, out in (("0i32", stores[0]), (jumped, stores[1])):
                pre, lv = self.bind_addr(self.lv(target))
                out += [*pre, RLine(self.store(lv, _conv(value, int_t, lv.type)) + ";")]
        body = self.block(zero)
        closure = RBlock(
            f"let {jumped} = rt::setjmp_run({buf_p}, m, &mut |m: &mut rt::Mem|", tuple(body), ");"
        )
        after = stores[1] + (self.block(other) if other is not None else [])
        if not after:
            return [*stores[0], closure]
        return [*stores[0], closure, RBlock(f"if {jumped} != 0", tuple(after))]

    def s_while(self, s: cir.While) -> list[RStmt]:
        lab = self.label("l")
        self.loops.append((lab, lab, False))
        body = self.block(s.body)
        self.loops.pop()
        return [RBlock(f"{lab}: while {self.cond(s.cond)}", tuple(body))]

    def s_do(self, s: cir.DoWhile) -> list[RStmt]:
        lab = self.label("l")
        cont = self.label("c")
        self.loops.append((lab, cont, False))
        body = self.block(s.body)
        self.loops.pop()
        inner: list[RStmt] = [RBlock(f"{cont}:", tuple(body))] if _uses(body, cont) else list(body)
        inner.append(RBlock(f"if !({self.cond(s.cond)})", (RLine(f"break {lab};"),)))
        return [RBlock(f"{lab}: loop", tuple(inner))]

    def s_for(self, s: cir.For) -> list[RStmt]:
        out: list[RStmt] = []
        if s.init is not None:
            out += self.stmt(s.init)
        lab = self.label("l")
        cont = self.label("c") if s.step is not None else lab
        self.loops.append((lab, cont, False))
        body = self.block(s.body)
        self.loops.pop()
        cond = self.cond(s.cond) if s.cond is not None else "true"
        if s.step is None:
            head = f"{lab}: loop" if cond == "true" else f"{lab}: while {cond}"
            return [*out, RBlock(head, tuple(body))]
        step = self.effect(s.step)
        if not _uses(body, cont):
            head = f"{lab}: loop" if cond == "true" else f"{lab}: while {cond}"
            return [*out, RBlock(head, (*body, *step))]
        inner: list[RStmt] = []
        if cond != "true":
            inner.append(RBlock(f"if !({cond})", (RLine(f"break {lab};"),)))
        inner += [RBlock(f"{cont}:", tuple(body)), *step]
        return [*out, RBlock(f"{lab}: loop", tuple(inner))]

    def switch_sections(
        self, s: cir.Switch
    ) -> tuple[list[cir.Stmt], list[list[cir.Stmt]], list[str], int]:
        """The switch body split at its labels: statements before the first label, the
        sections, the match arms (pattern => section index) and the default's index."""
        items = list(s.body.items) if isinstance(s.body, cir.Block) else [s.body]
        sections: list[tuple[list[tuple[int, int | None] | None], list[cir.Stmt]]] = []
        prefix: list[cir.Stmt] = []
        for item in items:
            labels: list[tuple[int, int | None] | None] = []
            while isinstance(item, cir.Case | cir.Default):
                labels.append((item.value, item.high) if isinstance(item, cir.Case) else None)
                item = item.body
            if labels:
                sections.append((labels, [item]))
            elif sections:
                sections[-1][1].append(item)
            else:
                prefix.append(item)
        for n in walk(tuple(x for _, b in sections for x in b)):
            if isinstance(n, cir.Case | cir.Default) and not _inside_nested_switch(sections, n):
                raise NotLowered("case label inside a nested statement of its switch")
        ct = s.cond.type
        arms: list[str] = []
        default = len(sections)
        for i, (labels, _) in enumerate(sections):
            pats = []
            for lb in labels:
                if lb is None:
                    default = i
                elif lb[1] is None:
                    pats.append(_int_lit(lb[0], ct))
                else:
                    pats.append(f"{_int_lit(lb[0], ct)}..={_int_lit(lb[1], ct)}")
            if pats:
                arms.append(f"{' | '.join(pats)} => {i},")
        return prefix, [b for _, b in sections], arms, default

    def s_switch(self, s: cir.Switch) -> list[RStmt]:
        lab = self.label("s")
        prefix, sections, arms, default = self.switch_sections(s)
        v = self.fresh("sw")
        self.loops.append((lab, None, True))
        out_body: list[RStmt] = []
        for p in prefix:
            if isinstance(p, cir.DeclStmt):
                out_body += self.stmt(p)
        if all(_ends_in_jump(b) for b in sections[:-1]):
            # no fall-through: one arm per section, the default last
            by_section: dict[int, list[str]] = {}
            for a in arms:
                pat, _, idx = a.rstrip(",").rpartition(" => ")
                by_section.setdefault(int(idx), []).append(pat)
            rarms: list[RStmt] = []
            for i, body in enumerate(sections):
                if i == default or i not in by_section:
                    continue
                lowered = [x for b in body for x in self.stmt(b)]
                rarms.append(RBlock(f"{' | '.join(by_section[i])} =>", tuple(lowered)))
            tail: list[RStmt] = []
            if default < len(sections):
                tail = [x for b in sections[default] for x in self.stmt(b)]
            rarms.append(RBlock("_ =>", tuple(tail)))
            out_body.append(RBlock(f"match {self.rv(s.cond)}", tuple(rarms)))
            self.loops.pop()
            return [RBlock(f"{lab}:", tuple(out_body))]
        match = [RLine(a) for a in arms] + [RLine(f"_ => {default},")]
        out_body.append(RBlock(f"let {v}: usize = match {self.rv(s.cond)}", tuple(match), ";"))
        for i, body in enumerate(sections):
            lowered: list[RStmt] = []
            for b in body:
                lowered += self.stmt(b)
            cond = f"{v} == 0" if i == 0 else f"{v} <= {i}"
            out_body.append(RBlock(f"if {cond}", tuple(lowered)))
        self.loops.pop()
        return [RBlock(f"{lab}:", tuple(out_body))]

    def s_break(self, s: cir.Break) -> list[RStmt]:
        if not self.loops:
            raise NotLowered("break outside a loop")
        target = self.loops[-1][0]
        if target.startswith("="):
            return [RLine(f"st = {target[1:]};"), RLine("continue 'cfg;")]
        return [RLine(f"break {target};")]

    def s_continue(self, s: cir.Continue) -> list[RStmt]:
        for _brk, cont, is_switch in reversed(self.loops):
            if not is_switch:
                assert cont is not None
                if cont.startswith("="):
                    return [RLine(f"st = {cont[1:]};"), RLine("continue 'cfg;")]
                if cont.startswith("'c"):
                    return [RLine(f"break {cont};")]
                return [RLine(f"continue {cont};")]
        raise NotLowered("continue outside a loop")

    def s_return(self, s: cir.Return) -> list[RStmt]:
        assert self.fn is not None
        if s.value is None or isinstance(self.fn.type.ret, cir.Void):
            pre = self.effect(s.value) if s.value is not None else []
            tail = [RLine("rt::unwind(fr, m);")] if self.frame else []
            if not isinstance(self.fn.type.ret, cir.Void):
                return [*pre, *tail, RLine(f"return {_zero(self.fn.type.ret)};")]
            return [*pre, *tail, RLine("return;")]
        value = self.rv_as(s.value, self.fn.type.ret)
        if self.frame:
            r = self.fresh("r")
            return [
                RLine(f"let {r} = {value};"),
                RLine("rt::unwind(fr, m);"),
                RLine(f"return {r};"),
            ]
        return [RLine(f"return {value};")]

    def s_null(self, s: cir.Stmt) -> list[RStmt]:
        return []

    def s_label(self, s: cir.Label) -> list[RStmt]:
        raise NotLowered("goto label outside the goto lowering")

    def s_goto(self, s: cir.Goto) -> list[RStmt]:
        labels = getattr(self, "goto_labels", None)
        if not labels or s.name not in labels:
            raise NotLowered(f"goto {s.name} without its label")
        return [RLine(f"st = {labels[s.name]};"), RLine("continue 'cfg;")]

    def s_case(self, s: cir.Stmt) -> list[RStmt]:
        raise NotLowered("case label outside its switch")

    # ---- expressions for effect

    def effect(self, e: cir.Expr) -> list[RStmt]:
        if isinstance(e, cir.Assign):
            return self.assign_stmts(e)
        if isinstance(e, cir.IncDec):
            return self.update_stmts(self.lv(e.operand), e.op[0], None, e.operand.type)
        if isinstance(e, cir.Comma):
            return [*self.effect(e.lhs), *self.effect(e.rhs)]
        if isinstance(e, cir.Cast) and isinstance(e.type, cir.Void):
            return self.effect(e.operand)
        if isinstance(e, cir.Cond):
            return [RIf(self.cond(e.cond), tuple(self.effect(e.then)), tuple(self.effect(e.other)))]
        if isinstance(e, cir.StmtExpr):
            return self.block(e.body)
        if isinstance(e, cir.Call):
            code = self.call(e)
            return [RLine(f"{code};")]
        if isinstance(e, cir.IntLit | cir.FloatLit | cir.Ref):
            return []
        return [RLine(f"let _ = {self.rv(e)};")]

    def assign_stmts(self, e: cir.Assign) -> list[RStmt]:
        lv = self.lv(e.lhs)
        if not e.op:
            return self.store_stmts(lv, e.rhs)
        return self.update_stmts(lv, e.op, e.rhs, e.lhs.type)

    def store_stmts(self, lv: LV, value: cir.Expr) -> list[RStmt]:
        if isinstance(lv.type, cir.Array) and isinstance(value, cir.InitList | cir.StrLit):
            return self.init_memory(lv.code, lv.type, value)
        if isinstance(lv.type, cir.Record) and isinstance(value, cir.InitList):
            return self.init_memory(lv.code, lv.type, value)
        if isinstance(lv.type, cir.Array) and isinstance(value, cir.StrLit):
            return self.init_memory(lv.code, lv.type, value)
        return [RLine(self.store(lv, self.rv_as(value, lv.type)) + ";")]

    def store(self, lv: LV, value: str) -> str:
        if lv.kind == "var":
            return f"{lv.code} = {value}"
        if lv.kind == "bits":
            return f"rt::st_bits({lv.code}, {lv.bit}, {lv.width}, ({value}) as i64, m)"
        if isinstance(lv.type, cir.Record | cir.Array):
            return f"rt::st_bytes({lv.code}, &{value}, m)"
        return f"rt::st_{_ld(lv.type)}({lv.code}, {value}, m)"

    def load(self, lv: LV) -> str:
        if lv.kind == "var":
            return lv.code
        if lv.kind == "bits":
            signed = isinstance(lv.type, cir.IntT) and lv.type.signed
            return f"(rt::ld_bits({lv.code}, {lv.bit}, {lv.width}, {str(signed).lower()}, m) as {rust_type(lv.type)})"
        if isinstance(lv.type, cir.Record | cir.Array):
            return f"rt::ld_bytes({lv.code}, {self.prog.size_of(lv.type)}, m)"
        return f"rt::ld_{_ld(lv.type)}({lv.code}, m)"

    def bind_addr(self, lv: LV) -> tuple[list[RStmt], LV]:
        """Evaluates the address of a memory lvalue once, into a temporary."""
        if lv.kind == "var" or _simple(lv.code):
            return [], lv
        a = self.fresh("a")
        return [RLine(f"let {a}: u64 = {lv.code};")], LV(lv.kind, a, lv.type, lv.bit, lv.width)

    def update(
        self, lv: LV, op: str, rhs: cir.Expr | None, lt: cir.CType
    ) -> tuple[list[RStmt], str, LV]:
        """``lv op= rhs`` (``rhs`` None: ``++``/``--``): the address binding, the new value
        (an expression over the old one) and the lvalue to store it in."""
        pre, lv = self.bind_addr(lv)
        old = self.load(lv)
        if isinstance(lt, cir.Pointer):
            size = self._elem_size(lt)
            if rhs is None:
                new = f"({old} {op} {size})"
            else:
                n = (
                    f"(({self.rv(rhs)}) as i64 as u64) * {size}"
                    if size != 1
                    else f"(({self.rv(rhs)}) as i64 as u64)"
                )
                new = f"({old} {op} {n})"
        elif rhs is None:
            if isinstance(lt, cir.IntT) and lt.boolean:
                new = "1u8" if op == "+" else f"(({old}) ^ 1)"
            elif isinstance(lt, cir.FloatT):
                new = f"({old} {op} 1.0)"
            else:
                new = f"({old} {op} 1)"
        else:
            ct = promote(lt) if op in ("<<", ">>") else common(promote(lt), rhs.type)
            a = _conv(old, lt, ct)
            b = self.rv(rhs) if op in ("<<", ">>") else self.rv_as(rhs, ct)
            new = _conv(_arith(op, a, b, ct), ct, lt)
        return pre, new, lv

    def update_stmts(self, lv: LV, op: str, rhs: cir.Expr | None, lt: cir.CType) -> list[RStmt]:
        pre, new, lv = self.update(lv, op, rhs, lt)
        return [*pre, RLine(self.store(lv, new) + ";")]

    def update_value(self, lv: LV, op: str, rhs: cir.Expr | None, lt: cir.CType) -> str:
        pre, new, lv = self.update(lv, op, rhs, lt)
        if lv.kind == "var":
            return _block_expr([*pre, RLine(f"{lv.code} = {new};")], lv.code)
        v = self.fresh("v")
        return _block_expr([*pre, RLine(f"let {v} = {new};"), RLine(self.store(lv, v) + ";")], v)

    def _elem_size(self, t: cir.CType) -> int | str:
        assert isinstance(t, cir.Pointer)
        if isinstance(t.pointee, cir.Void | cir.FuncT):
            return 1
        try:
            return self.size_expr(t.pointee)
        except KeyError as exc:
            raise NotLowered(f"pointer arithmetic on an incomplete type: {exc}") from exc

    def size_expr(self, t: cir.CType) -> int | str:
        """The size of ``t``: a number, or a ``u64`` expression when ``t`` has
        variable-length levels (their declared counts, read now)."""
        if isinstance(t, cir.Array) and (t.n == -1 or isinstance(t.elem, cir.Array)):
            inner = self.size_expr(t.elem)
            if t.n == -1:
                if t.dim is None:
                    raise NotLowered("a variable-length array type whose size is not declared here")
                return f"((({self.rv(t.dim)}) as i64 as u64) * {inner})"
            if isinstance(inner, str):
                return f"({inner} * {max(t.n or 0, 0)})"
        return self.prog.size_of(t)

    def e_sizeof_type(self, e: cir.SizeOfType) -> str:
        return f"(({self.size_expr(e.of)}) as {rust_type(e.type)})"

    # ---- lvalues

    def lv(self, e: cir.Expr) -> LV:
        if isinstance(e, cir.Ref):
            if e.kind == "local":
                name = self.names.get(e.key)
                if name is None:
                    raise NotLowered(f"local '{e.name}' of another function")
                if e.key in self.facts.in_memory:
                    return LV("mem", name, e.type)
                return LV("var", name, e.type)
            if e.kind == "global":
                return LV("mem", self.low.global_addr(e.key, e.name), e.type)
            raise NotLowered("a function used as an lvalue")
        if isinstance(e, cir.Unary) and e.op == "*":
            return LV("mem", self.rv(e.operand), e.type)
        if isinstance(e, cir.Index):
            base = self.rv(e.base)
            size = self._elem_size(e.base.type) if isinstance(e.base.type, cir.Pointer) else 1
            return LV("mem", _padd(base, self.rv(e.index), e.index.type, size), e.type)
        if isinstance(e, cir.Member):
            base = self.rv(e.base) if e.arrow else self.addr_of_record(e.base)
            addr = base if e.field.offset == 0 else f"({base} + {e.field.offset})"
            if e.field.bit_width is not None:
                return LV("bits", addr, e.type, e.field.bit_offset, e.field.bit_width)
            return LV("mem", addr, e.type)
        if isinstance(e, cir.StrLit):
            return LV("mem", self.low.statics.string(e.data), e.type)
        if isinstance(e, cir.CompoundLit):
            return LV("mem", self.compound(e), e.type)
        if isinstance(e, cir.Cast) and (
            e.type == e.operand.type
            or (isinstance(e.type, cir.Array) and isinstance(e.operand.type, cir.Array))
            or (isinstance(e.type, cir.Record) and isinstance(e.operand.type, cir.Record))
        ):
            inner = self.lv(e.operand)
            return LV(inner.kind, inner.code, e.type, inner.bit, inner.width)
        raise NotLowered(f"{type(e).__name__} as an lvalue")

    def addr_of_record(self, e: cir.Expr) -> str:
        try:
            lv = self.lv(e)
        except NotLowered:
            lv = None
        if lv is not None and lv.kind == "mem":
            return lv.code
        return self.materialize(e)

    def materialize(self, e: cir.Expr) -> str:
        """An rvalue of record type copied into a fresh local object; its address."""
        size = self.prog.size_of(e.type)
        self.frame = True
        t = self.fresh("o")
        return f"{{ let {t} = rt::local({size}, m); let b_{t} = {self.rv(e)}; rt::st_bytes({t}, &b_{t}, m); {t} }}"

    def compound(self, e: cir.CompoundLit) -> str:
        if self.fn is None:
            # at file scope it has static storage: an object of its own, set up with the rest
            image = bytearray(self.prog.size_of(e.type))
            dynamic: list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]] = []
            self.initializer(e.type, 0, e.init, image, dynamic)
            return self.low.statics.anonymous(bytes(image), dynamic)
        self.frame = True
        size = self.prog.size_of(e.type)
        t = self.fresh("o")
        init = self.init_memory(t, e.type, e.init)
        inner = " ".join(x.strip() for x in print_stmts(init, 0))
        return f"{{ let {t} = rt::local({size}, m); {inner} {t} }}"

    def addr(self, e: cir.Expr) -> str:
        if isinstance(e, cir.Ref) and e.kind == "function":
            return self.low.fn_value(e.key, e.name)
        if isinstance(e, cir.Unary) and e.op == "*" and isinstance(e.type, cir.FuncT):
            return self.rv(e.operand)
        lv = self.lv(e)
        if lv.kind != "mem":
            raise NotLowered("address of a register local")
        return lv.code

    # ---- rvalues

    def rv_as(self, e: cir.Expr, t: cir.CType) -> str:
        if isinstance(t, cir.Array | cir.Record) and isinstance(e, cir.InitList):
            raise NotLowered("initializer list as a value")
        return (
            _conv(self.rv(e), e.type, t)
            if e.type != t and _scalar(t) and _scalar(e.type)
            else self.rv(e)
        )

    def rv(self, e: cir.Expr) -> str:
        handler = _EXPRS.get(type(e))
        if handler is None:
            raise NotLowered(f"expression {type(e).__name__}")
        return handler(self, e)

    def e_int(self, e: cir.IntLit) -> str:
        if isinstance(e.type, cir.FloatT):
            return _float_lit(float(e.value), e.type)
        return _int_lit(e.value, e.type)

    def e_sizeof_vla(self, e: cir.SizeOfVla) -> str:
        return f"rt::obj_size({self.addr(e.array)}, m)"

    def e_float(self, e: cir.FloatLit) -> str:
        if isinstance(e.type, cir.IntT):
            return _int_lit(int(e.value), e.type)
        return _float_lit(e.value, e.type)

    def e_str(self, e: cir.StrLit) -> str:
        return f"rt::ld_bytes({self.low.statics.string(e.data)}, {len(e.data)}, m)"

    def e_ref(self, e: cir.Ref) -> str:
        if e.kind == "function":
            return self.low.fn_value(e.key, e.name)
        return self.load(self.lv(e))

    def e_unsupported(self, e: cir.Unsupported) -> str:
        raise NotLowered(e.reason)

    def e_cast(self, e: cir.Cast) -> str:
        src, dst = e.operand.type, e.type
        if isinstance(dst, cir.Void):
            stmts = self.effect(e.operand)
            return _block_expr(stmts, "()")
        if isinstance(src, cir.Array):
            return self.addr(e.operand)
        if isinstance(src, cir.FuncT):
            return self.addr(e.operand)
        if isinstance(dst, cir.Record) or isinstance(src, cir.Record):
            return self.rv(e.operand)
        if isinstance(dst, cir.IntT) and dst.boolean:
            return f"({self.cond(e.operand)} as u8)"
        return _conv(self.rv(e.operand), src, dst)

    def e_unary(self, e: cir.Unary) -> str:
        op = e.op
        if op == "&":
            return self.addr(e.operand)
        if op == "*":
            if isinstance(e.type, cir.FuncT):
                return self.rv(e.operand)
            return self.load(self.lv(e))
        if op == "!":
            return f"(({self.cond(e.operand)}) as i32 ^ 1)"
        value = _const_value(e)
        if value is not None and op == "-" and _scalar(e.type):
            return (
                _float_lit(float(value), e.type)
                if isinstance(e.type, cir.FloatT)
                else _int_lit(int(value), e.type)
            )
        x = self.rv_as(e.operand, e.type)
        if op == "+":
            return x
        if op == "-":
            if isinstance(e.type, cir.FloatT):
                return f"(-{_p(x)})"
            return f"{_p(x)}.wrapping_neg()"
        if op == "~":
            return f"(!{_p(x)})"
        raise NotLowered(f"unary operator {op}")

    def e_incdec(self, e: cir.IncDec) -> str:
        lv = self.lv(e.operand)
        if e.prefix:
            return self.update_value(lv, e.op[0], None, e.operand.type)
        pre, lv = self.bind_addr(lv)
        old = self.fresh("o")
        _, new, _ = self.update(lv, e.op[0], None, e.operand.type)
        new = new.replace(self.load(lv), old, 1)
        return _block_expr(
            [*pre, RLine(f"let {old} = {self.load(lv)};"), RLine(self.store(lv, new) + ";")], old
        )

    def e_binary(self, e: cir.Binary) -> str:
        op = e.op
        if op in ("&&", "||", "<", ">", "<=", ">=", "==", "!="):
            return f"(({self.cond(e)}) as i32)"
        lt, rt_ = e.lhs.type, e.rhs.type
        if isinstance(lt, cir.Pointer) and isinstance(rt_, cir.Pointer) and op == "-":
            size = self._elem_size(lt)
            diff = f"(({self.rv(e.lhs)} - {self.rv(e.rhs)}) as i64)"
            return diff if size == 1 else f"({diff} / ({size}) as i64)"
        if isinstance(lt, cir.Pointer) or isinstance(rt_, cir.Pointer):
            ptr, num = (e.lhs, e.rhs) if isinstance(lt, cir.Pointer) else (e.rhs, e.lhs)
            size = self._elem_size(ptr.type)
            if op == "+":
                return _padd(self.rv(ptr), self.rv(num), num.type, size)
            if op == "-":
                n = f"(({self.rv(num)}) as i64 as u64)" + (f" * {size}" if size != 1 else "")
                return f"({self.rv(ptr)} - {n})"
            return _arith(op, self.rv_as(e.lhs, e.type), self.rv_as(e.rhs, e.type), e.type)
        if op in ("<<", ">>"):
            return _arith(op, self.rv_as(e.lhs, e.type), self.rv(e.rhs), e.type)
        return _arith(op, self.rv_as(e.lhs, e.type), self.rv_as(e.rhs, e.type), e.type)

    def cond(self, e: cir.Expr) -> str:
        """``e`` as a Rust ``bool`` (C's test against zero)."""
        if isinstance(e, cir.Binary):
            if e.op in ("&&", "||"):
                return f"({self.cond(e.lhs)} {e.op} {self.cond(e.rhs)})"
            if e.op in ("<", ">", "<=", ">=", "==", "!="):
                lt, rt_ = e.lhs.type, e.rhs.type
                if isinstance(lt, cir.Pointer) or isinstance(rt_, cir.Pointer):
                    a = _conv(self.rv(e.lhs), lt, cir.Pointer(cir.Void()))
                    b = _conv(self.rv(e.rhs), rt_, cir.Pointer(cir.Void()))
                    return f"({a} {e.op} {b})"
                ct = common(lt, rt_)
                return f"({self.rv_as(e.lhs, ct)} {e.op} {self.rv_as(e.rhs, ct)})"
        if isinstance(e, cir.Unary) and e.op == "!":
            return f"!{self.cond(e.operand)}"
        if (
            isinstance(e, cir.Cast)
            and _scalar(e.operand.type)
            and _scalar(e.type)
            and ((isinstance(e.type, cir.IntT) and e.type.boolean) or e.type == e.operand.type)
        ):
            return self.cond(e.operand)
        if isinstance(e.type, cir.FloatT):
            return f"({self.rv(e)} != 0.0)"
        if isinstance(e.type, cir.IntT | cir.Pointer):
            return f"({self.rv(e)} != 0)"
        raise NotLowered(f"a condition of non-scalar type ({type(e).__name__} of {e.type})")

    def e_assign(self, e: cir.Assign) -> str:
        lv = self.lv(e.lhs)
        if not e.op:
            pre, lv = self.bind_addr(lv)
            v = self.fresh("v")
            if isinstance(lv.type, cir.Record):
                return _block_expr(
                    [
                        *pre,
                        RLine(f"let {v} = {self.rv(e.rhs)};"),
                        RLine(self.store(lv, f"{v}.clone()") + ";"),
                    ],
                    v,
                )
            return _block_expr(
                [
                    *pre,
                    RLine(f"let {v} = {self.rv_as(e.rhs, lv.type)};"),
                    RLine(self.store(lv, v) + ";"),
                ],
                v if lv.kind != "bits" else self.load(lv),
            )
        return self.update_value(lv, e.op, e.rhs, e.lhs.type)

    def e_comma(self, e: cir.Comma) -> str:
        return _block_expr(self.effect(e.lhs), self.rv(e.rhs))

    def e_cond(self, e: cir.Cond) -> str:
        if isinstance(e.type, cir.Void):
            return _block_expr(self.effect(e), "()")
        return f"(if {self.cond(e.cond)} {{ {self.rv_as(e.then, e.type)} }} else {{ {self.rv_as(e.other, e.type)} }})"

    def e_member(self, e: cir.Member) -> str:
        if not e.arrow:
            try:
                base_lv = self.lv(e.base)
            except NotLowered:
                base_lv = None
            if base_lv is None:
                addr = self.materialize(e.base)
                return self.load(_lv_at(f"({addr} + {e.field.offset})", e.type, e.field))
        return self.load(self.lv(e))

    def e_index(self, e: cir.Index) -> str:
        return self.load(self.lv(e))

    def e_compound(self, e: cir.CompoundLit) -> str:
        return self.load(LV("mem", self.compound(e), e.type))

    def e_stmt_expr(self, e: cir.StmtExpr) -> str:
        items = list(e.body.items)
        if isinstance(e.type, cir.Void) or not items or not isinstance(items[-1], cir.ExprStmt):
            stmts = self.block(e.body)
            return (
                _block_expr(stmts, "()")
                if isinstance(e.type, cir.Void)
                else _block_expr(stmts, _zero(e.type))
            )
        stmts = []
        for it in items[:-1]:
            stmts += self.stmt(it)
        last = items[-1]
        assert isinstance(last, cir.ExprStmt)
        return _block_expr(stmts, self.rv_as(last.expr, e.type))

    def e_vaarg(self, e: cir.VaArg) -> str:
        ap = self.rv(e.ap)
        if isinstance(e.type, cir.FloatT):
            return f"(rt::va_arg_f64({ap}, m) as {rust_type(e.type)})"
        if _scalar(e.type):
            return f"(rt::va_arg_i64({ap}, m) as {rust_type(e.type)})"
        raise NotLowered("va_arg of a struct")

    def e_init_list(self, e: cir.InitList) -> str:
        if _scalar(e.type) and e.items:
            return self.rv_as(e.items[0][1], e.type)
        if _scalar(e.type):
            return _zero(e.type)
        raise NotLowered("initializer list as a value")

    # ---- calls

    def call(self, e: cir.Call) -> str:
        callee = e.callee
        if (
            isinstance(callee, cir.Cast)
            and isinstance(callee.operand, cir.Ref)
            and callee.operand.kind == "function"
        ):
            callee = callee.operand
        if isinstance(callee, cir.Ref) and callee.kind == "function":
            fn = self.prog.functions.get(callee.key)
            if fn is not None and fn.alias is not None:
                fn = self.prog.functions.get(fn.alias, fn)
            if fn is not None and fn.body is not None:
                return self.direct_call(fn, e.args)
            return self.libc_call(callee.name, e, fn)
        ft = callee.type.pointee if isinstance(callee.type, cir.Pointer) else callee.type
        if not isinstance(ft, cir.FuncT):
            raise NotLowered("call through a value that is not a function pointer")
        if ft.params is None:
            # a pointer declared without a prototype: the call's (promoted) arguments decide
            ft = cir.FuncT(ft.ret, tuple(a.type for a in e.args), False)
        name = self.low.dispatcher(ft)
        binds, pos, va = self.call_args(e.args, list(ft.params))
        if ft.variadic:
            pos.append(va)
        return _with_binds(binds, f"{name}({', '.join([self.rv(callee), *pos, 'm'])})")

    def call_args(
        self, args: tuple[cir.Expr, ...], fixed: list[cir.CType] | None
    ) -> tuple[list[str], list[str], str]:
        """The lowered arguments of a call as gcc evaluates them: ``(binds, fixed values, the
        packed variadic rest)``. gcc evaluates arguments right to left, except that a local
        held in a register (a plain non-addressed local needing no conversion) is read at
        the call; when any argument has side effects the others are bound to temporaries in
        that order."""
        n_fixed = len(fixed) if fixed is not None else len(args)
        vals: list[str] = []
        late: list[bool] = []
        for i, a in enumerate(args):
            if i < n_fixed:
                t = fixed[i] if fixed is not None else a.type
                vals.append(self.rv_as(a, t) if fixed is not None else self.rv(a))
                late.append(self.register_read(a, t))
            else:
                vals.append(self.va_item(a))
                late.append(self.register_read(a, a.type))
        binds: list[str] = []
        live = [not _inert(a) for a in args]
        if sum(live) >= 2 and any(map(_has_effects, args)):
            for i in reversed(range(len(args))):
                if late[i] or not live[i]:
                    continue
                t = self.fresh("a")
                binds.append(f"let {t} = {vals[i]};")
                vals[i] = t
        return binds, vals[:n_fixed], f"&[{', '.join(vals[n_fixed:])}]"

    def register_read(self, a: cir.Expr, t: cir.CType) -> bool:
        """Whether gcc reads argument ``a`` (converted to ``t``) only at the call."""
        while isinstance(a, cir.Cast) and a.type == a.operand.type:
            a = a.operand
        return (
            isinstance(a, cir.Ref)
            and a.kind == "local"
            and a.key not in self.facts.in_memory
            and a.type == t
        )

    def va_item(self, a: cir.Expr) -> str:
        t = a.type
        if isinstance(t, cir.FloatT):
            return f"rt::Va::F({self.rv(a)} as f64)"
        if isinstance(t, cir.IntT | cir.Pointer):
            return f"rt::Va::I({self.rv(a)} as i64)"
        if isinstance(t, cir.Array):
            return f"rt::Va::I({self.addr(a)} as i64)"
        raise NotLowered("a struct passed through '...'")

    def direct_call(self, fn: cir.FuncDef, args: tuple[cir.Expr, ...]) -> str:
        name = self.low.fn_names[fn.key]
        params = [p.type for p in fn.params]
        used = args if fn.type.variadic else args[: len(params)]
        binds, out, va = self.call_args(used, params)
        if len(out) < len(params):
            out += [_zero(t) for t in params[len(out) :]]
        if fn.type.variadic:
            out.append(va)
        if fn.key in self.low.pure:
            return _with_binds(binds, f"{name}({', '.join(out)})")
        return _with_binds(binds, f"{name}({', '.join([*out, 'm'])})")

    def libc_call(self, name: str, e: cir.Call, fn: cir.FuncDef | None = None) -> str:
        """A call of a function the program declares but does not define (``fn``, its
        prototype when there is one), through the C-library rule table."""
        if name in _CALLBACKS:
            return self.callback_call(name, e)
        if name in _SETJMP and e.args:
            # outside `if (!setjmp(buf)) ... else ...` the code after setjmp cannot be run
            # again: setjmp returns 0 once, and a longjmp to it panics naming this place
            return f'rt::setjmp_once({self.rv(e.args[0])}, "{e.loc}", m)'
        rule = rule_for(name)
        if rule is None:
            # often dead code (`if (0) f(x)` that gcc drops before linking): the call panics
            # if it is ever reached, and the report names the function
            self.missing.add(name)
            panic = f'unimplemented!("call of {name}, defined neither in the project nor in ferrox C library")'
            if isinstance(e.type, cir.Void):
                return panic
            return f"{{ let v: {rust_type(e.type)} = {panic}; v }}"
        fixed = (
            list(fn.type.params or ()) if fn is not None and fn.type.params is not None else None
        )
        n_fixed = len(fixed) if fixed is not None else len(e.args)
        binds, pos, va = self.call_args(e.args if rule.variadic else e.args[:n_fixed], fixed)
        vals: dict[str, str] = {"m": "m", "va": va if rule.variadic else "&[]"}
        try:
            call = rule.template.format(*pos, **vals)
        except (KeyError, IndexError) as exc:
            raise NotLowered(f"call of '{name}' with {len(e.args)} argument(s)") from exc
        if isinstance(e.type, cir.IntT) and (
            fixed is None or fn is None or not fn.file.startswith("/usr/")
        ):
            # declared implicitly, without a prototype or by the program itself (`int
            # read();`, `int strlen(char *);`): C takes the result register as the declared
            # type, so a wider result is truncated
            call = f"(rt::ret_bits({call}) as {rust_type(e.type)})"
        return _with_binds(binds, call)

    def callback_call(self, name: str, e: cir.Call) -> str:
        """A C library call that calls back into the program (qsort, bsearch, the tsearch
        family): the function pointer becomes a closure over the dispatcher of its type."""
        cb = _CALLBACKS[name]
        if len(e.args) <= cb.at:
            raise NotLowered(f"call of '{name}' with {len(e.args)} argument(s)")
        ft = e.args[cb.at].type
        ft = ft.pointee if isinstance(ft, cir.Pointer) else ft
        if not (
            isinstance(ft, cir.FuncT) and ft.params is not None and len(ft.params) == len(cb.params)
        ):
            ft = cb.ctype
        disp = self.low.dispatcher(ft)
        args = [self.rv(a) for a in e.args]
        f = self.fresh("f")
        names = ["x", "y", "z"][: len(cb.params)]
        extra = self.fresh("arg") if "arg" in cb.params else None
        typed = ", ".join(f"{n}: {t}" for n, t in zip(names, cb.params, strict=True) if t != "arg")
        passed = ", ".join(
            extra if r == "arg" else n if rust_type(t) == r else f"{n} as {rust_type(t)}"
            for n, t, r in zip(names, ft.params or (), cb.params, strict=True)
        )
        closure = f"&mut |{typed}, m: &mut rt::Mem| {disp}({f}, {passed}, m)"
        rest = [a for i, a in enumerate(args) if i != cb.at]
        binds = f"let {f} = {args[cb.at]};"
        if extra is not None:
            binds += f" let {extra} = {rest.pop()};"
        return f"{{ {binds} rt::{cb.runtime}({', '.join([*rest, closure])}, m) }}"

    def e_call(self, e: cir.Call) -> str:
        return self.call(e)

    # ---- initializers

    def initializer(
        self,
        t: cir.CType,
        off: int,
        init: cir.Expr,
        image: bytearray,
        dynamic: list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]],
        fd: cir.FieldDef | None = None,
    ) -> None:
        """Fills ``image`` with the constant parts of ``init`` and lists the rest in ``dynamic``."""
        if isinstance(init, cir.InitList) and not _scalar(t):
            self._init_aggregate(t, off, list(init.items), 0, image, dynamic, braced=True)
            return
        if isinstance(init, cir.InitList):
            if init.items:
                self.initializer(t, off, init.items[0][1], image, dynamic, fd)
            return
        if isinstance(t, cir.Array) and isinstance(init, cir.StrLit):
            n = self.prog.size_of(t)
            data = init.data[:n]
            image[off : off + len(data)] = data
            return
        if isinstance(init, cir.CompoundLit) and not _scalar(t):
            self.initializer(t, off, init.init, image, dynamic, fd)
            return
        value = _const_value(init)
        if value is not None and _scalar(t):
            _pack(image, off, t, value, fd)
            return
        dynamic.append((off, t, init, fd))

    def _init_aggregate(
        self,
        t: cir.CType,
        off: int,
        items: list[tuple[tuple[str | int, ...], cir.Expr]],
        pos: int,
        image: bytearray,
        dynamic: list[tuple[int, cir.CType, cir.Expr, cir.FieldDef | None]],
        braced: bool,
    ) -> int:
        subs = _Subobjects(self.prog, t)
        i = 0
        first = True
        while pos < len(items):
            desig, e = items[pos]
            if desig:
                if not braced and not first:
                    return pos
                found = subs.find(desig[0])
                if found is None:
                    raise NotLowered(f"designator {desig[0]!r} not found")
                i = found
                if len(desig) > 1:
                    st, so, sfd = subs.get(i)
                    self._init_aggregate(
                        st, off + so, [(desig[1:], e)], 0, image, dynamic, braced=False
                    )
                    pos += 1
                    i += 1
                    first = False
                    continue
            if i >= subs.count:
                if braced:
                    pos += 1
                    continue
                return pos
            st, so, sfd = subs.get(i)
            if isinstance(e, cir.InitList):
                self.initializer(st, off + so, e, image, dynamic, sfd)
                pos += 1
            elif not _scalar(st) and not _fits_whole(st, e):
                before = pos
                pos = self._init_aggregate(st, off + so, items, pos, image, dynamic, braced=False)
                if pos == before:
                    dynamic.append((off + so, st, e, sfd))
                    pos += 1
            else:
                self.initializer(st, off + so, e, image, dynamic, sfd)
                pos += 1
            i += 1
            first = False
            if subs.union and not braced:
                return pos
            if subs.union and braced:
                i = subs.count
        return pos


class _Subobjects:
    """The sub-objects of an aggregate, by index: elements or named fields."""

    def __init__(self, prog: cir.Program, t: cir.CType) -> None:
        self.prog = prog
        self.t = t
        self.union = isinstance(t, cir.Record) and t.union
        if isinstance(t, cir.Array):
            self.elem_size = prog.size_of(t.elem)
            self.count = max(t.n or 0, 0)
            self.fields: tuple[cir.FieldDef, ...] = ()
        elif isinstance(t, cir.Record):
            try:
                all_fields = prog.fields(t)
            except KeyError as exc:
                raise NotLowered(f"initializer of an incomplete type: {exc}") from exc
            self.fields = tuple(f for f in all_fields if f.name or f.bit_width is None)
            self.count = len(self.fields)
        else:
            raise NotLowered("initializer list for a scalar")

    def get(self, i: int) -> tuple[cir.CType, int, cir.FieldDef | None]:
        if isinstance(self.t, cir.Array):
            return self.t.elem, i * self.elem_size, None
        f = self.fields[i]
        return f.type, f.offset, f if f.bit_width is not None else None

    def find(self, d: str | int) -> int | None:
        if isinstance(d, int):
            return d if isinstance(self.t, cir.Array) else None
        for i, f in enumerate(self.fields):
            if f.name == d:
                return i
        for i, f in enumerate(self.fields):
            if not f.name and isinstance(f.type, cir.Record):
                sub = _Subobjects(self.prog, f.type)
                if sub.find(d) is not None:
                    return i
        return None


def _fits_whole(t: cir.CType, e: cir.Expr) -> bool:
    if isinstance(t, cir.Array) and isinstance(e, cir.StrLit):
        return True
    return isinstance(t, cir.Record) and e.type == t


def _const_value(e: cir.Expr) -> int | float | None:
    if isinstance(e, cir.IntLit):
        return e.value
    if isinstance(e, cir.FloatLit):
        return e.value
    if isinstance(e, cir.Cast) and _scalar(e.type) and _scalar(e.operand.type):
        v = _const_value(e.operand)
        if v is None:
            return None
        if isinstance(e.type, cir.IntT):
            if e.type.boolean:
                return int(v != 0)
            if isinstance(v, float):
                if math.isnan(v) or math.isinf(v):
                    return None
                v = int(v)
            bits = e.type.bits
            v &= (1 << bits) - 1
            if e.type.signed and v >= 1 << (bits - 1):
                v -= 1 << bits
            return v
        if isinstance(e.type, cir.FloatT):
            return float(v)
        if isinstance(e.type, cir.Pointer) and v == 0:
            return 0
        return None
    if isinstance(e, cir.Unary) and e.op == "-":
        v = _const_value(e.operand)
        return -v if v is not None else None
    return None


def _pack(
    image: bytearray, off: int, t: cir.CType, value: int | float, fd: cir.FieldDef | None
) -> None:
    if isinstance(t, cir.FloatT):
        fmt = "<f" if t.bits == 32 else "<d"
        data = struct.pack(fmt, float(value))
        image[off : off + len(data)] = data
        return
    size = 8 if isinstance(t, cir.Pointer) else t.size if isinstance(t, cir.IntT) else 8
    v = int(value)
    if fd is not None and fd.bit_width is not None:
        width = fd.bit_width
        nbytes = (fd.bit_offset + width + 7) // 8
        cur = int.from_bytes(image[off : off + nbytes], "little")
        mask = ((1 << width) - 1) << fd.bit_offset
        cur = (cur & ~mask) | ((v << fd.bit_offset) & mask)
        image[off : off + nbytes] = cur.to_bytes(nbytes, "little")
        return
    v &= (1 << (size * 8)) - 1
    image[off : off + size] = v.to_bytes(size, "little")


def _zero(t: cir.CType) -> str:
    if isinstance(t, cir.FloatT):
        return f"0.0_{rust_type(t)}"
    if isinstance(t, cir.IntT | cir.Pointer):
        return f"0{rust_type(t)}"
    if isinstance(t, cir.Record | cir.Array):
        return "Vec::new()"
    return "()"


def _p(code: str) -> str:
    return code if _simple(code) or _wrapped(code) else f"({code})"


def _wrapped(code: str) -> bool:
    """Whether ``code`` is one parenthesised group, ``(...)``."""
    if not (code.startswith("(") and code.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(code):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(code) - 1:
            return False
    return True


def _simple(code: str) -> bool:
    return code.replace("_", "").isalnum() or (
        code.startswith("rt::ld_") and code.endswith(", m)") and code.count("(") == 1
    )


def _conv(code: str, src: cir.CType, dst: cir.CType) -> str:
    """A scalar conversion from ``src`` to ``dst`` with C semantics."""
    if src == dst:
        return code
    rs, rd = rust_type(src), rust_type(dst)
    if isinstance(dst, cir.IntT) and dst.boolean:
        zero = "0.0" if isinstance(src, cir.FloatT) else "0"
        return f"(({code}) != {zero}) as u8"
    if rs == rd:
        return code
    if isinstance(src, cir.FloatT) and isinstance(dst, cir.IntT) and dst.bits <= 64:
        return _float_to_int(code, rs, dst, rd)
    return f"({_p(code)} as {rd})"


def _float_to_int(code: str, rs: str, dst: cir.IntT, rd: str) -> str:
    """A float converted as gcc's x86-64 code converts it (see ``rt::f2i32``): the same
    as Rust's ``as`` in range, not where C leaves the result undefined."""
    x = code if rs == "f64" else f"({_p(code)} as f64)"
    if dst.bits == 64:
        return f"rt::f2u64({x})" if not dst.signed else f"rt::f2i64({x})"
    if dst.bits == 32 and not dst.signed:
        return f"(rt::f2i64({x}) as u32)"
    wide = f"rt::f2i32({x})"
    return wide if rd == "i32" else f"({wide} as {rd})"


def _arith(op: str, a: str, b: str, t: cir.CType) -> str:
    if isinstance(t, cir.FloatT):
        return f"({a} {op} {b})"
    if op in ("+", "-", "*"):
        # the crate builds with overflow-checks off: the operators wrap
        return f"({a} {op} {b})"
    if op in ("/", "%"):
        name = "div" if op == "/" else "rem"
        return f"{_p(a)}.wrapping_{name}({b})"
    if op in ("<<", ">>"):
        return f"({a} {op} {b})"
    return f"({a} {op} {b})"


def _padd(base: str, index: str, index_type: cir.CType, size: int | str) -> str:
    n = f"(({index}) as i64 as u64)"
    if size != 1:
        n = f"{n} * {size}"
    return f"({base} + {n})"


def _with_binds(binds: list[str], call: str) -> str:
    """``call`` after the ``let`` bindings of its arguments (none: the call alone)."""
    return f"{{ {' '.join(binds)} {call} }}" if binds else call


_EFFECTS = (cir.Call, cir.Assign, cir.IncDec, cir.StmtExpr, cir.VaArg)


def _inert(e: cir.Expr) -> bool:
    """Whether ``e`` reads nothing another expression could change (constants, literals)."""
    while isinstance(e, cir.Cast):
        e = e.operand
    return (
        _const_value(e) is not None
        or isinstance(e, cir.StrLit)
        or (isinstance(e, cir.Ref) and e.kind == "function")
    )


def _has_effects(e: cir.Expr) -> bool:
    """Whether evaluating ``e`` may change what other expressions read."""
    return any(isinstance(n, _EFFECTS) for n in walk(e))


def _block_expr(stmts: list[RStmt], value: str) -> str:
    if not stmts:
        return value
    inner = " ".join(line.strip() for line in print_stmts(stmts, 0))
    return f"{{ {inner} {value} }}"


def _uses(stmts: list[RStmt], label: str) -> bool:
    return any(label in line for line in print_stmts(stmts, 0))


def _ends_in_jump(body: list[cir.Stmt]) -> bool:
    """Whether a switch section never falls through into the next."""
    last: cir.Stmt | None = body[-1] if body else None
    while isinstance(last, cir.Block):
        last = last.items[-1] if last.items else None
    while isinstance(last, cir.Label):
        last = last.body
    return isinstance(last, cir.Break | cir.Return | cir.Continue | cir.Goto)


def _inside_nested_switch(sections: list, n: object) -> bool:
    for _, body in sections:
        for b in body:
            for inner in walk(b):
                if isinstance(inner, cir.Switch):
                    for x in walk(inner.body):
                        if x is n:
                            return True
    return False


_STMTS = {
    cir.Block: lambda s, x: s.block(x),
    cir.DeclStmt: FunctionLowering.s_decl,
    cir.ExprStmt: FunctionLowering.s_expr,
    cir.If: FunctionLowering.s_if,
    cir.While: FunctionLowering.s_while,
    cir.DoWhile: FunctionLowering.s_do,
    cir.For: FunctionLowering.s_for,
    cir.Switch: FunctionLowering.s_switch,
    cir.Break: FunctionLowering.s_break,
    cir.Continue: FunctionLowering.s_continue,
    cir.Return: FunctionLowering.s_return,
    cir.Null: FunctionLowering.s_null,
    cir.Label: FunctionLowering.s_label,
    cir.Goto: FunctionLowering.s_goto,
    cir.Case: FunctionLowering.s_case,
    cir.Default: FunctionLowering.s_case,
}

_EXPRS = {
    cir.IntLit: FunctionLowering.e_int,
    cir.FloatLit: FunctionLowering.e_float,
    cir.SizeOfVla: FunctionLowering.e_sizeof_vla,
    cir.SizeOfType: FunctionLowering.e_sizeof_type,
    cir.StrLit: FunctionLowering.e_str,
    cir.Ref: FunctionLowering.e_ref,
    cir.Cast: FunctionLowering.e_cast,
    cir.Unary: FunctionLowering.e_unary,
    cir.IncDec: FunctionLowering.e_incdec,
    cir.Binary: FunctionLowering.e_binary,
    cir.Assign: FunctionLowering.e_assign,
    cir.Comma: FunctionLowering.e_comma,
    cir.Cond: FunctionLowering.e_cond,
    cir.Call: FunctionLowering.e_call,
    cir.Member: FunctionLowering.e_member,
    cir.Index: FunctionLowering.e_index,
    cir.CompoundLit: FunctionLowering.e_compound,
    cir.StmtExpr: FunctionLowering.e_stmt_expr,
    cir.VaArg: FunctionLowering.e_vaarg,
    cir.InitList: FunctionLowering.e_init_list,
    cir.Unsupported: FunctionLowering.e_unsupported,
}


_SETJMP = frozenset({"setjmp", "_setjmp", "__sigsetjmp", "sigsetjmp"})

_VOID_P = cir.Pointer(cir.Void())


@dataclass(frozen=True)
class _Callback:
    """A C library function that calls a function pointer of the program: which argument
    that is, its C type when the prototype does not say, the Rust types the runtime passes
    it (``arg``: the caller's own argument, which the closure passes on), and the runtime
    function that takes the closure."""

    at: int
    ctype: cir.FuncT
    params: tuple[str, ...]
    runtime: str


_COMPARE = cir.FuncT(cir.IntT(32, True), (_VOID_P, _VOID_P), False)
_CALLBACKS = {
    **{
        name: _Callback(at, _COMPARE, ("u64", "u64"), name)
        for name, at in (
            ("qsort", 3),
            ("bsearch", 4),
            ("lfind", 4),
            ("lsearch", 4),
            ("tsearch", 2),
            ("tfind", 2),
            ("tdelete", 2),
        )
    },
    # qsort_r(base, n, size, compar, arg): qsort with a closure that passes `arg` on
    "qsort_r": _Callback(
        3,
        cir.FuncT(cir.IntT(32, True), (_VOID_P, _VOID_P, _VOID_P), False),
        ("u64", "u64", "arg"),
        "qsort",
    ),
    "twalk": _Callback(
        1,
        cir.FuncT(cir.Void(), (_VOID_P, cir.IntT(32, False), cir.IntT(32, True)), False),
        ("u64", "i32", "i32"),
        "twalk",
    ),
    "tdestroy": _Callback(1, cir.FuncT(cir.Void(), (_VOID_P,), False), ("u64",), "tdestroy"),
}


def _bare(e: cir.Expr) -> cir.Expr:
    while isinstance(e, cir.Cast) and e.implicit:
        e = e.operand
    return e


def _setjmp_test(cond: cir.Expr) -> tuple[cir.Expr, bool, cir.Expr | None] | None:
    """``(buf, zero_is_then, target)`` when ``cond`` tests a ``setjmp(buf)`` call against
    zero (``!setjmp(b)``, ``setjmp(b) == 0``, ``setjmp(b)``, ``setjmp(b) != 0``), its value
    perhaps stored first (``!(status = setjmp(b))``: ``target`` is ``status``)."""
    e, negated = _bare(cond), False
    if isinstance(e, cir.Unary) and e.op == "!":
        e, negated = _bare(e.operand), True
    elif isinstance(e, cir.Binary) and e.op in ("==", "!=") and _const_value(e.rhs) == 0:
        e, negated = _bare(e.lhs), e.op == "=="
    target = None
    if isinstance(e, cir.Assign) and not e.op:
        target, e = e.lhs, _bare(e.rhs)
    if not (isinstance(e, cir.Call) and e.args):
        return None
    callee = _bare(e.callee)
    if not (isinstance(callee, cir.Ref) and callee.name in _SETJMP):
        return None
    return e.args[0], negated, target


def _stays_inside(stmt: cir.Stmt) -> bool:
    """No ``return``, ``goto`` or label in ``stmt``, and no ``break``/``continue`` that
    leaves it (one inside a loop or switch of its own stays)."""
    if any(isinstance(n, cir.Return | cir.Goto | cir.Label) for n in walk(stmt)):
        return False

    def loose(n: object, in_loop: bool, in_switch: bool) -> bool:
        if isinstance(n, cir.Break):
            return not (in_loop or in_switch)
        if isinstance(n, cir.Continue):
            return not in_loop
        if isinstance(n, cir.While | cir.DoWhile | cir.For):
            return loose(n.body, True, in_switch)
        if isinstance(n, cir.Switch):
            return loose(n.body, in_loop, True)
        children: list[object] = []
        for name in ("items", "then", "other", "body"):
            v = getattr(n, name, None)
            children += list(v) if isinstance(v, tuple) else [v] if isinstance(v, cir.Stmt) else []
        return any(loose(c, in_loop, in_switch) for c in children)

    return not loose(stmt, False, False)
