/* Reverse-Polish calculator: a stack, a table of function pointers, error exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#define STACK_MAX 64

typedef long (*binop)(long, long);

static long stack[STACK_MAX];
static int sp = 0;

static long op_add(long a, long b) { return a + b; }
static long op_sub(long a, long b) { return a - b; }
static long op_mul(long a, long b) { return a * b; }
static long op_div(long a, long b) { return b == 0 ? 0 : a / b; }
static long op_mod(long a, long b) { return b == 0 ? 0 : a % b; }
static long op_pow(long a, long b) {
    long r = 1;
    while (b-- > 0)
        r *= a;
    return r;
}
static long op_max(long a, long b) { return a > b ? a : b; }

struct op_entry {
    const char *name;
    binop fn;
};

static const struct op_entry ops[] = {
    {"+", op_add}, {"-", op_sub}, {"*", op_mul}, {"/", op_div},
    {"%", op_mod}, {"^", op_pow}, {"max", op_max},
};

void push(long v) {
    if (sp >= STACK_MAX) {
        printf("error: stack overflow\n");
        exit(3);
    }
    stack[sp++] = v;
}

long pop(void) {
    if (sp <= 0) {
        printf("error: stack underflow\n");
        exit(4);
    }
    return stack[--sp];
}

binop lookup(const char *tok) {
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, tok) == 0)
            return ops[i].fn;
    return NULL;
}

int is_number(const char *s) {
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

void dump(void) {
    printf("[");
    for (int i = 0; i < sp; i++)
        printf(i ? " %ld" : "%ld", stack[i]);
    printf("]\n");
}

int main(int argc, char **argv) {
    char tok[32];
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
    while (scanf("%31s", tok) == 1) {
        binop f;
        if (is_number(tok)) {
            push(atol(tok));
        } else if ((f = lookup(tok)) != NULL) {
            long b = pop(), a = pop();
            push(f(a, b));
        } else if (strcmp(tok, "dup") == 0) {
            long a = pop();
            push(a);
            push(a);
        } else if (strcmp(tok, "swap") == 0) {
            long b = pop(), a = pop();
            push(b), push(a);
        } else if (strcmp(tok, "neg") == 0) {
            push(-pop());
        } else {
            printf("error: unknown token '%s'\n", tok);
            return 2;
        }
        if (verbose)
            dump();
    }
    dump();
    return sp == 1 ? 0 : 1;
}
