/* Sorting algorithms on int arrays, chosen through function pointers; checks against each other. */
#include <stdio.h>
#include <stdlib.h>

#define MAXN 256

typedef void (*sorter)(int *, int);

static int comparisons;

static int less(int a, int b) {
    comparisons++;
    return a < b;
}

void insertion_sort(int *a, int n) {
    for (int i = 1; i < n; i++) {
        int key = a[i], j = i - 1;
        while (j >= 0 && less(key, a[j])) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = key;
    }
}

static void swap(int *x, int *y) {
    int t = *x;
    *x = *y;
    *y = t;
}

static void quick_rec(int *a, int lo, int hi) {
    if (lo >= hi)
        return;
    int pivot = a[(lo + hi) / 2], i = lo, j = hi;
    while (i <= j) {
        while (less(a[i], pivot)) i++;
        while (less(pivot, a[j])) j--;
        if (i <= j) {
            swap(&a[i], &a[j]);
            i++, j--;
        }
    }
    quick_rec(a, lo, j);
    quick_rec(a, i, hi);
}

void quick_sort(int *a, int n) { quick_rec(a, 0, n - 1); }

static void merge_rec(int *a, int *tmp, int lo, int hi) {
    if (hi - lo < 2)
        return;
    int mid = lo + (hi - lo) / 2;
    merge_rec(a, tmp, lo, mid);
    merge_rec(a, tmp, mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        tmp[k++] = less(a[j], a[i]) ? a[j++] : a[i++];
    while (i < mid)
        tmp[k++] = a[i++];
    while (j < hi)
        tmp[k++] = a[j++];
    for (k = lo; k < hi; k++)
        a[k] = tmp[k];
}

void merge_sort(int *a, int n) {
    int *tmp = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    merge_rec(a, tmp, 0, n);
    free(tmp);
}

static void sift_down(int *a, int start, int end) {
    int root = start;
    while (2 * root + 1 <= end) {
        int child = 2 * root + 1, sw = root;
        if (less(a[sw], a[child]))
            sw = child;
        if (child + 1 <= end && less(a[sw], a[child + 1]))
            sw = child + 1;
        if (sw == root)
            return;
        swap(a + root, a + sw);
        root = sw;
    }
}

void heap_sort(int *a, int n) {
    for (int start = (n - 2) / 2; start >= 0; start--)
        sift_down(a, start, n - 1);
    for (int end = n - 1; end > 0; end--) {
        swap(&a[0], &a[end]);
        sift_down(a, 0, end - 1);
    }
}

int is_sorted(const int *a, int n) {
    for (int i = 1; i < n; i++)
        if (a[i - 1] > a[i])
            return 0;
    return 1;
}

int main(int argc, char **argv) {
    int data[MAXN], work[MAXN], n = 0;
    unsigned seed = argc > 1 ? (unsigned)atoi(argv[1]) : 1u;
    int count = argc > 2 ? atoi(argv[2]) : 20;
    if (count > MAXN)
        count = MAXN;
    srand(seed);
    for (n = 0; n < count; n++)
        data[n] = rand() % 1000 - 500;
    const char *names[] = {"insertion", "quick", "merge", "heap"};
    sorter sorters[] = {insertion_sort, quick_sort, merge_sort, heap_sort};
    for (int s = 0; s < 4; s++) {
        for (int i = 0; i < n; i++)
            work[i] = data[i];
        comparisons = 0;
        sorters[s](work, n);
        printf("%-9s sorted=%d comparisons=%d first=%d last=%d\n", names[s], is_sorted(work, n),
               comparisons, n ? work[0] : 0, n ? work[n - 1] : 0);
    }
    for (int i = 0; i < n && i < 10; i++)
        printf("%d%c", work[i], i == 9 || i == n - 1 ? '\n' : ' ');
    return 0;
}
