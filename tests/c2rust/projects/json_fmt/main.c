/* A JSON pretty-printer: recursive-descent parser into a tree, printer with indentation. */
#include <stdio.h>
#include <stdlib.h>
#include "json.h"

static char text[16384];

int main(int argc, char **argv) {
    int indent = argc > 1 ? atoi(argv[1]) : 2;
    int n = 0, c;
    while (n < (int)sizeof text - 1 && (c = getchar()) != EOF)
        text[n++] = (char)c;
    text[n] = '\0';
    const char *where = NULL;
    JsonValue *root = json_parse(text, &where);
    if (!root) {
        printf("syntax error at offset %d\n", (int)(where - text));
        return 1;
    }
    json_print(root, indent, 0);
    printf("\n%d values\n", json_count(root));
    json_free(root);
    return 0;
}
