"""Stage 1: the project's items (types, constants, globals, signatures) as Rust modules.

Every function starts as a stub whose body is ``unimplemented!("<C name>: not translated:
<reason>")``; stage 2 (:mod:`ferrox.c2rust.functions`) replaces bodies one by one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ferrox.c2rust.exprs import ExprTranslator
from ferrox.c2rust.frontend import ParsedFile
from ferrox.c2rust.functions import signature, void_param_types
from ferrox.c2rust.libc import LibC
from ferrox.c2rust.literals import rust_bytes, string_bytes
from ferrox.c2rust.rtypes import CInt, TypeMapper, Untranslatable, rust_ident

__all__ = ["FunctionItem", "Module", "ProjectContext", "module_name"]


def module_name(path: Path) -> str:
    """The Rust module a C file becomes (``list.c`` → ``list``, ``list.h`` → ``list_h``)."""
    stem = re.sub(r"\W", "_", path.stem).lower()
    if stem[0].isdigit():
        stem = "m_" + stem
    if path.suffix == ".h":
        stem += "_h"
    if stem in ("main", "rt", "std", "core", "crate", "self", "super") or stem in ("r#" + stem,):
        stem += "_c"
    return stem


@dataclass
class FunctionItem:
    """One C function definition and its translation state."""

    name: str
    rust_name: str
    cursor: Any
    module: str
    c_source: str
    stub_reason: str | None = None
    code: str = ""
    unsafe: bool = False


@dataclass
class Module:
    """One Rust module: its items' source text in order."""

    name: str
    source: Path
    items: list[str] = field(default_factory=list)
    statics: list[str] = field(default_factory=list)
    functions: list[FunctionItem] = field(default_factory=list)


