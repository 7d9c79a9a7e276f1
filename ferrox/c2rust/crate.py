"""Assembling the Cargo crate: modules per C file, statics, function-pointer dispatchers.

:func:`assemble` lowers every function of the program (a function that cannot be lowered
becomes a stub naming the reason), then writes ``src/main.rs``, ``src/statics.rs`` (static
objects, function ids, dispatchers) and one module per C file, and remembers which byte
span of which file holds which function, so rustc's errors can be traced back to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ferrox.c2rust import cir
from ferrox.c2rust.analysis import function_facts
from ferrox.c2rust.cargo import LINTS, rustfmt, write_file
from ferrox.c2rust.lower import RUST_KEYWORDS, Lowering, NotLowered, rust_type
from ferrox.c2rust.rir import RFn, RLine, print_fn

__all__ = ["Crate", "FunctionItem", "assemble"]

RUNTIME = Path(__file__).with_name("runtime") / "rt.rs"
UNICODE = RUNTIME.with_name("unicode.rs")
# names the lowering keeps from locals (the memory parameter, frames) but a module may take
_NOT_KEYWORDS = {"m", "fr", "va", "st"}
_RESERVED_MODULES = {
    "rt",
    "statics",
    "main",
    "lib",
    "std",
    "core",
    "alloc",
    "crate",
    "self",
    "super",
}


@dataclass
class FunctionItem:
    """One C function in the crate: where it went and whether it is a stub (and why)."""

    name: str
    rust_name: str
    module: str
    file: str
    c_key: str
    code: str = ""
    stub_reason: str | None = None
    uses_pointers: bool = False
    rfn: RFn | None = None
    missing: list[str] = field(default_factory=list)


@dataclass
class Crate:
    """The crate being assembled: items per module and the spans of functions."""

    name: str
    low: Lowering
    modules: dict[str, list[FunctionItem]] = field(default_factory=dict)
    statics_text: str = ""
    spans: dict[str, list[tuple[int, int, FunctionItem]]] = field(default_factory=dict)
    main_module: str | None = None
    main_args: int = 0
    _written: dict[str, str] = field(default_factory=dict)

    @property
    def functions(self) -> list[FunctionItem]:
        return [f for items in self.modules.values() for f in items]

    def stub(self, item: FunctionItem, reason: str) -> None:
        """Replaces a function by its stub (signature kept) with ``reason``."""
        item.stub_reason = reason
        assert item.rfn is not None
        item.rfn = RFn(
            item.rfn.name,
            item.rfn.params,
            item.rfn.ret,
            doc=item.rfn.doc,
            c_name=item.name,
            stub=reason,
        )
        item.code = print_fn(item.rfn)

    def write(self, out: Path) -> None:
        """Writes Cargo.toml and every source file; records function spans."""
        write_file(out / "Cargo.toml", _cargo_toml(self.name))
        write_file(out / "rt" / "Cargo.toml", _RT_TOML)
        write_file(out / "rt" / "src" / "lib.rs", runtime_source())
        write_file(out / "rt" / "src" / "unicode.rs", UNICODE.read_text())
        write_file(out / "src" / "main.rs", self.main_text())
        self._write_formatted(out / "src" / "statics.rs", _HEAD + self.statics_text)
        for mod, items in self.modules.items():
            text = _HEAD + "".join(item.code + "\n" for item in items)
            path = out / "src" / f"{mod}.rs"
            if self._write_formatted(path, text) or f"src/{mod}.rs" not in self.spans:
                self.spans[f"src/{mod}.rs"] = _spans(path.read_text(), items)

    def _write_formatted(self, path: Path, text: str) -> bool:
        """Writes ``text`` and formats it with rustfmt, unless it is what was written last."""
        if self._written.get(str(path)) == text and path.exists():
            return False
        write_file(path, text)
        rustfmt(path)
        self._written[str(path)] = text
        return True

    def main_text(self) -> str:
        lints = ", ".join(LINTS)
        lines = [
            f"#![allow({lints}, clippy::all)]",
            "",
            "pub use ferrox_rt as rt;",
            "mod statics;",
            *[f"mod {m};" for m in sorted(self.modules)],
            "",
            "pub use statics::*;",
            *[f"pub use {m}::*;" for m in sorted(self.modules)],
            "",
            "fn main() {",
            "    let mut mem = rt::Mem::new();",
            "    let m = &mut mem;",
            "    init_statics(m);",
            "    rt::set_void_caller(call_void, m);",
            "    rt::set_signal_callers(call_sig, call_siginfo, m);",
            "    rt::set_thread_caller(call_thread, m);",
            "    rt::init_process(m);",
        ]
        if self.main_module is None:
            lines.append("    rt::exit(0, m);")
        elif self.main_args >= 3:
            lines += [
                "    let (argc, argv) = rt::main_args(m);",
                "    let envp = rt::main_envp(m);",
                "    let code = c_main(argc, argv, envp, m);",
                "    rt::exit(code, m);",
            ]
        elif self.main_args >= 2:
            lines += [
                "    let (argc, argv) = rt::main_args(m);",
                "    let code = c_main(argc, argv, m);",
                "    rt::exit(code, m);",
            ]
        else:
            lines += ["    let code = c_main(m);", "    rt::exit(code, m);"]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def owner(self, file: str, offset: int) -> FunctionItem | None:
        """The function whose text holds byte ``offset`` of ``file``."""
        for start, end, item in self.spans.get(file, []):
            if start <= offset < end:
                return item
        return None


def _cargo_toml(name: str) -> str:
    # The translated code builds at opt-level 0 (LLVM's optimiser takes minutes on the huge
    # functions generated C produces); the runtime, where the time goes, at opt-level 3.
    # overflow-checks off: + - * << wrap as C's unsigned (and gcc's signed) arithmetic does.
    return (
        f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[dependencies]\nferrox_rt = { path = "rt" }\n\n'
        "[profile.dev]\nopt-level = 0\noverflow-checks = false\n\n"
        "[profile.dev.package.ferrox_rt]\nopt-level = 3\n\n"
        "[profile.release]\noverflow-checks = false\n"
    )


_RT_TOML = (
    '[package]\nname = "ferrox_rt"\nversion = "0.1.0"\nedition = "2021"\n\n'
    '[lib]\npath = "src/lib.rs"\n'
)


def runtime_source() -> str:
    """The runtime as the `ferrox_rt` crate: lints allowed at its root, and no
    ``#[inline]`` on public functions, so they are compiled once, optimised, in the runtime
    crate instead of again (unoptimised) in every caller."""
    text = RUNTIME.read_text()
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    for i, line in enumerate(lines):
        nxt = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
        if line.strip() in ("#[inline]", "#[inline(always)]") and nxt.startswith(
            ("pub fn", "pub const fn")
        ):
            continue
        out.append(line)
    return "#![allow(dead_code, unused, clippy::all)]\n" + "".join(out)


_HEAD = "//! Translated by ferrox c2rust (safe Rust over the memory runtime `rt`).\n\nuse crate::rt;\nuse crate::*;\n\n"


def _spans(text: str, items: list[FunctionItem]) -> list[tuple[int, int, FunctionItem]]:
    """Byte spans of the functions in a (formatted) module: each starts at its doc line."""
    data = text.encode()
    starts = []
    pos = 0
    for item in items:
        marker = f"/// `{item.name}` (".encode()
        at = data.find(marker, pos)
        if at < 0:
            at = pos
        starts.append(at)
        pos = at + 1
    ends = [*starts[1:], len(data)]
    return list(zip(starts, ends, items, strict=True))


def _module_name(file: str, used: set[str]) -> str:
    stem = "".join(c if c.isalnum() else "_" for c in file.lower())
    if stem.endswith("_c"):
        stem = stem[:-2]
    stem = stem.strip("_") or "c"
    if stem in _RESERVED_MODULES or (stem in RUST_KEYWORDS and stem not in _NOT_KEYWORDS):
        stem += "_c"
    if stem[0].isdigit():
        stem = "c_" + stem
    name = stem
    n = 2
    while name in used:
        name = f"{stem}_{n}"
        n += 1
    return name


def _reachable(prog: cir.Program, project_files: set[str]) -> list[cir.FuncDef]:
    """Project functions, plus header-defined ones (system ``static inline``) they use."""
    chosen: dict[str, cir.FuncDef] = {}
    work = [
        f
        for f in prog.functions.values()
        if f.body is not None and f.file in project_files and not f.file.endswith(".h")
    ]
    while work:
        fn = work.pop()
        if fn.key in chosen:
            continue
        chosen[fn.key] = fn
        facts = function_facts(fn)
        for key in facts.called | facts.address_taken_functions:
            callee = prog.functions.get(key)
            if callee is not None and callee.body is not None and key not in chosen:
                work.append(callee)
    for g in prog.globals.values():
        if g.init is not None:
            from ferrox.c2rust.analysis import walk

            for n in walk(g.init):
                if isinstance(n, cir.Ref) and n.kind == "function":
                    callee = prog.functions.get(n.key)
                    if callee is not None and callee.body is not None and n.key not in chosen:
                        chosen[n.key] = callee
    return [f for f in prog.functions.values() if f.key in chosen]


def assemble(prog: cir.Program, project_files: set[str], crate_name: str) -> Crate:
    """Lowers the program and lays it out as a crate (nothing written yet)."""
    low = Lowering(prog, project_files)
    crate = Crate(crate_name, low)
    used: set[str] = set()
    module_of: dict[str, str] = {}
    for fn in _reachable(prog, project_files):
        mod = module_of.get(fn.file)
        if mod is None:
            mod = module_of[fn.file] = _module_name(fn.file, used)
            used.add(mod)
        item = FunctionItem(fn.name, low.fn_names[fn.key], mod, fn.file, fn.key)
        try:
            rfn = low.lower_function(fn)
            item.missing = rfn.missing
            item.uses_pointers = function_facts(fn).uses_pointers
        except (NotLowered, KeyError) as exc:
            reason = str(exc).strip("'\"")
            rfn = _signature(low, fn)
            rfn.stub = reason
            item.stub_reason = reason
        except RecursionError:
            rfn = _signature(low, fn)
            rfn.stub = item.stub_reason = "expression nested too deeply"
        item.rfn = rfn
        item.code = print_fn(rfn)
        crate.modules.setdefault(mod, []).append(item)
        if fn.name == "main":
            crate.main_module = mod
            crate.main_args = len(fn.params)
    crate.statics_text = _statics_text(low)
    return crate


def _signature(low: Lowering, fn: cir.FuncDef) -> RFn:
    params = []
    for p in fn.params:
        try:
            params.append((f"_{p.name or 'p'}", rust_type(p.type)))
        except NotLowered:
            params.append((f"_{p.name or 'p'}", "u64"))
    if fn.type.variadic:
        params.append(("_va", "&[rt::Va]"))
    if fn.key not in low.pure:
        params.append(("_m", "&mut rt::Mem"))
    try:
        ret = rust_type(fn.type.ret)
    except NotLowered:
        ret = "()"
    return RFn(low.fn_names[fn.key], params, ret, c_name=fn.name, doc=f"`{fn.name}` ({fn.loc}).")


# the Rust types of C scalars in the memory model (a C `_Bool` is a `u8`)
_SCALARS = frozenset({"i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64"})


def _as(value: str, have: str, want: str) -> str | None:
    """``value`` (Rust type ``have``) as ``want``; None when no scalar conversion exists."""
    if have == want:
        return value
    if have not in _SCALARS or want not in _SCALARS:
        return None
    return f"({value} as {want})"


def _returned(call: str, have: str, want: str) -> str | None:
    """``call``'s result (type ``have``) as a result of type ``want``: a discarded value, or
    0 for a function that returns nothing."""
    if have == want:
        return call
    if want == "()":
        return f"{{ {call}; }}"
    if have == "()":
        return f"{{ {call}; 0 as {want} }}" if want in _SCALARS else None
    return _as(call, have, want)


_INT = cir.IntT(32, True)
_VOID_P = cir.Pointer(cir.Void())
# the dispatchers the runtime calls back through (atexit and pthread_once handlers, signal
# handlers with and without SA_SIGINFO, thread start routines), under the names main()
# registers
_RUNTIME_CALLERS = (
    (cir.FuncT(cir.Void(), (), False), "call_void"),
    (cir.FuncT(cir.Void(), (_INT,), False), "call_sig"),
    (cir.FuncT(cir.Void(), (_INT, _VOID_P, _VOID_P), False), "call_siginfo"),
    (cir.FuncT(_VOID_P, (_VOID_P,), False), "call_thread"),
)


def _statics_text(low: Lowering) -> str:
    parts: list[str] = []
    try:
        consts, init_fn = low.lower_statics()
    except (NotLowered, KeyError) as exc:
        consts, init_fn = [], RFn("init_statics", [("m", "&mut rt::Mem")], "")
        init_fn.body = [
            RLine(f'panic!("static initializers not translated: {str(exc).replace(chr(34), "")}");')
        ]
    parts += consts
    parts.append("")
    parts.append(print_fn(init_fn))
    fixed_names: dict[str, str] = {}
    for ft, fixed in _RUNTIME_CALLERS:
        fixed_names[low.dispatcher(ft)] = fixed
    prog = low.prog
    for ident in low.fn_ids.values():
        parts.append(f"pub const F{ident}: u64 = rt::fnptr({ident});")
    for (params, variadic, ret), name in low.dispatchers.items():
        args = [(f"a{i}", t) for i, t in enumerate(params)]
        call_args = [a for a, _ in args] + (["va"] if variadic else []) + ["m"]
        fparams = (
            [("f", "u64"), *args]
            + ([("va", "&[rt::Va]")] if variadic else [])
            + [("m", "&mut rt::Mem")]
        )
        arms = []
        for key, ident in low.fn_ids.items():
            fn = prog.functions.get(key)
            if fn is None:
                continue
            try:
                fp = (
                    tuple(rust_type(p.type) for p in fn.params)
                    if fn.body is not None
                    else tuple(rust_type(p) for p in (fn.type.params or ()))
                )
                fr = rust_type(fn.type.ret)
            except NotLowered:
                continue
            if bool(fn.type.variadic) != variadic or len(fp) != len(params):
                continue
            target = low.fn_names[key] if fn.body is not None else f"libc_{fn.name}"
            if fp == params and fr == ret:
                arms.append(f"        F{ident} => {target}({', '.join(call_args)}),")
                continue
            # a function called through a pointer of another type (a cast callback, a
            # pointer declared without a prototype): its arguments and result converted as
            # the x86-64 ABI passes them
            conv = [_as(a, t, want) for (a, t), want in zip(args, fp, strict=True)]
            if any(c is None for c in conv):
                continue
            inner = f"{target}({', '.join([*conv, *call_args[len(args) :]])})"  # type: ignore[list-item]
            result = _returned(inner, fr, ret)
            if result is not None:
                arms.append(f"        F{ident} => {result},")
        ret_s = "" if ret == "()" else f" -> {ret}"
        name_out = fixed_names.get(name, name)
        body = "\n".join(arms)
        fp_s = ", ".join(f"{n}: {t}" for n, t in fparams)
        parts.append(
            f"/// Calls the function whose pointer is `f` (signature {list(params)} -> {ret}).\n"
            f"pub fn {name_out}({fp_s}){ret_s} {{\n    match f {{\n{body}\n        _ => rt::bad_call(f),\n    }}\n}}\n"
        )
        if name_out != name:
            parts.append(f"pub use self::{name_out} as {name};\n")
    for w in low.libc_wrappers.values():
        parts.append(print_fn(w))
    return "\n".join(parts) + "\n"
