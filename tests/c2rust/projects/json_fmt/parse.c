#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "json.h"

typedef struct {
    const char *s;
    const char *err;
    int depth;
} Cursor;

static JsonValue *new_value(JsonType t) {
    JsonValue *v = calloc(1, sizeof(JsonValue));
    v->type = t;
    return v;
}

static void ws(Cursor *c) {
    while (isspace((unsigned char)*c->s))
        c->s++;
}

static JsonValue *value(Cursor *c);

static char *string_literal(Cursor *c) {
    if (*c->s != '"') {
        c->err = c->s;
        return NULL;
    }
    c->s++;
    int cap = 16, n = 0;
    char *out = malloc((size_t)cap);
    while (*c->s && *c->s != '"') {
        char ch = *c->s++;
        if (ch == '\\') {
            char e = *c->s++;
            switch (e) {
            case 'n': ch = '\n'; break;
            case 't': ch = '\t'; break;
            case '"': ch = '"'; break;
            case '\\': ch = '\\'; break;
            case '/': ch = '/'; break;
            default:
                c->err = c->s - 1;
                free(out);
                return NULL;
            }
        }
        if (n + 1 >= cap) {
            cap *= 2;
            out = realloc(out, (size_t)cap);
        }
        out[n++] = ch;
    }
    if (*c->s != '"') {
        c->err = c->s;
        free(out);
        return NULL;
    }
    c->s++;
    out[n] = '\0';
    return out;
}

static JsonValue *number(Cursor *c) {
    const char *start = c->s;
    int neg = 0;
    double v = 0, scale = 1;
    if (*c->s == '-') {
        neg = 1;
        c->s++;
    }
    if (!isdigit((unsigned char)*c->s)) {
        c->err = start;
        return NULL;
    }
    while (isdigit((unsigned char)*c->s))
        v = v * 10 + (*c->s++ - '0');
    if (*c->s == '.') {
        c->s++;
        while (isdigit((unsigned char)*c->s)) {
            scale /= 10;
            v += (*c->s++ - '0') * scale;
        }
    }
    JsonValue *j = new_value(J_NUMBER);
    j->number = neg ? -v : v;
    return j;
}

static JsonValue *list(Cursor *c, int object) {
    char close = object ? '}' : ']';
    JsonValue *head = new_value(object ? J_OBJECT : J_ARRAY), *tail = NULL;
    c->s++;
    if (++c->depth > 64) {
        c->err = c->s;
        return head;
    }
    ws(c);
    if (*c->s == close) {
        c->s++;
        c->depth--;
        return head;
    }
    for (;;) {
        char *key = NULL;
        ws(c);
        if (object) {
            key = string_literal(c);
            if (!key)
                return head;
            ws(c);
            if (*c->s != ':') {
                c->err = c->s;
                free(key);
                return head;
            }
            c->s++;
        }
        JsonValue *item = value(c);
        if (!item) {
            free(key);
            return head;
        }
        item->string = item->type == J_STRING && !object ? item->string : (key ? key : item->string);
        if (object && item->type == J_STRING) {
            /* keep the key; the string value moves to a child */
            JsonValue *s = new_value(J_STRING);
            s->string = item->string == key ? NULL : item->string;
            item->string = key;
            item->child = s;
        }
        if (tail)
            tail->next = item;
        else
            head->child = item;
        tail = item;
        ws(c);
        if (*c->s == ',') {
            c->s++;
            continue;
        }
        if (*c->s == close) {
            c->s++;
            c->depth--;
            return head;
        }
        c->err = c->s;
        return head;
    }
}

static JsonValue *value(Cursor *c) {
    ws(c);
    if (c->err)
        return NULL;
    if (*c->s == '{' || *c->s == '[')
        return list(c, *c->s == '{');
    if (*c->s == '"') {
        char *s = string_literal(c);
        if (!s)
            return NULL;
        JsonValue *v = new_value(J_STRING);
        v->string = s;
        return v;
    }
    if (strncmp(c->s, "true", 4) == 0 || strncmp(c->s, "false", 5) == 0) {
        JsonValue *v = new_value(J_BOOL);
        v->boolean = *c->s == 't';
        c->s += v->boolean ? 4 : 5;
        return v;
    }
    if (strncmp(c->s, "null", 4) == 0) {
        c->s += 4;
        return new_value(J_NULL);
    }
    return number(c);
}

JsonValue *json_parse(const char *text, const char **error_at) {
    Cursor c = {text, NULL, 0};
    JsonValue *v = value(&c);
    ws(&c);
    if (!c.err && *c.s)
        c.err = c.s;
    if (c.err) {
        *error_at = c.err;
        json_free(v);
        return NULL;
    }
    return v;
}

void json_free(JsonValue *v) {
    while (v) {
        JsonValue *next = v->next;
        json_free(v->child);
        free(v->string);
        free(v);
        v = next;
    }
}
