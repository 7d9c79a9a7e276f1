/* Base64 encoding and decoding (RFC 4648) with lookup tables; hex dump of decoded bytes. */
#include <stdio.h>
#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static signed char reverse_table[256];

void build_reverse(void) {
    for (int i = 0; i < 256; i++)
        reverse_table[i] = -1;
    for (int i = 0; i < 64; i++)
        reverse_table[(unsigned char)alphabet[i]] = (signed char)i;
}

int encode(const unsigned char *in, int n, char *out) {
    int o = 0;
    for (int i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return o;
}

int decode(const char *in, unsigned char *out) {
    int n = (int)strlen(in), o = 0;
    unsigned acc = 0;
    int bits = 0, pad = 0;
    for (int i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (c == '\n' || c == '\r' || c == ' ')
            continue;
        if (pad || reverse_table[c] < 0)
            return -1;
        acc = (acc << 6) | (unsigned)reverse_table[c];
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xFF);
        }
    }
    return pad > 2 ? -1 : o;
}

void hexdump(const unsigned char *p, int n) {
    for (int i = 0; i < n; i += 16) {
        printf("%04x ", i);
        for (int j = i; j < i + 16; j++) {
            if (j < n)
                printf(" %02x", p[j]);
            else
                printf("   ");
        }
        printf("  |");
        for (int j = i; j < i + 16 && j < n; j++)
            putchar(p[j] >= 32 && p[j] < 127 ? p[j] : '.');
        printf("|\n");
    }
}

int main(int argc, char **argv) {
    static unsigned char data[2048];
    static char text[4096];
    build_reverse();
    int n = 0, c;
    while (n < (int)sizeof data - 1 && (c = getchar()) != EOF)
        data[n++] = (unsigned char)c;
    if (argc > 1 && strcmp(argv[1], "-d") == 0) {
        data[n] = 0;
        int m = decode((const char *)data, (unsigned char *)text);
        if (m < 0) {
            printf("invalid base64\n");
            return 1;
        }
        hexdump((const unsigned char *)text, m);
        return 0;
    }
    int m = encode(data, n, text);
    printf("%s\n(%d -> %d chars)\n", text, n, m);
    return 0;
}
