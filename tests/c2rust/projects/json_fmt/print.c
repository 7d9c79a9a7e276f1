#include <stdio.h>
#include "json.h"

static void pad(int n) {
    for (int i = 0; i < n; i++)
        putchar(' ');
}

static void print_string(const char *s) {
    putchar('"');
    for (; s && *s; s++) {
        switch (*s) {
        case '"': printf("\\\""); break;
        case '\\': printf("\\\\"); break;
        case '\n': printf("\\n"); break;
        case '\t': printf("\\t"); break;
        default: putchar(*s);
        }
    }
    putchar('"');
}

static void print_scalar(const JsonValue *v) {
    switch (v->type) {
    case J_NULL: printf("null"); break;
    case J_BOOL: printf(v->boolean ? "true" : "false"); break;
    case J_NUMBER:
        if (v->number == (long)v->number)
            printf("%ld", (long)v->number);
        else
            printf("%g", v->number);
        break;
    case J_STRING: print_string(v->string); break;
    default: break;
    }
}

void json_print(const JsonValue *v, int indent, int depth) {
    if (v->type != J_ARRAY && v->type != J_OBJECT) {
        print_scalar(v);
        return;
    }
    int object = v->type == J_OBJECT;
    if (!v->child) {
        printf(object ? "{}" : "[]");
        return;
    }
    printf(object ? "{\n" : "[\n");
    for (const JsonValue *c = v->child; c; c = c->next) {
        pad((depth + 1) * indent);
        if (object) {
            print_string(c->string);
            printf(": ");
            if (c->type == J_STRING && c->child)
                print_string(c->child->string);
            else
                json_print(c, indent, depth + 1);
        } else {
            json_print(c, indent, depth + 1);
        }
        printf(c->next ? ",\n" : "\n");
    }
    pad(depth * indent);
    putchar(object ? '}' : ']');
}

int json_count(const JsonValue *v) {
    int n = 0;
    for (; v; v = v->next)
        n += 1 + json_count(v->child);
    return n;
}
