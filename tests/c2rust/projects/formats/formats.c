/* printf's formatting, exactly: widths, precisions, flags, every conversion; sprintf/snprintf. */
#include <stdio.h>
#include <string.h>

static const double samples[] = {0.0, 1.0, -1.5, 3.14159265358979, 1e-5, 123456789.0, 2.5e10, 0.000123456, 100.0, -0.0009765625};
static const int ints[] = {0, 7, -7, 42, -42, 255, 65535, 2147483647, -2147483647 - 1};

void show_doubles(void) {
    int n = (int)(sizeof samples / sizeof samples[0]);
    for (int i = 0; i < n; i++) {
        double d = samples[i];
        printf("[%f] [%.2f] [%10.3f] [%-10.1f] [%+.0f] [%e] [%.3E] [%g] [%G] [%.3g] [%#.3g] [%010.2f]\n",
               d, d, d, d, d, d, d, d, d, d, d, d);
    }
}

void show_ints(void) {
    int n = (int)(sizeof ints / sizeof ints[0]);
    for (int i = 0; i < n; i++) {
        int v = ints[i];
        printf("[%d] [%5d] [%-5d] [%05d] [%+d] [% d] [%x] [%X] [%#x] [%o] [%#o] [%u] [%.3d] [%hhd] [%hu]\n",
               v, v, v, v, v, v, v, v, v, v, v, (unsigned)v, v, v, v);
    }
    long big = 1234567890123L;
    unsigned long ubig = 18446744073709551615UL;
    printf("[%ld] [%lu] [%lx] [%20ld] [%-20lu|]\n", big, ubig, ubig, -big, ubig);
}

void show_strings(void) {
    const char *s = "ferrox";
    printf("[%s] [%10s] [%-10s] [%.3s] [%10.2s] [%c] [%3c] [%-3c] [%%]\n", s, s, s, s, s, s[0], 'x', 'y');
    printf("[%*d] [%-*d] [%.*f] [%*.*s]\n", 6, 42, 6, 42, 2, 3.14159, 8, 3, s);
}

int main(void) {
    char buf[64];
    show_doubles();
    show_ints();
    show_strings();
    int n = sprintf(buf, "%d-%s-%.2f", 7, "seven", 7.0);
    printf("sprintf -> '%s' (%d)\n", buf, n);
    n = snprintf(buf, 8, "%s", "truncated output");
    printf("snprintf -> '%s' (%d, len %d)\n", buf, n, (int)strlen(buf));
    int a = 3, b = 5, c;
    c = (a++, b += a, a * b);
    printf("comma: a=%d b=%d c=%d tern=%s\n", a, b, c, c > 30 ? (c > 40 ? "big" : "mid") : "small");
    puts("done");
    return 0;
}
