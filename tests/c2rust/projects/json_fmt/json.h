#ifndef JSON_H
#define JSON_H

typedef enum { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } JsonType;

typedef struct JsonValue JsonValue;

struct JsonValue {
    JsonType type;
    int boolean;
    double number;
    char *string;          /* J_STRING value, or the key of an object member */
    JsonValue *child;      /* first element / member */
    JsonValue *next;       /* next sibling */
};

JsonValue *json_parse(const char *text, const char **error_at);
void json_free(JsonValue *v);
void json_print(const JsonValue *v, int indent, int depth);
int json_count(const JsonValue *v);

#endif
