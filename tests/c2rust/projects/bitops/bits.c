/* Bit manipulation on unsigned integers: popcount, rotations, reversal, gray codes, CRC. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

unsigned popcount32(uint32_t x) {
    unsigned n = 0;
    while (x) {
        x &= x - 1;
        n++;
    }
    return n;
}

uint32_t rotl32(uint32_t x, unsigned r) {
    r &= 31;
    return r ? (x << r) | (x >> (32 - r)) : x;
}

uint32_t reverse_bits(uint32_t x) {
    uint32_t r = 0;
    for (int i = 0; i < 32; i++) {
        r = (r << 1) | (x & 1u);
        x >>= 1;
    }
    return r;
}

uint32_t gray(uint32_t x) { return x ^ (x >> 1); }

uint32_t gray_inverse(uint32_t g) {
    uint32_t x = g;
    for (unsigned s = 1; s < 32; s <<= 1)
        x ^= x >> s;
    return x;
}

int highest_bit(uint64_t x) {
    int b = -1;
    while (x) {
        x >>= 1;
        b++;
    }
    return b;
}

uint32_t crc32_bytes(const unsigned char *data, int n) {
    uint32_t crc = 0xFFFFFFFFu;
    for (int i = 0; i < n; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) {
            uint32_t mask = -(crc & 1u);
            crc = (crc >> 1) ^ (0xEDB88320u & mask);
        }
    }
    return ~crc;
}

uint64_t xorshift64(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

int parity(uint32_t x) {
    x ^= x >> 16;
    x ^= x >> 8;
    x ^= x >> 4;
    x &= 0xf;
    return (0x6996 >> x) & 1;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        uint32_t v = (uint32_t)strtol(argv[i], NULL, 0);
        printf("%u: pop=%u rotl5=%08x rev=%08X gray=%u inv=%u parity=%d hi=%d\n", v, popcount32(v),
               rotl32(v, 5), reverse_bits(v), gray(v), gray_inverse(gray(v)), parity(v),
               highest_bit(v));
    }
    unsigned char buf[64];
    int n = 0, c;
    while ((c = getchar()) != EOF && n < 64)
        buf[n++] = (unsigned char)c;
    printf("crc32=%08x over %d bytes\n", crc32_bytes(buf, n), n);
    uint64_t st = 88172645463325252ULL;
    for (int i = 0; i < 3; i++)
        printf("xs=%llu\n", (unsigned long long)xorshift64(&st));
    printf("mix=%lx %d %u\n", (unsigned long)(st >> 3) & 0xffffUL, (int)(-7 >> 1), 7u << 29);
    return 0;
}
