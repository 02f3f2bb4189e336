/* logs_filter.c - parsing and matching CloudWatch Logs filter patterns
 * (logs_filter.h). A recursive-descent parser over the pattern's bytes,
 * bounded in depth (FILTER_DEPTH_MAX) and in nodes (the pattern is at most
 * LOGS_FILTER_MAX bytes); JSON messages are parsed with jansson once per
 * match. */
#include "model/logs_filter.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FILTER_DEPTH_MAX 16
#define FILTER_TERMS_MAX 64
#define SELECTOR_PARTS_MAX 16

typedef enum { T_ALL, T_ANY, T_NONE } term_kind_t; /* plain, '?', '-' */

typedef struct term {
    char *text;
    size_t len;
    term_kind_t kind;
} term_t;

typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_TRUE, OP_FALSE, OP_NULL, OP_EXISTS, OP_NOT_EXISTS } op_t;

typedef struct sel_part {
    char *key; /* NULL: an index */
    size_t index;
} sel_part_t;

typedef struct node {
    enum { N_AND, N_OR, N_CMP } type;
    struct node *a, *b;
    sel_part_t parts[SELECTOR_PARTS_MAX];
    int n_parts;
    op_t op;
    bool is_num;
    double num;
    char *str; /* value text, '*' a wildcard */
} node_t;

struct logs_filter {
    term_t terms[FILTER_TERMS_MAX];
    int n_terms, n_any;
    node_t *json; /* non-NULL: a JSON pattern */
};

typedef struct parser {
    const char *start, *p, *end;
    ecs_error_t *err;
    int depth;
} parser_t;

static int fail(parser_t *ps, const char *what)
{
    return ecs_invalid_param(ps->err, "Invalid filter pattern: %s at character %d.", what, (int)(ps->p - ps->start) + 1);
}

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* A "quoted" string at ps->p (on the quote): its text, with \" and \\
 * unescaped. */
static int quoted(parser_t *ps, char **out, size_t *len)
{
    ps->p++; /* the opening quote */
    char *buf = malloc((size_t)(ps->end - ps->p) + 1);
    if (buf == NULL)
        return ecs_server_err(ps->err, "out of memory");
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p == '\\' && ps->p + 1 < ps->end)
            ps->p++;
        buf[n++] = *ps->p++;
    }
    if (ps->p == ps->end) {
        free(buf);
        return fail(ps, "unterminated quoted string");
    }
    ps->p++; /* the closing quote */
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

/* ---- term patterns ---- */

static int parse_terms(parser_t *ps, logs_filter_t *f)
{
    for (;;) {
        skip_ws(ps);
        if (ps->p == ps->end)
            return 0;
        if (f->n_terms == FILTER_TERMS_MAX)
            return fail(ps, "too many terms");
        term_t *t = &f->terms[f->n_terms];
        t->kind = T_ALL;
        if (*ps->p == '?' || *ps->p == '-') {
            t->kind = *ps->p == '?' ? T_ANY : T_NONE;
            ps->p++;
        }
        if (ps->p < ps->end && *ps->p == '"') {
            if (quoted(ps, &t->text, &t->len) < 0)
                return -1;
        } else {
            const char *start = ps->p;
            while (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\t' && *ps->p != '\n' && *ps->p != '\r' &&
                   *ps->p != '"')
                ps->p++;
            if (ps->p == start)
                return fail(ps, "a term is empty");
            if ((t->text = dup_n(start, (size_t)(ps->p - start))) == NULL)
                return ecs_server_err(ps->err, "out of memory");
            t->len = (size_t)(ps->p - start);
        }
        f->n_terms++;
        if (t->kind == T_ANY)
            f->n_any++;
    }
}

static bool contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return true;
    return nlen <= hlen && memmem(hay, hlen, needle, nlen) != NULL;
}

/* ---- JSON patterns ---- */

static void node_free(node_t *n)
{
    if (n == NULL)
        return;
    node_free(n->a);
    node_free(n->b);
    for (int i = 0; i < n->n_parts; i++)
        free(n->parts[i].key);
    free(n->str);
    free(n);
}

static bool word_at(parser_t *ps, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || strncasecmp(ps->p, w, n) != 0)
        return false;
    const char *after = ps->p + n;
    if (after < ps->end && (*after == '_' || (*after >= 'A' && *after <= 'Z') || (*after >= 'a' && *after <= 'z')))
        return false;
    ps->p = after;
    return true;
}

static bool ident_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '@';
}

