/* Singly linked lists: build, reverse (iterative and recursive), sort, merge, free. */
#include <stdio.h>
#include <stdlib.h>

struct node {
    int value;
    struct node *next;
};

typedef struct node Node;

static int allocated = 0;

Node *node_new(int value, Node *next) {
    Node *n = (Node *)malloc(sizeof(Node));
    if (n == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    n->value = value;
    n->next = next;
    allocated++;
    return n;
}

void list_free(Node *head) {
    while (head) {
        Node *next = head->next;
        free(head);
        allocated--;
        head = next;
    }
}

int list_length(const Node *head) {
    int n = 0;
    for (; head != NULL; head = head->next)
        n++;
    return n;
}

Node *list_push_back(Node *head, int value) {
    Node *n = node_new(value, NULL);
    if (!head)
        return n;
    Node *cur = head;
    while (cur->next)
        cur = cur->next;
    cur->next = n;
    return head;
}

Node *list_reverse(Node *head) {
    Node *prev = NULL;
    while (head) {
        Node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

Node *list_reverse_rec(Node *head) {
    if (head == NULL || head->next == NULL)
        return head;
    Node *rest = list_reverse_rec(head->next);
    head->next->next = head;
    head->next = NULL;
    return rest;
}

Node *list_merge(Node *a, Node *b) {
    if (!a)
        return b;
    if (!b)
        return a;
    if (a->value <= b->value) {
        a->next = list_merge(a->next, b);
        return a;
    }
    b->next = list_merge(a, b->next);
    return b;
}

Node *list_sort(Node *head) {
    if (!head || !head->next)
        return head;
    Node *slow = head, *fast = head->next;
    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    Node *second = slow->next;
    slow->next = NULL;
    return list_merge(list_sort(head), list_sort(second));
}

int list_nth(const Node *head, int n, int *out) {
    while (head && n > 0) {
        head = head->next;
        n--;
    }
    if (!head)
        return 0;
    *out = head->value;
    return 1;
}

Node *list_remove_if(Node *head, int (*pred)(int)) {
    Node dummy;
    dummy.next = head;
    Node *prev = &dummy;
    while (prev->next) {
        if (pred(prev->next->value)) {
            Node *gone = prev->next;
            prev->next = gone->next;
            free(gone);
            allocated--;
        } else {
            prev = prev->next;
        }
    }
    return dummy.next;
}

static int is_even(int v) { return v % 2 == 0; }
static int is_negative(int v) { return v < 0; }

void list_print(const char *label, const Node *head) {
    printf("%s:", label);
    for (const Node *p = head; p; p = p->next)
        printf(" %d", p->value);
    printf(" (len %d)\n", list_length(head));
}

int main(void) {
    Node *head = NULL;
    int v, count = 0;
    while (scanf("%d", &v) == 1) {
        head = list_push_back(head, v);
        count++;
    }
    list_print("input", head);
    head = list_reverse(head);
    list_print("reversed", head);
    head = list_reverse_rec(head);
    list_print("restored", head);
    head = list_sort(head);
    list_print("sorted", head);
    int third;
    if (list_nth(head, 2, &third))
        printf("third=%d\n", third);
    else
        printf("no third element\n");
    head = list_remove_if(head, is_negative);
    list_print("non-negative", head);
    head = list_remove_if(head, is_even);
    list_print("odd", head);
    list_free(head);
    printf("read %d, still allocated %d\n", count, allocated);
    return count == 0 ? 3 : 0;
}
