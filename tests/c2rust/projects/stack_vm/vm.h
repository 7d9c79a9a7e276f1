#ifndef VM_H
#define VM_H

#define CODE_MAX 512
#define STACK_SIZE 128
#define NVARS 26

typedef enum {
    OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_LT, OP_EQ, OP_JMP, OP_JZ, OP_PRINT, OP_HALT, OP_NEG, OP_DUP
} Opcode;

typedef struct {
    Opcode op;
    long arg;
} Instr;

typedef struct {
    Instr code[CODE_MAX];
    int len;
} Program;

typedef enum { VM_OK, VM_STACK_OVERFLOW, VM_STACK_UNDERFLOW, VM_DIV_ZERO, VM_BAD_JUMP, VM_STEP_LIMIT } VmStatus;

typedef struct {
    long stack[STACK_SIZE];
    int sp;
    long vars[NVARS];
    long steps;
} Machine;

const char *opcode_name(Opcode op);
int emit(Program *p, Opcode op, long arg);
VmStatus run(const Program *p, Machine *m, long max_steps);
const char *status_text(VmStatus s);

#endif
