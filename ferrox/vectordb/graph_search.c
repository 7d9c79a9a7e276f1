/* Beam search over an HNSW graph laid out as faiss builds it (ferrox.vectordb).
 *
 * The graph arrays and the float vectors are faiss's own (read in place). For inner
 * products, optional int8 codes (per-dimension scale) make the walk read a quarter of the
 * memory; the beam it ends with is then re-scored on the float vectors. Distances are "lower is better":
 * the negated inner product, the squared L2 distance, the L1 distance.
 *
 * Built at first use by ferrox.vectordb.graph_kernel and called through ctypes (the GIL
 * is released); each concurrent search brings its own scratch.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

enum { FX_IP = 0, FX_L2 = 1, FX_L1 = 2 };

typedef struct {
    int64_t n;
    int64_t dim;
    int64_t metric;
    int64_t entry;
    int64_t max_level;
    const float *vectors;
    const int8_t *codes;
    const float *scale;
    const int32_t *neighbors;
    const uint64_t *offsets;
    const int32_t *levels;
    const int32_t *cum;
} fx_graph;

typedef struct {
    float d;
    int32_t id;
} fx_item;

typedef struct {
    int64_t n_visited;
    uint32_t epoch;
    uint32_t *visited;
    int64_t n_cand;
    fx_item *cand;
    int64_t n_top;
    fx_item *top;
    int64_t n_query;
    float *query;
    int64_t n_code_query;
    int16_t *code_query;
    int64_t n_ids;
    int32_t *ids;
} fx_scratch;

typedef float v8f __attribute__((vector_size(32)));

static inline v8f load8(const float *p) {
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline float hsum(v8f v) {
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

typedef int32_t v8i __attribute__((vector_size(32)));

static inline v8f vabs(v8f v) { return (v8f)((v8i)v & 0x7fffffff); }

/* One distance over floats (x) or int8 codes (c) against the float query q. */
static inline __attribute__((always_inline)) float dist_f(int64_t metric, const float *q, const float *x, int64_t d) {
    v8f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
    int64_t j = 0;
    for (; j + 32 <= d; j += 32) {
        v8f x0 = load8(x + j), x1 = load8(x + j + 8), x2 = load8(x + j + 16),
            x3 = load8(x + j + 24);
        v8f q0 = load8(q + j), q1 = load8(q + j + 8), q2 = load8(q + j + 16),
            q3 = load8(q + j + 24);
        if (metric == FX_IP) {
            a0 += q0 * x0, a1 += q1 * x1, a2 += q2 * x2, a3 += q3 * x3;
        } else if (metric == FX_L2) {
            v8f t0 = q0 - x0, t1 = q1 - x1, t2 = q2 - x2, t3 = q3 - x3;
            a0 += t0 * t0, a1 += t1 * t1, a2 += t2 * t2, a3 += t3 * t3;
        } else {
            a0 += vabs(q0 - x0), a1 += vabs(q1 - x1), a2 += vabs(q2 - x2), a3 += vabs(q3 - x3);
        }
    }
    float s = hsum((a0 + a1) + (a2 + a3));
    for (; j < d; j++) {
        float t = metric == FX_IP ? q[j] * x[j] : q[j] - x[j];
        s += metric == FX_IP ? t : (metric == FX_L2 ? t * t : (t < 0 ? -t : t));
    }
    return metric == FX_IP ? -s : s;
}

/* The inner product of an int16 query with int8 codes (exact in int32 for |q| < 2^15,
 * |c| <= 127 and d < 2^16). */
static inline __attribute__((always_inline)) float dot_c(const int16_t *q, const int8_t *c,
                                                         int64_t d) {
    int64_t j = 0;
    int32_t s = 0;
#if defined(__AVX2__)
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    for (; j + 32 <= d; j += 32) {
        __m256i c0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(c + j)));
        __m256i c1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(c + j + 16)));
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(c0, _mm256_loadu_si256((const __m256i *)(q + j))));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(c1, _mm256_loadu_si256((const __m256i *)(q + j + 16))));
    }
    __m256i a = _mm256_add_epi32(a0, a1);
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
    s = _mm_cvtsi128_si32(h);
#endif
    for (; j < d; j++) s += (int32_t)q[j] * (int32_t)c[j];
    return (float)s;
}

/* The query in code space for the inner product, q*scale (q.x = (q*s).c), rounded to
 * int16 with one scale of its own: the walk only compares one query's distances. */
