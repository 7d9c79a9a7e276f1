/* An inventory sorted with qsort and searched with bsearch: typed comparators over void pointers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ITEMS 64

typedef struct {
    char sku[12];
    char name[32];
    int quantity;
    double price;
} Item;

static Item items[MAX_ITEMS];
static int item_count;

int by_sku(const void *a, const void *b) {
    const Item *x = (const Item *)a, *y = (const Item *)b;
    return strcmp(x->sku, y->sku);
}

int by_value_desc(const void *a, const void *b) {
    const Item *x = a;
    const Item *y = b;
    double vx = x->quantity * x->price, vy = y->quantity * y->price;
    return (vx < vy) - (vx > vy);
}

int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int sku_key(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const Item *)elem)->sku);
}

Item *find(const char *sku) {
    return (Item *)bsearch(sku, items, (size_t)item_count, sizeof(Item), sku_key);
}

int main(void) {
    char sku[12], name[32];
    int qty;
    double price;
    while (item_count < MAX_ITEMS && scanf("%11s %31s %d %lf", sku, name, &qty, &price) == 4) {
        Item *it = &items[item_count++];
        strcpy(it->sku, sku);
        strcpy(it->name, name);
        it->quantity = qty;
        it->price = price;
    }
    qsort(items, (size_t)item_count, sizeof(Item), by_sku);
    printf("%-8s %-12s %5s %9s\n", "sku", "name", "qty", "price");
    for (int i = 0; i < item_count; i++)
        printf("%-8s %-12s %5d %9.2f\n", items[i].sku, items[i].name, items[i].quantity, items[i].price);
    const char *wanted[] = {"B200", "Z999", "A100"};
    for (int i = 0; i < 3; i++) {
        Item *it = find(wanted[i]);
        if (it)
            printf("found %s: %s x%d\n", wanted[i], it->name, it->quantity);
        else
            printf("no %s\n", wanted[i]);
    }
    int qtys[MAX_ITEMS];
    for (int i = 0; i < item_count; i++)
        qtys[i] = items[i].quantity;
    qsort(qtys, (size_t)item_count, sizeof qtys[0], cmp_int);
    if (item_count)
        printf("median quantity %d\n", qtys[item_count / 2]);
    qsort(items, (size_t)item_count, sizeof(Item), by_value_desc);
    double total = 0;
    for (int i = 0; i < item_count; i++)
        total += items[i].quantity * items[i].price;
    printf("most valuable: %s; total %.2f\n", item_count ? items[0].name : "-", total);
    return 0;
}
