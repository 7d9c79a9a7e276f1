/* Word frequencies with a chained hash table; static locals, strdup, realloc, sorting by count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#define BUCKETS 101

struct entry {
    char *word;
    int count;
    struct entry *next;
};

static struct entry *table[BUCKETS];

unsigned hash_word(const char *s) {
    unsigned h = 2166136261u;
    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 16777619u;
    }
    return h;
}

int next_id(void) {
    static int id = 0;
    return ++id;
}

struct entry *lookup(const char *w, int create) {
    unsigned b = hash_word(w) % BUCKETS;
    for (struct entry *e = table[b]; e; e = e->next)
        if (strcmp(e->word, w) == 0)
            return e;
    if (!create)
        return NULL;
    struct entry *e = malloc(sizeof *e);
    e->word = strdup(w);
    e->count = 0;
    e->next = table[b];
    table[b] = e;
    next_id();
    return e;
}

int read_word(char *buf, int cap) {
    int c, n = 0;
    while ((c = getchar()) != EOF && !isalpha(c))
        ;
    if (c == EOF)
        return 0;
    do {
        if (n < cap - 1)
            buf[n++] = (char)tolower(c);
        c = getchar();
    } while (c != EOF && (isalpha(c) || c == '\''));
    buf[n] = '\0';
    return n;
}

int main(int argc, char **argv) {
    char word[64];
    int total = 0, top = argc > 1 ? atoi(argv[1]) : 5;
    while (read_word(word, sizeof word) > 0) {
        lookup(word, 1)->count++;
        total++;
    }
    int distinct = next_id() - 1;
    struct entry **all = NULL;
    int n = 0, cap = 0;
    for (int b = 0; b < BUCKETS; b++)
        for (struct entry *e = table[b]; e; e = e->next) {
            if (n == cap) {
                cap = cap ? cap * 2 : 4;
                all = realloc(all, sizeof(struct entry *) * cap);
            }
            all[n++] = e;
        }
    for (int i = 1; i < n; i++) {
        struct entry *key = all[i];
        int j = i - 1;
        while (j >= 0 && (all[j]->count < key->count ||
                          (all[j]->count == key->count && strcmp(all[j]->word, key->word) > 0))) {
            all[j + 1] = all[j];
            j--;
        }
        all[j + 1] = key;
    }
    printf("%d words, %d distinct\n", total, distinct);
    for (int i = 0; i < n && i < top; i++)
        printf("%3d %s\n", all[i]->count, all[i]->word);
    struct entry *the = lookup("the", 0);
    printf("'the': %d\n", the ? the->count : 0);
    for (int i = 0; i < n; i++) {
        free(all[i]->word);
        free(all[i]);
    }
    free(all);
    return 0;
}