static void code_query(const fx_graph *g, const float *q, float *tmp, int16_t *out) {
    float peak = 0;
    for (int64_t j = 0; j < g->dim; j++) {
        tmp[j] = q[j] * g->scale[j];
        float a = tmp[j] < 0 ? -tmp[j] : tmp[j];
        if (a > peak) peak = a;
    }
    float f = peak > 0 ? 32767.0f / peak : 0.0f;
    for (int64_t j = 0; j < g->dim; j++) out[j] = (int16_t)__builtin_lrintf(tmp[j] * f);
}

#define INLINE static inline __attribute__((always_inline))
#ifndef FX_PREFETCH_LINES
#define FX_PREFETCH_LINES 8
#endif

INLINE float node_dist(const fx_graph *g, int64_t metric, int coded, const float *q,
                       const int16_t *qc, int32_t v) {
    if (coded) return -dot_c(qc, g->codes + (int64_t)v * g->dim, g->dim);
    return dist_f(metric, q, g->vectors + (int64_t)v * g->dim, g->dim);
}

INLINE void prefetch_node(const fx_graph *g, int coded, int32_t v) {
    const char *p = coded ? (const char *)(g->codes + (int64_t)v * g->dim)
                          : (const char *)(g->vectors + (int64_t)v * g->dim);
    int64_t bytes = coded ? g->dim : 4 * g->dim;
    for (int64_t off = 0; off < bytes && off < 64 * FX_PREFETCH_LINES; off += 64)
        __builtin_prefetch(p + off, 0, 3);
}

/* min-heap (cand) and max-heap (top) on d */
static void push_min(fx_item *h, int64_t *n, fx_item it) {
    int64_t i = (*n)++;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (h[p].d <= it.d) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = it;
}

static fx_item pop_min(fx_item *h, int64_t *n) {
    fx_item top = h[0], last = h[--(*n)];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1].d < h[c].d) c++;
        if (last.d <= h[c].d) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

static void push_max(fx_item *h, int64_t *n, fx_item it) {
    int64_t i = (*n)++;
    while (i > 0) {
        int64_t p = (i - 1) / 2;
        if (h[p].d >= it.d) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = it;
}

static void pop_max(fx_item *h, int64_t *n) {
    fx_item last = h[--(*n)];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1].d > h[c].d) c++;
        if (last.d >= h[c].d) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
}

static int grow(void **p, int64_t *cap, int64_t want, size_t size, int zero) {
    if (*cap >= want) return 0;
    void *q = realloc(*p, (size_t)want * size);
    if (!q) return -1;
    if (zero) memset((char *)q + (size_t)*cap * size, 0, (size_t)(want - *cap) * size);
    *p = q;
    *cap = want;
    return 0;
}

fx_scratch *fx_scratch_new(void) { return calloc(1, sizeof(fx_scratch)); }

void fx_scratch_free(fx_scratch *s) {
    if (!s) return;
    free(s->visited);
    free(s->cand);
    free(s->top);
    free(s->query);
    free(s->code_query);
    free(s->ids);
    free(s);
}

static int cmp_item(const void *a, const void *b) {
    float x = ((const fx_item *)a)->d, y = ((const fx_item *)b)->d;
    return (x > y) - (x < y);
}

static inline int allowed_at(const uint8_t *bits, int32_t v) {
    return !bits || ((bits[v >> 3] >> (v & 7)) & 1);
}