static int parse_selector(parser_t *ps, node_t *n)
{
    if (ps->p == ps->end || *ps->p != '$')
        return fail(ps, "a selector must start with '$'");
    ps->p++;
    while (ps->p < ps->end && (*ps->p == '.' || *ps->p == '[')) {
        if (n->n_parts == SELECTOR_PARTS_MAX)
            return fail(ps, "the selector is too deep");
        sel_part_t *part = &n->parts[n->n_parts];
        if (*ps->p == '.') {
            const char *start = ++ps->p;
            while (ps->p < ps->end && ident_char(*ps->p))
                ps->p++;
            if (ps->p == start)
                return fail(ps, "a selector's member name is empty");
            if ((part->key = dup_n(start, (size_t)(ps->p - start))) == NULL)
                return ecs_server_err(ps->err, "out of memory");
        } else {
            ps->p++;
            size_t v = 0;
            const char *start = ps->p;
            while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9' && v < 1000000)
                v = v * 10 + (size_t)(*ps->p++ - '0');
            if (ps->p == start || ps->p == ps->end || *ps->p != ']')
                return fail(ps, "an array index must be digits in [ ]");
            ps->p++;
            part->index = v;
        }
        n->n_parts++;
    }
    if (n->n_parts == 0)
        return fail(ps, "a selector names no member");
    return 0;
}

static int parse_value(parser_t *ps, node_t *n)
{
    skip_ws(ps);
    if (ps->p == ps->end)
        return fail(ps, "a comparison has no value");
    size_t len = 0;
    if (*ps->p == '"')
        return quoted(ps, &n->str, &len);
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p != ' ' && *ps->p != ')' && *ps->p != '}' && *ps->p != '&' && *ps->p != '|' &&
           *ps->p != '\t')
        ps->p++;
    if (ps->p == start)
        return fail(ps, "a comparison has no value");
    if ((n->str = dup_n(start, (size_t)(ps->p - start))) == NULL)
        return ecs_server_err(ps->err, "out of memory");
    char *end = NULL;
    double d = strtod(n->str, &end);
    if (end != n->str && *end == '\0' && isfinite(d)) {
        n->is_num = true;
        n->num = d;
    }
    return 0;
}

static int parse_or(parser_t *ps, node_t **out);

static int parse_primary(parser_t *ps, node_t **out)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '(') {
        if (++ps->depth > FILTER_DEPTH_MAX)
            return fail(ps, "parentheses nest too deeply");
        ps->p++;
        if (parse_or(ps, out) < 0)
            return -1;
        skip_ws(ps);
        if (ps->p == ps->end || *ps->p != ')')
            return fail(ps, "')' expected");
        ps->p++;
        ps->depth--;
        return 0;
    }
    node_t *n = calloc(1, sizeof *n);
    if (n == NULL)
        return ecs_server_err(ps->err, "out of memory");
    *out = n;
    n->type = N_CMP;
    if (parse_selector(ps, n) < 0)
        return -1;
    skip_ws(ps);
    static const struct {
        const char *text;
        op_t op;
    } ops[] = {{"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"=", OP_EQ}, {"<", OP_LT}, {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t l = strlen(ops[i].text);
        if ((size_t)(ps->end - ps->p) >= l && memcmp(ps->p, ops[i].text, l) == 0) {
            ps->p += l;
            n->op = ops[i].op;
            if (parse_value(ps, n) < 0)
                return -1;
            if (n->op >= OP_LT && n->op <= OP_GE && !n->is_num)
                return fail(ps, "<, <=, > and >= compare numbers");
            return 0;
        }
    }
    if (word_at(ps, "IS")) {
        skip_ws(ps);
        if (word_at(ps, "TRUE"))
            n->op = OP_TRUE;
        else if (word_at(ps, "FALSE"))
            n->op = OP_FALSE;
        else if (word_at(ps, "NULL"))
            n->op = OP_NULL;
        else
            return fail(ps, "TRUE, FALSE or NULL expected after IS");
        return 0;
    }
    if (word_at(ps, "EXISTS")) {
        n->op = OP_EXISTS;
        return 0;
    }
    if (word_at(ps, "NOT")) {
        skip_ws(ps);
        if (!word_at(ps, "EXISTS"))
            return fail(ps, "EXISTS expected after NOT");
        n->op = OP_NOT_EXISTS;
        return 0;
    }
    return fail(ps, "an operator (=, !=, <, <=, >, >=, IS, EXISTS, NOT EXISTS) expected");
}

/* Left-assoc chain of `sub` joined by tok ("&&" or "||"). */
static int parse_chain(parser_t *ps, node_t **out, const char *tok, int type, int (*sub)(parser_t *, node_t **))
{
    if (sub(ps, out) < 0)
        return -1;
    for (;;) {
        skip_ws(ps);
        if ((size_t)(ps->end - ps->p) < 2 || memcmp(ps->p, tok, 2) != 0)
            return 0;
        ps->p += 2;
        node_t *n = calloc(1, sizeof *n);
        if (n == NULL)
            return ecs_server_err(ps->err, "out of memory");
        n->type = type;
        n->a = *out;
        *out = n;
        if (sub(ps, &n->b) < 0)
            return -1;
    }
}

