#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include "compiler.h"

typedef struct {
    const char *src;
    int pos;
    int failed;
    char *error;
    int error_size;
    Program *prog;
} Parser;

static void fail(Parser *p, const char *what) {
    if (!p->failed)
        snprintf(p->error, p->error_size, "%s at offset %d", what, p->pos);
    p->failed = 1;
}

static void skip_ws(Parser *p) {
    while (isspace((unsigned char)p->src[p->pos]))
        p->pos++;
}

static int accept(Parser *p, const char *tok) {
    skip_ws(p);
    int n = (int)strlen(tok);
    if (strncmp(p->src + p->pos, tok, n) == 0) {
        p->pos += n;
        return 1;
    }
    return 0;
}

static void expect(Parser *p, const char *tok) {
    if (!accept(p, tok))
        fail(p, tok[0] == ';' ? "expected ';'" : "unexpected token");
}

static void expression(Parser *p);

static void primary(Parser *p) {
    skip_ws(p);
    char c = p->src[p->pos];
    if (isdigit((unsigned char)c)) {
        long v = 0;
        while (isdigit((unsigned char)p->src[p->pos]))
            v = v * 10 + (p->src[p->pos++] - '0');
        emit(p->prog, OP_PUSH, v);
    } else if (c >= 'a' && c <= 'z') {
        p->pos++;
        emit(p->prog, OP_LOAD, c - 'a');
    } else if (accept(p, "(")) {
        expression(p);
        expect(p, ")");
    } else if (accept(p, "-")) {
        primary(p);
        emit(p->prog, OP_NEG, 0);
    } else {
        fail(p, "expected a value");
    }
}

static void term(Parser *p) {
    primary(p);
    for (;;) {
        if (accept(p, "*")) { primary(p); emit(p->prog, OP_MUL, 0); }
        else if (accept(p, "/")) { primary(p); emit(p->prog, OP_DIV, 0); }
        else if (accept(p, "%")) { primary(p); emit(p->prog, OP_MOD, 0); }
        else break;
    }
}

static void sum(Parser *p) {
    term(p);
    for (;;) {
        if (accept(p, "+")) { term(p); emit(p->prog, OP_ADD, 0); }
        else if (accept(p, "-")) { term(p); emit(p->prog, OP_SUB, 0); }
        else break;
    }
}

static void expression(Parser *p) {
    sum(p);
    if (accept(p, "<")) {
        sum(p);
        emit(p->prog, OP_LT, 0);
    } else if (accept(p, "==")) {
        sum(p);
        emit(p->prog, OP_EQ, 0);
    }
}

static void block(Parser *p);

static void statement(Parser *p) {
    skip_ws(p);
    if (accept(p, "print")) {
        expression(p);
        emit(p->prog, OP_PRINT, 0);
        expect(p, ";");
    } else if (accept(p, "while")) {
        int top = p->prog->len;
        expect(p, "(");
        expression(p);
        expect(p, ")");
        int jz = emit(p->prog, OP_JZ, 0);
        block(p);
        emit(p->prog, OP_JMP, top);
        if (jz >= 0)
            p->prog->code[jz].arg = p->prog->len;
    } else if (accept(p, "if")) {
        expect(p, "(");
        expression(p);
        expect(p, ")");
        int jz = emit(p->prog, OP_JZ, 0);
        block(p);
        if (jz >= 0)
            p->prog->code[jz].arg = p->prog->len;
    } else {
        char c = p->src[p->pos];
        if (c < 'a' || c > 'z') {
            fail(p, "expected a statement");
            return;
        }
        p->pos++;
        expect(p, "=");
        expression(p);
        emit(p->prog, OP_STORE, c - 'a');
        expect(p, ";");
    }
}

static void block(Parser *p) {
    expect(p, "{");
    while (!p->failed && !accept(p, "}")) {
        skip_ws(p);
        if (!p->src[p->pos]) {
            fail(p, "unterminated block");
            return;
        }
        statement(p);
    }
}

int compile(const char *src, Program *out, char *error, int error_size) {
    Parser p = {src, 0, 0, error, error_size, out};
    out->len = 0;
    for (;;) {
        skip_ws(&p);
        if (!src[p.pos] || p.failed)
            break;
        statement(&p);
    }
    emit(out, OP_HALT, 0);
    return p.failed ? -1 : out->len;
}
