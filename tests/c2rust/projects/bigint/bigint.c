/* Arbitrary-precision unsigned integers as digit arrays: add, multiply, factorial, Fibonacci. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#define DIGITS 400

typedef struct {
    int len;
    unsigned char d[DIGITS];
} Big;

void big_set(Big *b, unsigned long v) {
    memset(b->d, 0, sizeof b->d);
    b->len = 0;
    do {
        b->d[b->len++] = (unsigned char)(v % 10);
        v /= 10;
    } while (v);
}

int big_parse(Big *b, const char *s) {
    int n = (int)strlen(s);
    if (n == 0 || n > DIGITS)
        return 0;
    memset(b->d, 0, sizeof b->d);
    for (int i = 0; i < n; i++) {
        char c = s[n - 1 - i];
        if (c < '0' || c > '9')
            return 0;
        b->d[i] = (unsigned char)(c - '0');
    }
    b->len = n;
    while (b->len > 1 && b->d[b->len - 1] == 0)
        b->len--;
    return 1;
}

void big_add(const Big *a, const Big *b, Big *r) {
    int carry = 0, n = a->len > b->len ? a->len : b->len;
    Big t;
    memset(t.d, 0, sizeof t.d);
    for (int i = 0; i < n || carry; i++) {
        int s = carry + (i < a->len ? a->d[i] : 0) + (i < b->len ? b->d[i] : 0);
        t.d[i] = (unsigned char)(s % 10);
        carry = s / 10;
        t.len = i + 1;
    }
    *r = t;
}

void big_mul_small(Big *b, int k) {
    int carry = 0;
    for (int i = 0; i < b->len; i++) {
        int p = b->d[i] * k + carry;
        b->d[i] = (unsigned char)(p % 10);
        carry = p / 10;
    }
    while (carry) {
        b->d[b->len++] = (unsigned char)(carry % 10);
        carry /= 10;
    }
}

void big_mul(const Big *a, const Big *b, Big *r) {
    int acc[2 * DIGITS];
    memset(acc, 0, sizeof acc);
    for (int i = 0; i < a->len; i++)
        for (int j = 0; j < b->len; j++)
            acc[i + j] += a->d[i] * b->d[j];
    Big t;
    memset(t.d, 0, sizeof t.d);
    int carry = 0, n = a->len + b->len;
    for (int i = 0; i < n; i++) {
        int v = acc[i] + carry;
        t.d[i] = (unsigned char)(v % 10);
        carry = v / 10;
    }
    t.len = n;
    while (t.len > 1 && t.d[t.len - 1] == 0)
        t.len--;
    *r = t;
}

void big_print(const char *label, const Big *b) {
    printf("%s", label);
    for (int i = b->len - 1; i >= 0; i--)
        putchar('0' + b->d[i]);
    putchar('\n');
}

int main(int argc, char **argv) {
    Big a, b, r;
    if (argc >= 3 && big_parse(&a, argv[1]) && big_parse(&b, argv[2])) {
        big_add(&a, &b, &r);
        big_print("sum=", &r);
        big_mul(&a, &b, &r);
        big_print("product=", &r);
    } else if (argc >= 3) {
        printf("bad number\n");
        return 2;
    }
    int n = argc == 2 ? atoi(argv[1]) : 30;
    big_set(&r, 1);
    for (int i = 2; i <= n; i++)
        big_mul_small(&r, i);
    printf("%d! has %d digits\n", n, r.len);
    big_print("", &r);
    big_set(&a, 0);
    big_set(&b, 1);
    for (int i = 0; i < n * 3; i++) {
        big_add(&a, &b, &r);
        a = b;
        b = r;
    }
    big_print("fib=", &a);
    return 0;
}
