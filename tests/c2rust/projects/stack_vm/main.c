/* Compile a tiny language to a stack machine, list the code, run it with limits. */
#include <stdio.h>
#include <string.h>
#include "vm.h"
#include "compiler.h"

static Program program;
static Machine machine;
static char source[8192];

int main(int argc, char **argv) {
    int n = 0, c;
    while (n < (int)sizeof source - 1 && (c = getchar()) != EOF)
        source[n++] = (char)c;
    source[n] = '\0';
    char error[128];
    int len = compile(source, &program, error, sizeof error);
    if (len < 0) {
        printf("compile error: %s\n", error);
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "-l") == 0)
        for (int i = 0; i < program.len; i++)
            printf("%3d %-6s %ld\n", i, opcode_name(program.code[i].op), program.code[i].arg);
    VmStatus st = run(&program, &machine, 100000);
    printf("status: %s after %ld steps\n", status_text(st), machine.steps);
    for (int v = 0; v < NVARS; v++)
        if (machine.vars[v])
            printf("%c=%ld ", 'a' + v, machine.vars[v]);
    printf("\n");
    return st == VM_OK ? 0 : 1;
}
