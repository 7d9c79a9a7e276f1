/* Run-length encoding and decoding of stdin (mode from argv), with goto-based error handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF 4096

int encode(const unsigned char *in, int n, char *out, int cap) {
    int w = 0, i = 0;
    while (i < n) {
        int run = 1;
        while (i + run < n && in[i + run] == in[i] && run < 99)
            run++;
        if (w + 4 >= cap)
            return -1;
        if (run > 2 || in[i] == '~' || (in[i] >= '0' && in[i] <= '9')) {
            w += sprintf(out + w, "~%02d%c", run, in[i]);
        } else {
            for (int k = 0; k < run; k++)
                out[w++] = (char)in[i];
        }
        i += run;
    }
    out[w] = '\0';
    return w;
}

int decode(const char *in, char *out, int cap) {
    int w = 0;
    const char *p = in;
    while (*p) {
        if (*p == '~') {
            if (!p[1] || !p[2] || !p[3])
                goto bad;
            int run = (p[1] - '0') * 10 + (p[2] - '0');
            if (run <= 0 || w + run >= cap)
                goto bad;
            for (int k = 0; k < run; k++)
                out[w++] = p[3];
            p += 4;
        } else {
            if (w + 1 >= cap)
                goto bad;
            out[w++] = *p++;
        }
    }
    out[w] = '\0';
    return w;
bad:
    out[w] = '\0';
    return -1;
}

int main(int argc, char **argv) {
    unsigned char *in = malloc(BUF);
    char *out = malloc(BUF * 2);
    int n = 0, c, status = 0;
    if (!in || !out)
        return 1;
    while (n < BUF - 1 && (c = getchar()) != EOF)
        in[n++] = (unsigned char)c;
    in[n] = 0;
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        int m = decode((const char *)in, out, BUF * 2);
        if (m < 0) {
            fprintf(stderr, "corrupt input\n");
            status = 2;
            goto done;
        }
        printf("%s", out);
    } else {
        int m = encode(in, n, out, BUF * 2);
        if (m < 0) {
            status = 3;
            goto done;
        }
        printf("%s\n", out);
        printf("%d -> %d bytes\n", n, m);
    }
done:
    free(in);
    free(out);
    return status;
}
