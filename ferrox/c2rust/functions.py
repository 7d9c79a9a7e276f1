"""C function bodies to Rust: statements, control flow, locals, switch and goto."""

from __future__ import annotations

import itertools
from typing import Any

from ferrox.c2rust.exprs import ExprTranslator
from ferrox.c2rust.frontend import binary_op, evaluate, unary_op
from ferrox.c2rust.rtypes import Untranslatable, rust_ident

__all__ = ["FunctionTranslator", "signature"]

_JUMPS = ("BREAK_STMT", "RETURN_STMT", "CONTINUE_STMT", "GOTO_STMT")


def _kids(c: Any) -> list[Any]:
    return list(c.get_children())


def _strip(node: Any) -> Any:
    while node.kind.name in ("PAREN_EXPR", "UNEXPOSED_EXPR") and len(_kids(node)) == 1:
        node = _kids(node)[0]
    return node


def void_param_types(fn: Any) -> dict[int, Any]:
    """Typed views of ``void *`` parameters: {index: pointer type} for each such parameter
    whose every use converts it to one and the same ``T *`` (a qsort comparator's
    ``const void *a`` read as ``const int *``)."""
    params = list(fn.get_arguments())
    wanted = {
        p.hash: i
        for i, p in enumerate(params)
        if p.type.get_canonical().kind.name == "POINTER"
        and p.type.get_canonical().get_pointee().get_canonical().kind.name == "VOID"
    }
    if not wanted:
        return {}
    seen: dict[int, Any] = {}
    bad: set[int] = set()
    uses: dict[int, int] = {}
    converted: dict[int, int] = {}

    def target(node: Any) -> Any:
        t = node.type.get_canonical()
        if t.kind.name != "POINTER" or t.get_pointee().get_canonical().kind.name == "VOID":
            return None
        return node.type

    for node in fn.walk_preorder():
        if (
            node.kind.name == "DECL_REF_EXPR"
            and node.referenced is not None
            and node.referenced.hash in wanted
        ):
            uses[node.referenced.hash] = uses.get(node.referenced.hash, 0) + 1
        if node.kind.name in ("CSTYLE_CAST_EXPR", "UNEXPOSED_EXPR"):
            kids = _kids(node)
            if not kids:
                continue
            inner = _strip(kids[-1])
            if inner.kind.name != "DECL_REF_EXPR" or inner.referenced is None:
                continue
            key = inner.referenced.hash
            if key not in wanted:
                continue
            t = target(node)
            if t is None:
                continue
            pointee = t.get_canonical().get_pointee().get_canonical()
            prev = seen.get(key)
            if (
                prev is not None
                and prev.get_canonical()
                .get_pointee()
                .get_canonical()
                .spelling.replace("const ", "")
                != pointee.spelling.replace("const ", "")
            ):
                bad.add(key)
            seen.setdefault(key, t)
            converted[key] = converted.get(key, 0) + 1
    out = {}
    for key, i in wanted.items():
        if key in seen and key not in bad and converted.get(key, 0) >= uses.get(key, 0):
            out[i] = seen[key]
    return out


def signature(ctx: Any, fn: Any) -> tuple[str, list[tuple[str, str]], str]:
    """(Rust name, [(param name, Rust type)], return type text or '') of a C function."""
    if fn.type.kind.name == "FUNCTIONPROTO" and fn.type.is_function_variadic():
        raise Untranslatable("variadic function definitions")
    params = []
    typed = ctx.void_params(fn)
    for i, p in enumerate(fn.get_arguments()):
        t = p.type.get_canonical()
        if i in typed:
            rt = ctx.types.rust(typed[i])
        elif t.kind.name in ("CONSTANTARRAY", "INCOMPLETEARRAY", "VARIABLEARRAY"):
            rt = f"Ptr<{ctx.types.rust(t.element_type)}>"  # array parameters are pointers
        else:
            rt = ctx.types.rust(p.type)
        params.append((rust_ident(p.spelling or f"arg{i}"), rt))
    ret = fn.result_type
    rt = "" if ret.get_canonical().kind.name == "VOID" else ctx.types.rust(ret)
    return ctx.function_path(fn), params, rt