static int parse_and(parser_t *ps, node_t **out) { return parse_chain(ps, out, "&&", N_AND, parse_primary); }
static int parse_or(parser_t *ps, node_t **out) { return parse_chain(ps, out, "||", N_OR, parse_and); }

int logs_filter_parse(const char *text, size_t len, logs_filter_t **out, ecs_error_t *err)
{
    if (len > LOGS_FILTER_MAX)
        return ecs_invalid_param(err, "filterPattern is longer than %d characters.", LOGS_FILTER_MAX);
    logs_filter_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return ecs_server_err(err, "out of memory");
    parser_t ps = {.start = text, .p = text, .end = text + len, .err = err};
    skip_ws(&ps);
    int rc;
    if (ps.p < ps.end && *ps.p == '{') {
        ps.p++;
        rc = parse_or(&ps, &f->json);
        skip_ws(&ps);
        if (rc == 0 && (ps.p == ps.end || *ps.p != '}'))
            rc = fail(&ps, "'}' expected");
        if (rc == 0) {
            ps.p++;
            skip_ws(&ps);
            if (ps.p != ps.end)
                rc = fail(&ps, "nothing may follow '}'");
        }
    } else if (ps.p < ps.end && *ps.p == '[') {
        rc = ecs_invalid_param(err, "Invalid filter pattern: space-delimited patterns ('[...]') are not supported "
                                    "by ecsd.");
    } else if (ps.p < ps.end && *ps.p == '%') {
        rc = ecs_invalid_param(err, "Invalid filter pattern: regular expressions ('%%...%%') are not supported "
                                    "by ecsd.");
    } else {
        rc = parse_terms(&ps, f);
    }
    if (rc < 0) {
        logs_filter_free(f);
        return -1;
    }
    *out = f;
    return 0;
}

/* Glob with '*' against s. */
static bool glob(const char *pat, const char *s, size_t slen)
{
    const char *star = NULL;
    size_t si = 0, star_si = 0;
    while (si < slen) {
        if (*pat == '*') {
            star = pat++;
            star_si = si;
        } else if (*pat != '\0' && *pat == s[si]) {
            pat++;
            si++;
        } else if (star != NULL) {
            pat = star + 1;
            si = ++star_si;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static const json_t *select_value(const node_t *n, const json_t *doc)
{
    const json_t *v = doc;
    for (int i = 0; v != NULL && i < n->n_parts; i++)
        v = n->parts[i].key ? json_object_get(v, n->parts[i].key) : json_array_get(v, n->parts[i].index);
    return v;
}

static bool eval(const node_t *n, const json_t *doc)
{
    if (n->type == N_AND)
        return eval(n->a, doc) && eval(n->b, doc);
    if (n->type == N_OR)
        return eval(n->a, doc) || eval(n->b, doc);
    const json_t *v = select_value(n, doc);
    switch (n->op) {
    case OP_EXISTS: return v != NULL;
    case OP_NOT_EXISTS: return v == NULL;
    case OP_TRUE: return v != NULL && json_is_true(v);
    case OP_FALSE: return v != NULL && json_is_false(v);
    case OP_NULL: return v != NULL && json_is_null(v);
    default: break;
    }
    if (v == NULL)
        return false;
    bool eq;
    if (json_is_number(v) && n->is_num) {
        double x = json_number_value(v);
        switch (n->op) {
        case OP_LT: return x < n->num;
        case OP_LE: return x <= n->num;
        case OP_GT: return x > n->num;
        case OP_GE: return x >= n->num;
        default: eq = x == n->num; break;
        }
    } else if (n->op >= OP_LT && n->op <= OP_GE) {
        return false;
    } else if (json_is_string(v)) {
        eq = glob(n->str, json_string_value(v), json_string_length(v));
    } else {
        return false; /* objects, arrays, booleans are not equal to a value */
    }
    return n->op == OP_EQ ? eq : !eq;
}

bool logs_filter_match(const logs_filter_t *f, const char *msg, size_t len)
{
    if (f->json != NULL) {
        json_t *doc = json_loadb(msg, len, JSON_DECODE_ANY, NULL);
        bool ok = doc != NULL && (json_is_object(doc) || json_is_array(doc)) && eval(f->json, doc);
        json_decref(doc);
        return ok;
    }
    bool any = f->n_any == 0;
    for (int i = 0; i < f->n_terms; i++) {
        const term_t *t = &f->terms[i];
        bool has = contains(msg, len, t->text, t->len);
        if ((t->kind == T_ALL && !has) || (t->kind == T_NONE && has))
            return false;
        if (t->kind == T_ANY && has)
            any = true;
    }
    return any;
}

void logs_filter_free(logs_filter_t *f)
{
    if (f == NULL)
        return;
    for (int i = 0; i < f->n_terms; i++)
        free(f->terms[i].text);
    node_free(f->json);
    free(f);
}
