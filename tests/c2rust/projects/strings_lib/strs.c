/* String utilities over char pointers: walking, copying, searching, tokenising. */
#include <stdio.h>
#include <string.h>
#include <ctype.h>

#define LINE 256

size_t my_strlen(const char *s) {
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

void my_strcpy(char *dst, const char *src) {
    while ((*dst++ = *src++) != '\0')
        ;
}

int my_strcmp(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

void reverse(char *s) {
    char *end = s + strlen(s) - 1;
    while (s < end) {
        char t = *s;
        *s = *end;
        *end = t;
        s++;
        end--;
    }
}

int is_palindrome(const char *s) {
    int i = 0, j = (int)strlen(s) - 1;
    while (i < j) {
        while (i < j && !isalnum((unsigned char)s[i]))
            i++;
        while (i < j && !isalnum((unsigned char)s[j]))
            j--;
        if (tolower((unsigned char)s[i]) != tolower((unsigned char)s[j]))
            return 0;
        i++;
        j--;
    }
    return 1;
}

int count_words(const char *s) {
    int n = 0, in_word = 0;
    for (; *s; s++) {
        if (isspace((unsigned char)*s)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            n++;
        }
    }
    return n;
}

void to_upper(char *s) {
    for (int i = 0; s[i]; i++)
        s[i] = (char)toupper((unsigned char)s[i]);
}

char *find_char(char *s, char c) {
    while (*s) {
        if (*s == c)
            return s;
        s++;
    }
    return NULL;
}

void strip_newline(char *s) {
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
}

int caesar(char *s, int shift) {
    int changed = 0;
    for (char *p = s; *p; ++p) {
        if (*p >= 'a' && *p <= 'z') {
            *p = (char)('a' + (*p - 'a' + shift) % 26);
            changed++;
        } else if (*p >= 'A' && *p <= 'Z') {
            *p = (char)('A' + (*p - 'A' + shift) % 26);
            changed++;
        }
    }
    return changed;
}

int main(void) {
    char line[LINE];
    char copy[LINE];
    int lineno = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        strip_newline(line);
        lineno++;
        my_strcpy(copy, line);
        printf("%d: '%s' len=%zu words=%d", lineno, line, my_strlen(line), count_words(line));
        printf(" palindrome=%s", is_palindrome(line) ? "yes" : "no");
        if (my_strlen(copy) > 0) {
            reverse(copy);
            printf(" reversed='%s'", copy);
        }
        to_upper(copy);
        printf(" upper='%s'", copy);
        char *comma = find_char(line, ',');
        if (comma)
            printf(" after-comma='%s'", comma + 1);
        int n = caesar(line, 3);
        printf(" caesar(%d)='%s' cmp=%d\n", n, line, my_strcmp(line, copy) > 0 ? 1 : (my_strcmp(line, copy) < 0 ? -1 : 0));
    }
    printf("%d lines\n", lineno);
    return 0;
}