class ProjectContext:
    """Everything known about the C project while translating it."""

    def __init__(self, root: Path, files: list[ParsedFile]) -> None:
        self.root = root.resolve()
        self.files = files
        self.types = TypeMapper()
        self.libc = LibC()
        self.int_type = CInt()
        self.modules: dict[str, Module] = {}
        self.functions: dict[str, FunctionItem] = {}
        self.globals: dict[str, tuple[str, bool]] = {}
        self.static_locals: dict[int, tuple[str, bool]] = {}
        self.enum_names: dict[str, str] = {}
        # C macro name -> (Rust const name, Rust type, value)
        self.macro_consts: dict[str, tuple[str, str, int]] = {}
        self.skipped: list[dict[str, str]] = []
        self._seen: set[str] = set()
        self._sources: dict[str, bytes] = {}
        self._void_params: dict[int, dict[int, Any]] = {}

    # ------------------------------------------------------------------ lookups used by translators

    def in_project(self, cursor: Any) -> bool:
        f = cursor.location.file
        if f is None:
            return False
        try:
            Path(f.name).resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

    def source_text(self, cursor: Any) -> str:
        """The source text a cursor's extent covers (a macro's name at its expansion site)."""
        ext = cursor.extent
        if ext.start.file is None:
            return ""
        name = ext.start.file.name
        data = self._sources.get(name)
        if data is None:
            data = self._sources[name] = Path(name).read_bytes()
        return data[ext.start.offset : ext.end.offset].decode("utf-8", "replace")

    def module_of(self, cursor: Any) -> Module:
        path = Path(cursor.location.file.name).resolve()
        name = module_name(path)
        if name not in self.modules:
            self.modules[name] = Module(name=name, source=path)
        return self.modules[name]

    def is_project_function(self, decl: Any) -> bool:
        return decl.spelling in self.functions

    def function_path(self, decl: Any) -> str:
        name = decl.spelling
        if name == "main":
            return "c_main"
        return rust_ident(name)

    def enum_const(self, decl: Any) -> str:
        return self.enum_names.get(decl.spelling, rust_ident(decl.spelling))

    def global_access(self, decl: Any, fn_name: str) -> tuple[str, bool] | None:
        if decl.hash in self.static_locals:
            return self.static_locals[decl.hash]
        return self.globals.get(decl.spelling)

    def void_params(self, fn: Any) -> dict[int, Any]:
        """:func:`~ferrox.c2rust.functions.void_param_types` of ``fn``, worked out once
        (signatures are needed for the stub, the body and every caller)."""
        key = fn.hash
        if key not in self._void_params:
            self._void_params[key] = void_param_types(fn)
        return self._void_params[key]

    def local_type(self, decl: Any) -> None:
        self.record(decl)

    def static_local(self, fn: Any, decl: Any) -> None:
        if decl.hash in self.static_locals:
            return
        name = f"S_{fn.spelling}_{decl.spelling}"
        is_array = self.types.kind(decl.type) == "CONSTANTARRAY"
        self.static_locals[decl.hash] = (f"{name}.with(Ptr::clone)", is_array)
        self.module_of(fn).statics.append(self.storage(decl, name, public=False))

    # ------------------------------------------------------------------ collection

    def collect(self) -> None:
        """Reads every top-level declaration of every file into modules."""
        for pf in self.files:
            for cur in pf.tu.cursor.get_children():
                if not self.in_project(cur):
                    continue
                k = cur.kind.name
                if k == "FUNCTION_DECL" and cur.is_definition():
                    self.function(cur)
                elif k in ("STRUCT_DECL", "UNION_DECL"):
                    self.record(cur)
                elif k == "ENUM_DECL":
                    self.enum(cur)
                elif k == "TYPEDEF_DECL":
                    self.typedef(cur)
                elif k == "VAR_DECL":
                    self.declare_global(cur)
                elif k == "MACRO_DEFINITION":
                    self.macro(cur)
            for cur in pf.tu.cursor.get_children():
                if self.in_project(cur) and cur.kind.name == "VAR_DECL":
                    self.define_global(cur)

    def _once(self, key: str) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def function(self, cur: Any) -> None:
        if not self._once("fn:" + cur.spelling):
            return
        mod = self.module_of(cur)
        src = Path(cur.location.file.name).read_bytes()[
            cur.extent.start.offset : cur.extent.end.offset
        ]
        item = FunctionItem(
            name=cur.spelling,
            rust_name=self.function_path(cur),
            cursor=cur,
            module=mod.name,
            c_source=src.decode("utf-8", "replace"),
        )
        self.functions[cur.spelling] = item
        mod.functions.append(item)

    def record(self, cur: Any) -> None:
        if not cur.is_definition():
            return
        name = self.types.record_name(cur)
        if not self._once("rec:" + name):
            return
        for child in cur.get_children():
            if child.kind.name in ("STRUCT_DECL", "UNION_DECL") and child.is_definition():
                self.record(child)
        mod = self.module_of(cur)
        fields = [f for f in cur.get_children() if f.kind.name == "FIELD_DECL"]
        is_union = cur.kind.name == "UNION_DECL"
        try:
            parts = [f"pub {rust_ident(f.spelling)}: {self.types.rust(f.type)}," for f in fields]
            if is_union and not all(self.types.is_copy(f.type) for f in fields):
                raise Untranslatable("union with non-Copy fields")
        except Untranslatable as exc:
            self.skipped.append({"item": name, "reason": str(exc)})
            mod.items.append(
                f"/// C {cur.kind.name.split('_')[0].lower()} `{name}`: not translated: {exc}\n#[derive(Clone, Default)]\npub struct {name};\n"
            )
            return
        body = "\n    ".join(parts)
        if is_union:
            first = fields[0]
            init = f"{rust_ident(first.spelling)}: {self.types.default_value(first.type)}"
            mod.items.append(
                f"#[derive(Clone, Copy)]\n#[repr(C)]\npub union {name} {{\n    {body}\n}}\n\n"
                f"impl Default for {name} {{\n    fn default() -> Self {{\n        {name} {{ {init} }}\n    }}\n}}\n"
            )
            return
        mod.items.append(f"#[derive(Clone, Default)]\npub struct {name} {{\n    {body}\n}}\n")

    def enum(self, cur: Any) -> None:
        mod = self.module_of(cur)
        for c in cur.get_children():
            if c.kind.name == "ENUM_CONSTANT_DECL" and self._once("enum:" + c.spelling):
                name = rust_ident(c.spelling)
                self.enum_names[c.spelling] = name
                mod.items.append(f"pub const {name}: i32 = {c.enum_value};\n")

    def typedef(self, cur: Any) -> None:
        name = cur.spelling
        under = cur.underlying_typedef_type.get_canonical()
        if under.kind.name in ("RECORD", "ENUM"):
            decl = under.get_declaration()
            if decl.kind.name != "ENUM_DECL":
                self.record(decl)
            elif decl.is_definition():
                self.enum(decl)
            if decl.kind.name != "ENUM_DECL" and self.types.record_name(decl) == name:
                return
        if not self._once("type:" + name):
            return
        try:
            target = self.types.rust(under)
        except Untranslatable as exc:
            self.skipped.append({"item": name, "reason": str(exc)})
            return
        self.module_of(cur).items.append(f"pub type {rust_ident(name)} = {target};\n")

    def macro(self, cur: Any) -> None:
        if cur.spelling.startswith("_") or not self._once("macro:" + cur.spelling):
            return
        toks = [t for t in cur.get_tokens()][1:]
        if len(toks) == 3 and toks[0].spelling == "(" and toks[2].spelling == ")":
            toks = [toks[1]]
        neg = False
        if len(toks) == 2 and toks[0].spelling == "-":
            neg, toks = True, toks[1:]
        if len(toks) != 1 or toks[0].kind.name != "LITERAL":
            return
        text = toks[0].spelling
        name = rust_ident(cur.spelling)
        if name in self.enum_names.values():
            return
        item = None
        if text.startswith('"'):
            item = f"pub const {name}: &[u8] = {rust_bytes(string_bytes(text))};\n"
        elif re.fullmatch(r"(0[xX][0-9a-fA-F]+|\d+)[uUlL]*", text):
            value = int(text.rstrip("uUlL"), 0)
            value = -value if neg else value
            ty = "i32" if -(2**31) <= value < 2**31 else "i64"
            item = f"pub const {name}: {ty} = {value};\n"
            self.macro_consts[cur.spelling] = (name, ty, value)
        elif re.fullmatch(r"(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?[fFlL]?", text):
            value = float(text.rstrip("fFlL"))
            item = f"pub const {name}: f64 = {-value if neg else value!r};\n"
        if item:
            self.module_of(cur).items.append(item)

    def declare_global(self, cur: Any) -> None:
        if cur.storage_class.name == "EXTERN" and not cur.is_definition():
            return
        name = cur.spelling
        if name in self.globals:
            return
        is_array = self.types.kind(cur.type) in ("CONSTANTARRAY", "INCOMPLETEARRAY")
        self.globals[name] = (f"G_{name}.with(Ptr::clone)", is_array)

    def define_global(self, cur: Any) -> None:
        if cur.storage_class.name == "EXTERN" and not cur.is_definition():
            return
        has_init = any(c.kind.name not in ("TYPE_REF",) for c in cur.get_children()) and "=" in [
            t.spelling for t in cur.get_tokens()
        ]
        key = "glob:" + cur.spelling
        if key in self._seen and not has_init:
            return
        if key in self._seen:
            mod = self.module_of(cur)
            mod.statics = [s for s in mod.statics if f" G_{cur.spelling}:" not in s]
        self._seen.add(key)
        mod = self.module_of(cur)
        mod.statics.append(
            self.storage(cur, f"G_{cur.spelling}", public=cur.storage_class.name != "STATIC")
        )

    def storage(self, cur: Any, name: str, public: bool) -> str:
        """A ``thread_local!`` cell holding a global or static local."""
        tr = ExprTranslator(self, "<global>")
        t = cur.type.get_canonical()
        kids = [c for c in cur.get_children() if c.kind.name not in ("TYPE_REF",)]
        has_init = bool(kids) and "=" in [tok.spelling for tok in cur.get_tokens()]
        vis = "pub " if public else ""
        try:
            if t.kind.name in ("CONSTANTARRAY", "INCOMPLETEARRAY"):
                elem = self.types.rust(t.element_type)
                if has_init:
                    init = kids[-1]
                    value = tr.initializer(
                        init, init.type if t.kind.name == "INCOMPLETEARRAY" else cur.type
                    )
                    code = f"Ptr::from_vec({value})"
                else:
                    code = f"Ptr::<{elem}>::alloc({t.element_count})"
                ty = f"Ptr<{elem}>"
            else:
                ty = f"Ptr<{self.types.rust(cur.type)}>"
                value = (
                    tr.initializer(kids[-1], cur.type)
                    if has_init
                    else self.types.default_value(cur.type)
                )
                code = f"Ptr::new_value({value})"
        except Untranslatable as exc:
            self.skipped.append({"item": cur.spelling, "reason": str(exc)})
            return f"// C global `{cur.spelling}`: not translated: {exc}\n"
        return f"thread_local! {{\n    {vis}static {name}: {ty} = {code};\n}}\n"

    # ------------------------------------------------------------------ signatures

    def stub(self, item: FunctionItem, reason: str) -> str:
        """A compilable stub of ``item`` that names why it was not translated."""
        try:
            name, params, ret = signature(self, item.cursor)
        except Untranslatable as exc:
            return f"// C function `{item.name}`: signature not translated: {exc}\n"
        plist = ", ".join(f"{n}: {t}" for n, t in params)
        vis = "" if item.cursor.storage_class.name == "STATIC" else "pub "
        tail = f" -> {ret}" if ret else ""
        msg = reason.replace("\\", "\\\\").replace('"', '\\"').replace("{", "{{").replace("}", "}}")
        return f'{vis}fn {name}({plist}){tail} {{\n    unimplemented!("{item.name}: not translated: {msg}")\n}}\n'
