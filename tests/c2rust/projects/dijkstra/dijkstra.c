/* Shortest paths on a weighted grid: Dijkstra with a binary heap, path reconstruction. */
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>

#define MAXW 32
#define MAXH 32

typedef struct {
    int dist;
    int cell;
} HeapItem;

typedef struct {
    HeapItem *items;
    int size, cap;
} Heap;

static int width, height;
static int cost[MAXH * MAXW];
static int dist[MAXH * MAXW];
static int prev_cell[MAXH * MAXW];

static void heap_push(Heap *h, int d, int cell) {
    if (h->size == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->items = realloc(h->items, sizeof(HeapItem) * (size_t)h->cap);
    }
    int i = h->size++;
    while (i > 0) {
        int parent = (i - 1) / 2;
        if (h->items[parent].dist <= d)
            break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i].dist = d;
    h->items[i].cell = cell;
}

static HeapItem heap_pop(Heap *h) {
    HeapItem top = h->items[0], last = h->items[--h->size];
    int i = 0;
    for (;;) {
        int child = 2 * i + 1;
        if (child >= h->size)
            break;
        if (child + 1 < h->size && h->items[child + 1].dist < h->items[child].dist)
            child++;
        if (last.dist <= h->items[child].dist)
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    if (h->size > 0)
        h->items[i] = last;
    return top;
}

int shortest(int from, int to) {
    static const int dr[] = {-1, 1, 0, 0}, dc[] = {0, 0, -1, 1};
    Heap h = {NULL, 0, 0};
    for (int i = 0; i < width * height; i++) {
        dist[i] = INT_MAX;
        prev_cell[i] = -1;
    }
    dist[from] = 0;
    heap_push(&h, 0, from);
    int settled = 0;
    while (h.size > 0) {
        HeapItem it = heap_pop(&h);
        if (it.dist > dist[it.cell])
            continue;
        settled++;
        if (it.cell == to)
            break;
        int r = it.cell / width, c = it.cell % width;
        for (int k = 0; k < 4; k++) {
            int nr = r + dr[k], nc = c + dc[k];
            if (nr < 0 || nr >= height || nc < 0 || nc >= width)
                continue;
            int n = nr * width + nc;
            if (cost[n] < 0)
                continue;
            int nd = it.dist + cost[n];
            if (nd < dist[n]) {
                dist[n] = nd;
                prev_cell[n] = it.cell;
                heap_push(&h, nd, n);
            }
        }
    }
    free(h.items);
    return settled;
}

int main(void) {
    if (scanf("%d %d", &width, &height) != 2 || width < 1 || height < 1 || width > MAXW || height > MAXH) {
        printf("bad size\n");
        return 2;
    }
    for (int i = 0; i < width * height; i++) {
        char ch;
        if (scanf(" %c", &ch) != 1) {
            printf("short grid\n");
            return 2;
        }
        cost[i] = ch == '#' ? -1 : ch - '0';
    }
    int target = width * height - 1;
    int settled = shortest(0, target);
    if (dist[target] == INT_MAX) {
        printf("unreachable (settled %d)\n", settled);
        return 1;
    }
    printf("cost %d, settled %d\n", dist[target], settled);
    char path[MAXH * MAXW];
    for (int i = 0; i < width * height; i++)
        path[i] = cost[i] < 0 ? '#' : '.';
    for (int cell = target; cell != -1; cell = prev_cell[cell])
        path[cell] = '*';
    for (int r = 0; r < height; r++) {
        for (int c = 0; c < width; c++)
            putchar(path[r * width + c]);
        putchar('\n');
    }
    return 0;
}