class FunctionTranslator(ExprTranslator):
    """Translates one C function definition to Rust source text."""

    def __init__(self, ctx: Any, fn: Any) -> None:
        super().__init__(ctx, fn.spelling)
        self.fn = fn
        self.labels = itertools.count(1)
        self.targets: list[tuple[str, str, str]] = []  # (kind, break label, continue code)
        self.goto_labels: dict[str, str] = {}
        self.statics: list[str] = []
        self.plain_arrays: set[int] = set()

    # ------------------------------------------------------------------ entry

    def translate(self) -> str:
        """The whole Rust function."""
        name, params, ret = signature(self.ctx, self.fn)
        body = next((c for c in self.fn.get_children() if c.kind.name == "COMPOUND_STMT"), None)
        if body is None:
            raise Untranslatable("no body")
        taken = self.address_taken(body)
        self.plain_arrays = self.find_plain_arrays(body)
        prologue = []
        typed = self.ctx.void_params(self.fn)
        for i, (p, (pname, _)) in enumerate(zip(self.fn.get_arguments(), params, strict=True)):
            self.local_names[p.hash] = pname
            if i in typed:
                self.locals[p.hash] = "local"
                self.retyped[p.hash] = typed[i]
            elif self.k(p.type) in ("CONSTANTARRAY", "INCOMPLETEARRAY", "VARIABLEARRAY"):
                self.locals[p.hash] = "array"
            elif p.hash in taken:
                self.locals[p.hash] = "cell"
                prologue.append(f"let {pname} = Ptr::new_value({pname});")
            else:
                self.locals[p.hash] = "local"
        self.taken = taken
        stmts = self.block_items(_kids(body))
        if (
            stmts
            and stmts[-1].startswith("return ")
            and stmts[-1].endswith(";")
            and "\n" not in stmts[-1]
        ):
            stmts[-1] = stmts[-1][len("return ") : -1]  # the tail expression
        elif ret and not self.ends_in_return(body):
            if self.fn.spelling == "main":
                stmts.append("return 0;")
            else:
                stmts.append(
                    f'panic!("{self.fn.spelling}: reached the end of a function that returns a value");'
                )
        plist = ", ".join(f"mut {n}: {t}" for n, t in params)
        tail = f" -> {ret}" if ret else ""
        vis = "" if self.fn.storage_class.name == "STATIC" else "pub "
        return f"{vis}fn {name}({plist}){tail} {{\n" + "\n".join(prologue + stmts) + "\n}\n"

    def ends_in_return(self, body: Any) -> bool:
        kids = _kids(body)
        return bool(kids) and kids[-1].kind.name == "RETURN_STMT"

    def find_plain_arrays(self, body: Any) -> set[int]:
        """Local arrays of scalars that are only ever indexed (never decayed to a pointer,
        never the operand of ``&``), with side-effect-free indices and at most 256
        elements when initialised: these become Rust arrays."""
        candidates: dict[int, Any] = {}
        for node in body.walk_preorder():
            if node.kind.name == "VAR_DECL" and node.storage_class.name != "STATIC":
                t = node.type.get_canonical()
                if (
                    t.kind.name == "CONSTANTARRAY"
                    and self.types.is_copy(t.element_type)
                    and self.k(t.element_type) != "POINTER"
                ):
                    init = self.init_expr(node)
                    if init is None or (
                        init.kind.name == "INIT_LIST_EXPR" and t.element_count <= 256
                    ):
                        candidates[node.hash] = node
        if not candidates:
            return set()
        ok_refs: set[Any] = set()
        effects = ("CALL_EXPR", "COMPOUND_ASSIGNMENT_OPERATOR")
        for node in body.walk_preorder():
            if node.kind.name != "ARRAY_SUBSCRIPT_EXPR":
                continue
            base, idx = _kids(node)
            inner = self.strip(base)
            if inner.kind.name != "DECL_REF_EXPR" or inner.referenced.hash not in candidates:
                continue
            pure = not any(
                n.kind.name in effects
                or (
                    n.kind.name == "UNARY_OPERATOR"
                    and unary_op(n) in ("++", "--", "post++", "post--")
                )
                or (n.kind.name == "BINARY_OPERATOR" and binary_op(n) == "=")
                for n in idx.walk_preorder()
            )
            if pure:
                ok_refs.add(inner.hash)
        bad: set[int] = set()
        for node in body.walk_preorder():
            if (
                node.kind.name == "DECL_REF_EXPR"
                and node.referenced is not None
                and node.referenced.hash in candidates
            ) and node.hash not in ok_refs:
                bad.add(node.referenced.hash)
            if node.kind.name == "UNARY_OPERATOR" and unary_op(node) == "&":
                inner = self.strip(_kids(node)[0])
                if inner.kind.name == "ARRAY_SUBSCRIPT_EXPR":
                    ref = self.strip(_kids(inner)[0])
                    if ref.kind.name == "DECL_REF_EXPR" and ref.referenced is not None:
                        bad.add(ref.referenced.hash)
        return set(candidates) - bad

    def address_taken(self, body: Any) -> set[int]:
        taken: set[int] = set()
        for node in body.walk_preorder():
            if node.kind.name == "UNARY_OPERATOR" and unary_op(node) == "&":
                inner = self.strip(_kids(node)[0])
                while (
                    inner.kind.name == "MEMBER_REF_EXPR"
                    and self.k(_kids(inner)[0].type) != "POINTER"
                ):
                    inner = self.strip(_kids(inner)[0])
                if inner.kind.name == "DECL_REF_EXPR" and inner.referenced.kind.name in (
                    "VAR_DECL",
                    "PARM_DECL",
                ):
                    taken.add(inner.referenced.hash)
        return taken

    # ------------------------------------------------------------------ statements

    def stmt(self, node: Any) -> list[str]:
        kind = node.kind.name
        kids = _kids(node)
        if kind == "COMPOUND_STMT":
            return ["{", *self.block_items(kids), "}"]
        if kind == "DECL_STMT":
            out = []
            for d in kids:
                out += self.declaration(d)
            return out
        if kind == "NULL_STMT":
            return []
        if kind == "RETURN_STMT":
            if not kids:
                return ["return;"]
            v = self.convert(self.value(kids[0]), self.fn.result_type, kids[0])
            return [f"return {v.code};"]
        if kind == "IF_STMT":
            cond = self.as_bool(self.value(kids[0]))
            out = [f"if {cond} {{", *self.body(kids[1]), "}"]
            if len(kids) > 2:
                out[-1] = "} else {"
                out += [*self.body(kids[2]), "}"]
            return out
        if kind == "WHILE_STMT":
            return self.while_loop(kids[0], kids[1])
        if kind == "DO_STMT":
            return self.do_loop(kids[0], kids[1])
        if kind == "FOR_STMT":
            return self.for_loop(node, kids)
        if kind == "SWITCH_STMT":
            return self.switch(kids[0], kids[1])
        if kind == "BREAK_STMT":
            if not self.targets:
                raise Untranslatable("break outside a loop or switch")
            return [f"break {self.targets[-1][1]};"]
        if kind == "CONTINUE_STMT":
            for tkind, _, cont in reversed(self.targets):
                if tkind == "loop":
                    return [cont]
            raise Untranslatable("continue outside a loop")
        if kind == "GOTO_STMT":
            label = self.goto_target(node)
            if label not in self.goto_labels:
                raise Untranslatable(f"goto {label} (not a structured jump)")
            return [self.goto_labels[label]]
        if kind == "LABEL_STMT":
            return self.stmt(kids[0]) if kids else []
        if kind in ("CASE_STMT", "DEFAULT_STMT"):
            raise Untranslatable("case label outside a switch body")
        if kind == "ASM_STMT" or kind == "GCC_ASM_STMT":
            raise Untranslatable("inline assembly")
        if kind.endswith("_EXPR") or kind in (
            "BINARY_OPERATOR",
            "UNARY_OPERATOR",
            "COMPOUND_ASSIGNMENT_OPERATOR",
            "CONDITIONAL_OPERATOR",
        ):
            return [self.effect(node) + ";"]
        raise Untranslatable(f"statement {kind.lower()}")

    def body(self, node: Any) -> list[str]:
        if node.kind.name == "COMPOUND_STMT":
            return self.block_items(_kids(node))
        return self.stmt(node)

    def goto_target(self, node: Any) -> str:
        toks = [t.spelling for t in node.get_tokens()]
        return toks[1] if len(toks) > 1 else "?"

    # ------------------------------------------------------------------ blocks and goto

    def block_items(self, items: list[Any]) -> list[str]:
        """Statements of one block; forward and backward gotos become labelled blocks/loops."""
        for i, item in enumerate(items):
            if item.kind.name != "LABEL_STMT":
                continue
            name = item.spelling
            before = any(self.has_goto(s, name) for s in items[:i])
            after = any(self.has_goto(s, name) for s in items[i:])
            if before:
                label = f"'g_{name}"
                saved = self.goto_labels.get(name)
                self.goto_labels[name] = f"break {label};"
                hoisted, inner = self.hoist(items[:i])
                head = [*hoisted, f"{label}: {{", *inner, "}"]
                if saved is None:
                    del self.goto_labels[name]
                else:
                    self.goto_labels[name] = saved
                return head + self.block_items(items[i:])
            if after:
                label = f"'gb_{name}"
                self.goto_labels[name] = f"continue {label};"
                hoisted, inner = self.hoist(items[i:])
                del self.goto_labels[name]
                return [*hoisted, f"{label}: loop {{", *inner, f"break {label};", "}"]
        out: list[str] = []
        for item in items:
            out += self.stmt(item)
        return out

    def hoist(self, items: list[Any]) -> tuple[list[str], list[str]]:
        """Translates ``items`` to go inside a new block, declaring their locals before it."""
        hoisted: list[str] = []
        inner: list[str] = []
        for item in items:
            if item.kind.name == "DECL_STMT":
                for d in _kids(item):
                    decl, init = self.declaration(d, split=True)
                    hoisted += decl
                    inner += init
            else:
                inner += self.stmt(item)
        return hoisted, inner

    def has_goto(self, node: Any, name: str) -> bool:
        return any(
            n.kind.name == "GOTO_STMT" and self.goto_target(n) == name for n in node.walk_preorder()
        )

    # ------------------------------------------------------------------ declarations

    def declaration(self, d: Any, split: bool = False) -> Any:
        """``let`` for one local; with ``split``, (declaration lines, initialisation lines)."""
        if d.kind.name != "VAR_DECL":
            if d.kind.name in ("STRUCT_DECL", "UNION_DECL", "ENUM_DECL", "TYPEDEF_DECL"):
                self.ctx.local_type(d)
                return ([], []) if split else []
            raise Untranslatable(f"local declaration {d.kind.name.lower()}")
        if d.storage_class.name == "STATIC":
            self.ctx.static_local(self.fn, d)
            self.locals.pop(d.hash, None)
            return ([], []) if split else []
        if d.storage_class.name == "EXTERN":
            return ([], []) if split else []
        name = rust_ident(d.spelling)
        self.local_names[d.hash] = name
        init_node = self.init_expr(d)
        k = self.k(d.type)
        if k == "CONSTANTARRAY" and d.hash in self.plain_arrays:
            # only ever indexed here, never decayed: a Rust array on the stack
            self.locals[d.hash] = "rarray"
            t = d.type.get_canonical()
            elem = self.rust(t.element_type)
            n = t.element_count
            if init_node is None:
                value = f"[{self.types.default_value(t.element_type)}; {n}]"
            else:
                items = [self.initializer(c, t.element_type) for c in _kids(init_node)]
                zero = self.types.default_value(t.element_type)
                if all(x.strip("()") in (zero, "0", "0.0", "false") for x in items):
                    value = f"[{zero}; {n}]"
                else:
                    value = f"[{', '.join(items + [zero] * (n - len(items)))}]"
            line = f"let mut {name}: [{elem}; {n}] = {value};"
            if split:
                return [
                    f"let mut {name}: [{elem}; {n}] = [{self.types.default_value(t.element_type)}; {n}];"
                ], ([f"{name} = {value};"] if init_node is not None else [])
            return [line]
        if k == "CONSTANTARRAY":
            self.locals[d.hash] = "array"
            t = d.type.get_canonical()
            elem = self.rust(t.element_type)
            value = self.initializer(init_node, d.type) if init_node is not None else None
            code = (
                f"Ptr::<{elem}>::from_vec({value})"
                if value
                else f"Ptr::<{elem}>::alloc({t.element_count})"
            )
            line = f"let {name}: Ptr<{elem}> = {code};"
            return ([line], []) if split else [line]
        if k == "VARIABLEARRAY":
            self.locals[d.hash] = "array"
            t = d.type.get_canonical()
            elem = self.rust(t.element_type)
            size_node = next(
                (
                    c
                    for c in d.walk_preorder()
                    if (c != d and c.kind.name.endswith("_EXPR"))
                    or c.kind.name in ("INTEGER_LITERAL",)
                ),
                None,
            )
            if size_node is None:
                raise Untranslatable("variable-length array size")
            n = self.num(self.value(size_node))
            line = f"let {name}: Ptr<{elem}> = Ptr::<{elem}>::alloc(({n}) as usize);"
            return ([line], []) if split else [line]
        rt = self.rust(d.type)
        cell = d.hash in self.taken
        self.locals[d.hash] = "cell" if cell else "local"
        value = (
            self.initializer(init_node, d.type)
            if init_node is not None
            else self.types.default_value(d.type)
        )
        if k == "RECORD" and init_node is not None and init_node.kind.name != "INIT_LIST_EXPR":
            value = self.value(init_node).code
        if cell:
            decl = f"let {name}: Ptr<{rt}> = Ptr::new_value({self.types.default_value(d.type) if split else value});"
            if split:
                return [decl], ([f"{name}.set({value});"] if init_node is not None else [])
            return [decl]
        if split:
            return [f"let mut {name}: {rt} = {self.types.default_value(d.type)};"], (
                [f"{name} = {value};"] if init_node is not None else []
            )
        return [f"let mut {name}: {rt} = {value};"]

    def init_expr(self, d: Any) -> Any:
        kids = [
            c
            for c in _kids(d)
            if c.kind.name not in ("TYPE_REF", "STRUCT_DECL", "UNION_DECL", "ENUM_DECL")
        ]
        if not kids:
            return None
        if d.type.get_canonical().kind.name in ("CONSTANTARRAY",) and len(kids) > 1:
            return kids[-1]
        last = kids[-1]
        toks = [t.spelling for t in d.get_tokens()]
        return last if "=" in toks else None

    # ------------------------------------------------------------------ loops

    def new_label(self, prefix: str) -> str:
        return f"'{prefix}{next(self.labels)}"

    def loop_body(self, node: Any, brk: str, cont: str) -> list[str]:
        self.targets.append(("loop", brk, cont))
        try:
            return self.body(node)
        finally:
            self.targets.pop()

    def while_loop(self, cond: Any, body: Any) -> list[str]:
        lab = self.new_label("l")
        c = evaluate(cond) if cond.kind.name == "INTEGER_LITERAL" else None
        inner = self.loop_body(body, lab, f"continue {lab};")
        if c:
            return [f"{lab}: loop {{", *inner, "}"]
        return [f"{lab}: while {self.as_bool(self.value(cond))} {{", *inner, "}"]

    def do_loop(self, body: Any, cond: Any) -> list[str]:
        lab, clab = self.new_label("l"), self.new_label("c")
        inner = self.loop_body(body, lab, f"break {clab};")
        return [
            f"{lab}: loop {{",
            f"{clab}: {{",
            *inner,
            "}",
            f"if !({self.as_bool(self.value(cond))}) {{ break {lab}; }}",
            "}",
        ]

    def for_loop(self, node: Any, kids: list[Any]) -> list[str]:
        toks = list(node.get_tokens())
        depth = 0
        semis: list[int] = []
        close = None
        for t in toks[1:]:
            if t.spelling == "(":
                depth += 1
            elif t.spelling == ")":
                depth -= 1
                if depth == 0:
                    close = t.extent.start.offset
                    break
            elif t.spelling == ";" and depth == 1:
                semis.append(t.extent.start.offset)
        if close is None or len(semis) != 2:
            raise Untranslatable("for statement header")
        init = cond = inc = None
        body = kids[-1]
        for k in kids[:-1]:
            off = k.extent.start.offset
            if off < semis[0]:
                init = k
            elif off < semis[1]:
                cond = k
            elif off < close:
                inc = k
        lab, clab = self.new_label("l"), self.new_label("c")
        out = ["{"]
        if init is not None:
            out += self.stmt(init) if init.kind.name == "DECL_STMT" else [self.effect(init) + ";"]
        inner = self.loop_body(body, lab, f"break {clab};")
        if cond is not None:
            out.append(f"{lab}: while {self.as_bool(self.value(cond))} {{")
        else:
            out.append(f"{lab}: loop {{")
        uses_continue = any(f"break {clab};" in line for line in inner)
        out += [f"{clab}: {{", *inner, "}"] if uses_continue else inner
        if inc is not None:
            out.append(self.effect(inc) + ";")
        out += ["}", "}"]
        return out

    # ------------------------------------------------------------------ switch

    def switch(self, cond: Any, body: Any) -> list[str]:
        segments: list[tuple[list[str | None], list[Any]]] = []
        items = _kids(body) if body.kind.name == "COMPOUND_STMT" else [body]
        for item in items:
            labels: list[str | None] = []
            while item.kind.name in ("CASE_STMT", "DEFAULT_STMT"):
                ck = _kids(item)
                if item.kind.name == "CASE_STMT":
                    labels.append(self.case_label(ck[0]))
                else:
                    labels.append(None)
                item = ck[-1]
            if labels:
                segments.append((labels, [item]))
            elif segments:
                segments[-1][1].append(item)
            elif item.kind.name not in ("NULL_STMT",):
                raise Untranslatable("statements before the first case of a switch")
        lab = self.new_label("sw")
        inner = self.strip(cond)
        scrut = self.num(self.value(inner if self.k(inner.type) == "ENUM" else cond))
        self.targets.append(("switch", lab, ""))
        try:
            fallthrough = any(not self.jumps(stmts) for _, stmts in segments[:-1])
            if not fallthrough:
                arms = []
                has_default = False
                for labels, stmts in segments:
                    pats = [p for p in labels if p is not None]
                    if None in labels:
                        has_default = True
                        pat = "_"
                    else:
                        pat = " | ".join(pats)
                    trimmed = stmts[:-1] if stmts and stmts[-1].kind.name == "BREAK_STMT" else stmts
                    arms.append((pat, self.block_items(trimmed)))
                if has_default:
                    arms = [a for a in arms if a[0] != "_"] + [a for a in arms if a[0] == "_"]
                else:
                    arms.append(("_", []))
                out = [f"{lab}: {{", f"match {scrut} {{"]
                for pat, code in arms:
                    out += [f"{pat} => {{", *code, "}"]
                return [*out, "}", "}"]
            all_pats = [p for labels, _ in segments for p in labels if p is not None]
            out = [f"{lab}: {{", f"let __s = {scrut};", "let mut __ft = false;"]
            for labels, stmts in segments:
                pats = [p for p in labels if p is not None]
                conds = ["__ft"]
                if pats:
                    conds.append(f"matches!(__s, {' | '.join(pats)})")
                if None in labels:
                    conds.append(f"!matches!(__s, {' | '.join(all_pats)})" if all_pats else "true")
                out += [
                    f"if {' || '.join(conds)} {{",
                    "__ft = true;",
                    *self.block_items(stmts),
                    "}",
                ]
            return [*out, "}"]
        finally:
            self.targets.pop()

    def jumps(self, stmts: list[Any]) -> bool:
        return bool(stmts) and stmts[-1].kind.name in _JUMPS

    def case_label(self, node: Any) -> str:
        inner = self.strip(node)
        if (
            inner.kind.name == "DECL_REF_EXPR"
            and inner.referenced.kind.name == "ENUM_CONSTANT_DECL"
        ):
            return self.ctx.enum_const(inner.referenced)
        v = evaluate(node)
        if v is None:
            raise Untranslatable("non-constant case label")
        return str(v)
