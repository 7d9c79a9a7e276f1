/* Tagged unions: a value type with int/double/string cases, read through the union (unsafe in Rust). */
#include <stdio.h>
#include <string.h>

enum tag { T_INT, T_REAL, T_CHAR };

union payload {
    int i;
    double d;
    char c;
};

struct value {
    enum tag tag;
    union payload as;
};

union bits {
    float f;
    unsigned int u;
};

struct value make_int(int i) {
    struct value v;
    v.tag = T_INT;
    v.as.i = i;
    return v;
}

struct value make_real(double d) {
    struct value v;
    v.tag = T_REAL;
    v.as.d = d;
    return v;
}

struct value make_char(char c) {
    struct value v;
    v.tag = T_CHAR;
    v.as.c = c;
    return v;
}

double as_number(struct value v) {
    switch (v.tag) {
    case T_INT: return v.as.i;
    case T_REAL: return v.as.d;
    case T_CHAR: return v.as.c;
    }
    return 0;
}

void print_value(const struct value *v) {
    switch (v->tag) {
    case T_INT: printf("int(%d)", v->as.i); break;
    case T_REAL: printf("real(%.3f)", v->as.d); break;
    case T_CHAR: printf("char('%c')", v->as.c); break;
    }
}

unsigned float_bits(float f) {
    union bits b;
    b.f = f;
    return b.u;
}

int main(void) {
    struct value vals[8];
    int n = 0;
    char kind[8];
    while (n < 8 && scanf("%7s", kind) == 1) {
        if (strcmp(kind, "i") == 0) {
            int x;
            if (scanf("%d", &x) != 1) break;
            vals[n++] = make_int(x);
        } else if (strcmp(kind, "r") == 0) {
            double d;
            if (scanf("%lf", &d) != 1) break;
            vals[n++] = make_real(d);
        } else {
            vals[n++] = make_char(kind[0]);
        }
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
        print_value(&vals[i]);
        printf(i + 1 < n ? ", " : "\n");
        sum += as_number(vals[i]);
    }
    printf("sum=%.4f bits(1.5f)=%08x bits(-2)=%08x\n", sum, float_bits(1.5f), float_bits(-2.0f));
    return 0;
}
