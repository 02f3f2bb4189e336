#include "common/json_write.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 2048 /* as jansson's parser: deeper values are not written */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool failed;
} buf_t;

static bool reserve(buf_t *b, size_t more)
{
    if (b->failed)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void put(buf_t *b, const char *s, size_t n)
{
    if (reserve(b, n)) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

static void put_char(buf_t *b, char c)
{
    if (reserve(b, 1))
        b->p[b->len++] = c;
}

/* A JSON string: runs without anything to escape are copied whole. */
static void put_string(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF"; /* as jansson */
    put_char(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(b, s + start, i - start);
        start = i + 1;
        char esc[7] = {'\\', 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        put(b, esc, elen);
    }
    put(b, s + start, n - start);
    put_char(b, '"');
}

/* As jansson: %.13g, and ".0" when that looks like an integer. */
static void put_real(buf_t *b, double v)
{
    char num[64];
    int n = snprintf(num, sizeof num, "%.13g", v);
    if (n <= 0 || (size_t)n >= sizeof num - 3) {
        b->failed = true;
        return;
    }
    if (strspn(num, "-0123456789") == (size_t)n) {
        memcpy(num + n, ".0", 3);
        n += 2;
    }
    char *e = strchr(num, 'e');
    if (e != NULL) { /* "1e+07" -> "1e7", as jansson writes exponents */
        char *d = e + 1, *s = e + 1;
        if (*s == '-')
            *d++ = *s++;
        else if (*s == '+')
            s++;
        while (*s == '0' && s[1] != '\0')
            s++;
        memmove(d, s, strlen(s) + 1);
        n = (int)strlen(num);
    }
    put(b, num, (size_t)n);
}

static void put_value(buf_t *b, const json_t *j, int depth)
{
    if (depth > MAX_DEPTH) {
        b->failed = true;
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        put_char(b, '{');
        const char *key;
        json_t *v;
        bool first = true;
        void *iter = json_object_iter((json_t *)j);
        for (; iter != NULL; iter = json_object_iter_next((json_t *)j, iter)) {
            key = json_object_iter_key(iter);
            v = json_object_iter_value(iter);
            if (!first)
                put_char(b, ',');
            first = false;
            put_string(b, key, json_object_iter_key_len(iter));
            put_char(b, ':');
            put_value(b, v, depth + 1);
        }
        put_char(b, '}');
        break;
    }
    case JSON_ARRAY: {
        put_char(b, '[');
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                put_char(b, ',');
            put_value(b, json_array_get(j, i), depth + 1);
        }
        put_char(b, ']');
        break;
    }
    case JSON_STRING:
        put_string(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER: {
        char num[32];
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
        put(b, num, (size_t)n);
        break;
    }
    case JSON_REAL:
        put_real(b, json_real_value(j));
        break;
    case JSON_TRUE:
        put(b, "true", 4);
        break;
    case JSON_FALSE:
        put(b, "false", 5);
        break;
    case JSON_NULL:
        put(b, "null", 4);
        break;
    }
}

char *json_write(const json_t *j, size_t *len)
{
    if (j == NULL)
        return NULL;
    buf_t b = {0};
    put_value(&b, j, 0);
    if (b.failed || !reserve(&b, 0)) {
        free(b.p);
        return NULL;
    }
    b.p[b.len] = '\0';
    if (len != NULL)
        *len = b.len;
    return b.p;
}
