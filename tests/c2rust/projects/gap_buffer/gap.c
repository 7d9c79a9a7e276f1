/* A gap-buffer text editor driven by commands: insert, move, delete, undo stack, search. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *buf;
    int cap;
    int gap_start, gap_end;
} Gap;

typedef struct {
    char kind;     /* 'i' insert, 'd' delete */
    int pos;
    char text[64];
} Edit;

static Edit undo_stack[128];
static int undo_top;

void gap_init(Gap *g, int cap) {
    g->buf = malloc((size_t)cap);
    g->cap = cap;
    g->gap_start = 0;
    g->gap_end = cap;
}

int gap_len(const Gap *g) { return g->cap - (g->gap_end - g->gap_start); }

void gap_grow(Gap *g) {
    int new_cap = g->cap * 2;
    char *nb = malloc((size_t)new_cap);
    int tail = g->cap - g->gap_end;
    memcpy(nb, g->buf, (size_t)g->gap_start);
    memcpy(nb + new_cap - tail, g->buf + g->gap_end, (size_t)tail);
    free(g->buf);
    g->buf = nb;
    g->gap_end = new_cap - tail;
    g->cap = new_cap;
}

void gap_move(Gap *g, int pos) {
    if (pos < 0)
        pos = 0;
    if (pos > gap_len(g))
        pos = gap_len(g);
    while (g->gap_start > pos)
        g->buf[--g->gap_end] = g->buf[--g->gap_start];
    while (g->gap_start < pos)
        g->buf[g->gap_start++] = g->buf[g->gap_end++];
}

void gap_insert(Gap *g, const char *s) {
    for (; *s; s++) {
        if (g->gap_start == g->gap_end)
            gap_grow(g);
        g->buf[g->gap_start++] = *s;
    }
}

int gap_delete(Gap *g, int n, char *removed) {
    int k = 0;
    while (k < n && g->gap_end < g->cap) {
        if (removed && k < 63)
            removed[k] = g->buf[g->gap_end];
        g->gap_end++;
        k++;
    }
    if (removed)
        removed[k < 63 ? k : 63] = '\0';
    return k;
}

void gap_text(const Gap *g, char *out) {
    int n = 0;
    for (int i = 0; i < g->gap_start; i++)
        out[n++] = g->buf[i];
    for (int i = g->gap_end; i < g->cap; i++)
        out[n++] = g->buf[i];
    out[n] = '\0';
}

int find(const Gap *g, const char *needle) {
    static char text[4096];
    gap_text(g, text);
    char *hit = strstr(text, needle);
    return hit ? (int)(hit - text) : -1;
}

void undo(Gap *g) {
    if (undo_top == 0) {
        printf("nothing to undo\n");
        return;
    }
    Edit *e = &undo_stack[--undo_top];
    gap_move(g, e->pos);
    if (e->kind == 'i')
        gap_delete(g, (int)strlen(e->text), NULL);
    else
        gap_insert(g, e->text);
}

int main(void) {
    Gap g;
    char cmd[8], arg[64], text[4096];
    gap_init(&g, 8);
    while (scanf("%7s", cmd) == 1) {
        if (strcmp(cmd, "ins") == 0 && scanf("%63s", arg) == 1) {
            Edit *e = &undo_stack[undo_top < 127 ? undo_top++ : 127];
            e->kind = 'i';
            e->pos = g.gap_start;
            strcpy(e->text, arg);
            gap_insert(&g, arg);
        } else if (strcmp(cmd, "sp") == 0) {
            gap_insert(&g, " ");
        } else if (strcmp(cmd, "mv") == 0) {
            int pos;
            if (scanf("%d", &pos) == 1)
                gap_move(&g, pos);
        } else if (strcmp(cmd, "del") == 0) {
            int n;
            if (scanf("%d", &n) == 1) {
                Edit *e = &undo_stack[undo_top < 127 ? undo_top++ : 127];
                e->kind = 'd';
                e->pos = g.gap_start;
                gap_delete(&g, n, e->text);
            }
        } else if (strcmp(cmd, "find") == 0 && scanf("%63s", arg) == 1) {
            printf("find %s -> %d\n", arg, find(&g, arg));
        } else if (strcmp(cmd, "undo") == 0) {
            undo(&g);
        } else if (strcmp(cmd, "show") == 0) {
            gap_text(&g, text);
            printf("[%s] len=%d cursor=%d cap=%d\n", text, gap_len(&g), g.gap_start, g.cap);
        } else {
            printf("bad command %s\n", cmd);
        }
    }
    gap_text(&g, text);
    printf("final: %s\n", text);
    free(g.buf);
    return 0;
}
