/* A tokenizer as an explicit state machine: enums, switch with fall-through, goto, do/while. */
#include <stdio.h>

enum state { START, IN_NUMBER, IN_IDENT, IN_STRING, DONE };
enum kind { T_NUMBER = 1, T_IDENT, T_STRING, T_PUNCT };

static int counts[5];
static const char *kind_names[] = {"none", "number", "ident", "string", "punct"};

int char_class(int c) {
    if (c >= '0' && c <= '9')
        return 1;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
        return 2;
    if (c == '"')
        return 3;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        return 0;
    return 4;
}

int weight(int kind) {
    int w = 0;
    switch (kind) {
    case T_STRING:
        w += 100;
    case T_IDENT:
        w += 10;
    case T_NUMBER:
        w += 1;
        break;
    case T_PUNCT:
        w = -1;
        break;
    default:
        w = 0;
    }
    return w;
}

void emit(int kind, const char *text, int len) {
    counts[kind]++;
    printf("%-6s %.*s (w=%d)\n", kind_names[kind], len, text, weight(kind));
}

int tokenize(const char *s) {
    enum state st = START;
    const char *begin = s;
    int errors = 0;
    do {
        int c = *s;
        switch (st) {
        case START:
            begin = s;
            switch (char_class(c)) {
            case 1: st = IN_NUMBER; break;
            case 2: st = IN_IDENT; break;
            case 3: st = IN_STRING; break;
            case 4:
                if (c == 0) { st = DONE; break; }
                emit(T_PUNCT, s, 1);
                break;
            default:
                break;
            }
            if (st != DONE)
                s++;
            break;
        case IN_NUMBER:
            if (char_class(c) == 1) { s++; break; }
            emit(T_NUMBER, begin, (int)(s - begin));
            st = START;
            break;
        case IN_IDENT:
            if (char_class(c) == 1 || char_class(c) == 2) { s++; break; }
            emit(T_IDENT, begin, (int)(s - begin));
            st = START;
            break;
        case IN_STRING:
            if (c == 0)
                goto unterminated;
            s++;
            if (c == '"' && s - begin > 1) {
                emit(T_STRING, begin, (int)(s - begin));
                st = START;
            }
            break;
        case DONE:
            break;
        }
    } while (st != DONE);
    return errors;
unterminated:
    printf("error: unterminated string at offset %d\n", (int)(begin - s));
    errors++;
    return errors;
}

int main(void) {
    char buf[512];
    int n = 0, c;
    while (n < 511 && (c = getchar()) != EOF)
        buf[n++] = (char)c;
    buf[n] = 0;
    int errs = tokenize(buf);
    int i = 1;
    do {
        printf("%s=%d%s", kind_names[i], counts[i], i < 4 ? ", " : "\n");
        i++;
    } while (i <= 4);
    return errs ? 1 : 0;
}