INLINE int64_t search(const fx_graph *g, int64_t metric, int coded, fx_scratch *s,
                      const float *q, int64_t k, int64_t ef, const uint8_t *allowed,
                      float *out_d, int64_t *out_i) {
    for (int64_t i = 0; i < k; i++) out_d[i] = 0, out_i[i] = -1;
    if (g->n <= 0 || g->entry < 0 || k <= 0) return 0;
    if (ef < k) ef = k;
    int64_t m0 = g->cum[1] - g->cum[0];
    int64_t width = m0 > g->cum[g->max_level + 1] ? m0 : g->cum[g->max_level + 1];
    if (grow((void **)&s->visited, &s->n_visited, g->n, sizeof(uint32_t), 1) ||
        grow((void **)&s->ids, &s->n_ids, width + 1, sizeof(int32_t), 0) ||
        grow((void **)&s->query, &s->n_query, g->dim, sizeof(float), 0) ||
        grow((void **)&s->code_query, &s->n_code_query, g->dim, sizeof(int16_t), 0))
        return -1;
    if (grow((void **)&s->cand, &s->n_cand, 4 * ef + m0 + 1, sizeof(fx_item), 0) ||
        grow((void **)&s->top, &s->n_top, ef + 2, sizeof(fx_item), 0))
        return -1;
    if (++s->epoch == 0) {
        memset(s->visited, 0, (size_t)s->n_visited * sizeof(uint32_t));
        s->epoch = 1;
    }
    uint32_t epoch = s->epoch;
    uint32_t *visited = s->visited;
    int16_t *qc = s->code_query;
    if (coded) code_query(g, q, s->query, qc);

    int32_t cur = (int32_t)g->entry;
    float d_cur = node_dist(g, metric, coded, q, qc, cur);
    for (int64_t level = g->max_level; level >= 1; level--) {
        int changed = 1;
        while (changed) {
            changed = 0;
            const int32_t *nb = g->neighbors + g->offsets[cur] + g->cum[level];
            int64_t count = g->cum[level + 1] - g->cum[level];
            for (int64_t j = 0; j < count && nb[j] >= 0; j++) prefetch_node(g, coded, nb[j]);
            for (int64_t j = 0; j < count; j++) {
                int32_t v = nb[j];
                if (v < 0) break;
                if (v >= g->n) continue;
                float d = node_dist(g, metric, coded, q, qc, v);
                if (d < d_cur) cur = v, d_cur = d, changed = 1;
            }
        }
    }

    fx_item *top = s->top;
    int64_t n_cand = 0, n_top = 0;
    float bound = __builtin_inff();
    visited[cur] = epoch;
    push_min(s->cand, &n_cand, (fx_item){d_cur, cur});
    if (allowed_at(allowed, cur)) {
        push_max(top, &n_top, (fx_item){d_cur, cur});
        bound = d_cur;
    }
    int32_t *ids = s->ids;
    while (n_cand > 0) {
        if (s->cand[0].d > bound && n_top >= ef) break;
        fx_item c = pop_min(s->cand, &n_cand);
        const int32_t *nb = g->neighbors + g->offsets[c.id];
        int64_t fresh = 0;
        for (int64_t j = 0; j < m0; j++) {
            int32_t v = nb[j];
            if (v < 0) break;
            if (v >= g->n || visited[v] == epoch) continue;
            visited[v] = epoch;
            ids[fresh++] = v;
        }
        if (grow((void **)&s->cand, &s->n_cand, 2 * (n_cand + fresh), sizeof(fx_item), 0))
            return -1;
        fx_item *cand = s->cand;
        if (fresh) prefetch_node(g, coded, ids[0]);
        for (int64_t j = 0; j < fresh; j++) {
            int32_t v = ids[j];
            if (j + 1 < fresh) prefetch_node(g, coded, ids[j + 1]);
            float d = node_dist(g, metric, coded, q, qc, v);
            if (n_top < ef || d < bound) {
                push_min(cand, &n_cand, (fx_item){d, v});
                if (allowed_at(allowed, v)) {
                    push_max(top, &n_top, (fx_item){d, v});
                    if (n_top > ef) pop_max(top, &n_top);
                    bound = top[0].d;
                }
            }
        }
    }
    if (coded) {
        for (int64_t i = 0; i < n_top; i++)
            prefetch_node(g, 0, top[i].id);
        for (int64_t i = 0; i < n_top; i++)
            top[i].d = dist_f(metric, q, g->vectors + (int64_t)top[i].id * g->dim, g->dim);
    }
    qsort(top, (size_t)n_top, sizeof(fx_item), cmp_item);
    int64_t found = n_top < k ? n_top : k;
    for (int64_t i = 0; i < found; i++) {
        out_d[i] = metric == FX_IP ? -top[i].d : top[i].d;
        out_i[i] = top[i].id;
    }
    return found;
}

#define SEARCH(m, c) search(g, m, c, s, q, k, ef, allowed, out_d, out_i)

/* The k best allowed nodes for query q with beam width ef: their scores (inner
 * products, squared L2 or L1 distances) in out_d and their ids in out_i, best first, -1
 * padded. Returns how many were found, or -1 when out of memory. */
int64_t fx_search(const fx_graph *g, fx_scratch *s, const float *q, int64_t k, int64_t ef,
                  const uint8_t *allowed, float *out_d, int64_t *out_i) {
    int coded = g->codes != NULL;
    switch (g->metric) {
    case FX_IP: return coded ? SEARCH(FX_IP, 1) : SEARCH(FX_IP, 0);
    case FX_L2: return coded ? SEARCH(FX_L2, 1) : SEARCH(FX_L2, 0);
    default: return coded ? SEARCH(FX_L1, 1) : SEARCH(FX_L1, 0);
    }
}

/* fx_search for n queries (rows of q, dim floats apart), outputs k apart. */
int64_t fx_search_many(const fx_graph *g, fx_scratch *s, const float *q, int64_t n,
                       int64_t k, int64_t ef, const uint8_t *allowed, float *out_d,
                       int64_t *out_i) {
    for (int64_t i = 0; i < n; i++)
        if (fx_search(g, s, q + i * g->dim, k, ef, allowed, out_d + i * k, out_i + i * k) < 0)
            return -1;
    return n;
}
