"""Golden tests per construct: a C snippet, lowered, against the expected Rust.

Regenerate after an intended change with ``FERROX_REGEN_GOLDEN=1 pytest tests/c2rust/test_golden.py``
and review the diff of ``tests/c2rust/golden/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ferrox.c2rust.cbuild import project_units
from ferrox.c2rust.crate import assemble
from ferrox.c2rust.frontend import build_program

GOLDEN = Path(__file__).parent / "golden"

SNIPPETS = {
    "pure": (
        "int gcd(int a, int b) { while (b) { int t = a % b; a = b; b = t; } return a; }",
        "gcd",
    ),
    "arrow": (
        "struct node { int v; struct node *next; };\n"
        "int total(struct node *p) { int s = 0; for (; p; p = p->next) s += p->v; return s; }",
        "total",
    ),
    "switch_match": (
        'const char *kind(int c) { switch (c) { case 0: return "zero";'
        ' case 1: case 2: return "small"; default: return "big"; } }',
        "kind",
    ),
    "switch_fallthrough": (
        "int f(int c) { int n = 0; switch (c) { case 0: n++; case 1: n++; break;"
        " default: n = -1; } return n; }",
        "f",
    ),
    "goto": (
        "int find(int *v, int n, int x) { int i; for (i = 0; i < n; i++)"
        " if (v[i] == x) goto found; return -1; found: return i; }",
        "find",
    ),
    "assert": (
        "#include <assert.h>\nint half(int x) { assert(x % 2 == 0); return x / 2; }",
        "half",
    ),
    "varargs": (
        "#include <stdarg.h>\nint sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0;"
        " while (n--) s += va_arg(ap, int); va_end(ap); return s; }",
        "sum",
    ),
    "static_initializers": (
        'struct pt { int x, y; char tag[4]; };\nstruct pt pts[2] = { { 1, 2, "ab" }, [1].y = -1 };\n'
        'const char *names[] = { "a", "b" };',
        None,
    ),
    "function_pointer": (
        "#include <stdlib.h>\n"
        "static int up(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }\n"
        "void sort(int *v, size_t n) { qsort(v, n, sizeof *v, up); }",
        "sort",
    ),
    "bitfields_and_unions": (
        "struct flags { unsigned a : 3; signed b : 5; };\n"
        "union word { unsigned u; float f; };\n"
        "int g(struct flags *p, union word *w) { p->b = -3; w->f = 1.0f; return p->b + (int)(w->u >> 23); }",
        "g",
    ),
    "gnu_nested_function": (
        "int count(const int *v, int n, int limit) {\n"
        "    int hits = 0;\n"
        "    void see(int x) { if (x > limit) hits++; }\n"
        "    for (int i = 0; i < n; i++) see(v[i]);\n"
        "    return hits;\n"
        "}",
        "__nested_count_see",
    ),
    "gnu_double_suffix": (
        "#define HALF 0.5d\ndouble f(double x) { return x * 1.5d + HALF + 1e1D + .25D; }",
        "f",
    ),
}


def _lower(tmp: Path, source: str, name: str | None) -> str:
    (tmp / "g.c").write_text(source + "\n")
    root, units, _ = project_units(tmp / "g.c", [])
    prog = build_program([(u.path, list(u.flags)) for u in units], root)
    crate = assemble(prog, {"g.c"}, "g")
    if name is None:
        return crate.statics_text.strip() + "\n"
    return next(f.code for f in crate.functions if f.name == name)


@pytest.mark.parametrize("case", sorted(SNIPPETS))
def test_construct_lowers_to_the_golden_rust(case: str, tmp_path: Path) -> None:
    source, name = SNIPPETS[case]
    got = _lower(tmp_path, source, name)
    path = GOLDEN / f"{case}.rs"
    if os.environ.get("FERROX_REGEN_GOLDEN") or not path.exists():
        path.write_text(got)
    assert got == path.read_text(), f"{case}: regenerate with FERROX_REGEN_GOLDEN=1 and review"
