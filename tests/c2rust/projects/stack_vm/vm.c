#include <stdio.h>
#include "vm.h"

static const char *names[] = {"push", "load", "store", "add", "sub", "mul", "div", "mod",
                              "lt", "eq", "jmp", "jz", "print", "halt", "neg", "dup"};

const char *opcode_name(Opcode op) { return names[op]; }

int emit(Program *p, Opcode op, long arg) {
    if (p->len >= CODE_MAX)
        return -1;
    p->code[p->len].op = op;
    p->code[p->len].arg = arg;
    return p->len++;
}

const char *status_text(VmStatus s) {
    switch (s) {
    case VM_OK: return "ok";
    case VM_STACK_OVERFLOW: return "stack overflow";
    case VM_STACK_UNDERFLOW: return "stack underflow";
    case VM_DIV_ZERO: return "division by zero";
    case VM_BAD_JUMP: return "bad jump";
    case VM_STEP_LIMIT: return "step limit";
    }
    return "?";
}

#define NEED(n) do { if (m->sp < (n)) return VM_STACK_UNDERFLOW; } while (0)

VmStatus run(const Program *p, Machine *m, long max_steps) {
    int pc = 0;
    while (pc < p->len) {
        if (++m->steps > max_steps)
            return VM_STEP_LIMIT;
        Instr in = p->code[pc++];
        long a, b;
        switch (in.op) {
        case OP_PUSH:
            if (m->sp >= STACK_SIZE) return VM_STACK_OVERFLOW;
            m->stack[m->sp++] = in.arg;
            break;
        case OP_LOAD:
            if (m->sp >= STACK_SIZE) return VM_STACK_OVERFLOW;
            m->stack[m->sp++] = m->vars[in.arg];
            break;
        case OP_STORE:
            NEED(1);
            m->vars[in.arg] = m->stack[--m->sp];
            break;
        case OP_DUP:
            NEED(1);
            if (m->sp >= STACK_SIZE) return VM_STACK_OVERFLOW;
            m->stack[m->sp] = m->stack[m->sp - 1];
            m->sp++;
            break;
        case OP_NEG:
            NEED(1);
            m->stack[m->sp - 1] = -m->stack[m->sp - 1];
            break;
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD: case OP_LT: case OP_EQ:
            NEED(2);
            b = m->stack[--m->sp];
            a = m->stack[--m->sp];
            if ((in.op == OP_DIV || in.op == OP_MOD) && b == 0)
                return VM_DIV_ZERO;
            m->stack[m->sp++] = in.op == OP_ADD ? a + b : in.op == OP_SUB ? a - b : in.op == OP_MUL ? a * b
                              : in.op == OP_DIV ? a / b : in.op == OP_MOD ? a % b : in.op == OP_LT ? a < b : a == b;
            break;
        case OP_JMP:
            if (in.arg < 0 || in.arg > p->len) return VM_BAD_JUMP;
            pc = (int)in.arg;
            break;
        case OP_JZ:
            NEED(1);
            if (in.arg < 0 || in.arg > p->len) return VM_BAD_JUMP;
            if (m->stack[--m->sp] == 0)
                pc = (int)in.arg;
            break;
        case OP_PRINT:
            NEED(1);
            printf("%ld\n", m->stack[--m->sp]);
            break;
        case OP_HALT:
            return VM_OK;
        }
    }
    return VM_OK;
}
