/* Huffman coding: frequency count, tree built with a min-heap of node indices, code table,
 * bit-packed encoding and decoding round trip. */
#include <stdio.h>
#include <string.h>

#define SYMBOLS 256
#define MAX_NODES (2 * SYMBOLS)
#define MAX_INPUT 4096

typedef struct {
    long freq;
    int left, right;   /* -1 for leaves */
    int symbol;
} HNode;

static HNode nodes[MAX_NODES];
static int node_count;
static int heap[MAX_NODES];
static int heap_size;
static char codes[SYMBOLS][SYMBOLS];
static unsigned char packed[MAX_INPUT * 2];

static int less(int a, int b) {
    if (nodes[a].freq != nodes[b].freq)
        return nodes[a].freq < nodes[b].freq;
    return a < b;
}

static void push(int n) {
    int i = heap_size++;
    heap[i] = n;
    while (i > 0 && less(heap[i], heap[(i - 1) / 2])) {
        int p = (i - 1) / 2, t = heap[p];
        heap[p] = heap[i];
        heap[i] = t;
        i = p;
    }
}

static int pop(void) {
    int top = heap[0];
    heap[0] = heap[--heap_size];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < heap_size && less(heap[l], heap[m]))
            m = l;
        if (r < heap_size && less(heap[r], heap[m]))
            m = r;
        if (m == i)
            break;
        int t = heap[m];
        heap[m] = heap[i];
        heap[i] = t;
        i = m;
    }
    return top;
}

int build_tree(const long *freq) {
    node_count = 0;
    heap_size = 0;
    for (int s = 0; s < SYMBOLS; s++) {
        if (freq[s] == 0)
            continue;
        HNode *n = &nodes[node_count];
        n->freq = freq[s];
        n->left = n->right = -1;
        n->symbol = s;
        push(node_count++);
    }
    if (heap_size == 0)
        return -1;
    while (heap_size > 1) {
        int a = pop(), b = pop();
        HNode *n = &nodes[node_count];
        n->freq = nodes[a].freq + nodes[b].freq;
        n->left = a;
        n->right = b;
        n->symbol = -1;
        push(node_count++);
    }
    return pop();
}

void assign_codes(int n, char *prefix, int depth) {
    if (nodes[n].left < 0) {
        prefix[depth] = '\0';
        strcpy(codes[nodes[n].symbol], depth ? prefix : "0");
        return;
    }
    prefix[depth] = '0';
    assign_codes(nodes[n].left, prefix, depth + 1);
    prefix[depth] = '1';
    assign_codes(nodes[n].right, prefix, depth + 1);
}

long encode(const unsigned char *in, int n) {
    long bits = 0;
    memset(packed, 0, sizeof packed);
    for (int i = 0; i < n; i++)
        for (const char *c = codes[in[i]]; *c; c++, bits++)
            if (*c == '1')
                packed[bits / 8] |= (unsigned char)(0x80 >> (bits % 8));
    return bits;
}

int decode(int root, long bits, unsigned char *out) {
    int n = 0, cur = root;
    if (nodes[root].left < 0) {
        for (long i = 0; i < bits; i++)
            out[n++] = (unsigned char)nodes[root].symbol;
        return n;
    }
    for (long i = 0; i < bits; i++) {
        int bit = (packed[i / 8] >> (7 - i % 8)) & 1;
        cur = bit ? nodes[cur].right : nodes[cur].left;
        if (nodes[cur].left < 0) {
            out[n++] = (unsigned char)nodes[cur].symbol;
            cur = root;
        }
    }
    return n;
}

int main(void) {
    static unsigned char input[MAX_INPUT], output[MAX_INPUT];
    long freq[SYMBOLS] = {0};
    int n = 0, c;
    while (n < MAX_INPUT && (c = getchar()) != EOF) {
        input[n++] = (unsigned char)c;
        freq[c]++;
    }
    int root = build_tree(freq);
    if (root < 0) {
        printf("empty input\n");
        return 0;
    }
    char prefix[SYMBOLS];
    assign_codes(root, prefix, 0);
    for (int s = 0; s < SYMBOLS; s++)
        if (freq[s])
            printf("%3d %c %5ld %s\n", s, s >= 32 && s < 127 ? s : '?', freq[s], codes[s]);
    long bits = encode(input, n);
    int m = decode(root, bits, output);
    printf("%d bytes -> %ld bits (%.1f%%), round trip %s\n", n, bits, 100.0 * bits / (8.0 * n),
           m == n && memcmp(input, output, (size_t)n) == 0 ? "ok" : "FAILED");
    return 0;
}
