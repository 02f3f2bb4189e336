/* cql.c - see cql.h. A recursive-descent parser over a small tokenizer;
 * the tree is a flat array of nodes, evaluated by walking it. */
#include "model/cql.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CQL_DEPTH_MAX 64   /* nesting of not / parentheses */
#define CQL_LIST_MAX 100   /* items of an in-list */
#define CQL_ARG_MAX 256    /* one argument */

typedef enum { N_AND, N_OR, N_NOT, N_COND } node_kind_t;
typedef enum { S_AGENT_CONNECTED, S_AGENT_VERSION, S_ATTRIBUTE, S_EC2_ID, S_REGISTERED_AT, S_RUNNING, S_GROUP } subj_t;
typedef enum { O_EQ, O_NE, O_GT, O_GE, O_LT, O_LE, O_EXISTS, O_NEXISTS, O_IN, O_NIN, O_MATCH, O_NMATCH } op_t;

typedef struct node {
    node_kind_t kind;
    int a, b;          /* children (N_AND, N_OR: both; N_NOT: a) */
    subj_t subj;
    op_t op;
    char *attr;        /* S_ATTRIBUTE's name */
    char **args;       /* the argument(s) */
    int n_args;
    int64_t num;       /* S_RUNNING / S_REGISTERED_AT: the argument as a number */
    regex_t *re;       /* =~ / !~ */
} node_t;

struct cql {
    node_t *nodes;
    int n, cap;
    int root;
    unsigned needs;
};

/* ---- tokens */

typedef enum { T_END, T_WORD, T_STRING, T_LPAREN, T_RPAREN, T_LBRACK, T_RBRACK, T_COMMA, T_OP, T_AND, T_OR,
               T_NOT } tok_kind_t;

typedef struct parser {
    const char *s;
    size_t len, pos;
    /* the current token */
    tok_kind_t tk;
    size_t tpos, tlen; /* where it is in s */
    op_t top;
    char text[CQL_ARG_MAX + 1];
    cql_t *q;
    const char *field;
    ecs_error_t *err;
    int depth;
    bool failed;
} parser_t;

static int fail(parser_t *p, size_t pos, const char *what)
{
    if (!p->failed) {
        char found[48];
        if (p->tk == T_END && pos >= p->len)
            snprintf(found, sizeof found, "the end of the expression");
        else {
            /* printable ASCII only: a cut multi-byte character would make
             * the message invalid UTF-8 */
            size_t n = p->tlen > 30 ? 30 : p->tlen, k = 0;
            found[k++] = '\'';
            for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)p->s[p->tpos + i];
                found[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
            }
            found[k++] = '\'';
            found[k] = '\0';
        }
        ecs_invalid_param(p->err, "%s: syntax error at position %zu of the cluster query expression: %s, found %s.",
                          p->field, pos + 1, what, found);
    }
    p->failed = true;
    return -1;
}

static bool word_char(char c)
{
    return c != '\0' && !isspace((unsigned char)c) && strchr("()[],'\"=!<>&|~", c) == NULL;
}

static const struct {
    const char *name;
    op_t op;
} op_words[] = {{"equals", O_EQ},       {"not_equals", O_NE},       {"greater_than", O_GT},
                {"greater_than_equal", O_GE}, {"less_than", O_LT},  {"less_than_equal", O_LE},
                {"exists", O_EXISTS},   {"not_exists", O_NEXISTS},  {"in", O_IN},
                {"not_in", O_NIN},      {"matches", O_MATCH},       {"not_matches", O_NMATCH}};

static const char *op_name(op_t op)
{
    static const char *const names[] = {"==", "!=", ">", ">=", "<", "<=", "exists", "!exists", "in", "!in", "=~", "!~"};
    return names[op];
}

/* Is s[pos..] the word w followed by something that is not a word character? */
static bool at_word(const parser_t *p, size_t pos, const char *w)
{
    size_t n = strlen(w);
    return pos + n <= p->len && memcmp(p->s + pos, w, n) == 0 && (pos + n == p->len || !word_char(p->s[pos + n]));
}

static int next(parser_t *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
    p->tpos = p->pos;
    p->text[0] = '\0';
    if (p->pos >= p->len) {
        p->tk = T_END;
        p->tlen = 0;
        return 0;
    }
    const char *c = p->s + p->pos;
    size_t rest = p->len - p->pos, n = 1;
    switch (c[0]) {
    case '(': p->tk = T_LPAREN; break;
    case ')': p->tk = T_RPAREN; break;
    case '[': p->tk = T_LBRACK; break;
    case ']': p->tk = T_RBRACK; break;
    case ',': p->tk = T_COMMA; break;
    case '\'':
    case '"': {
        const char *end = memchr(c + 1, c[0], rest - 1);
        p->tlen = 1;
        if (end == NULL)
            return fail(p, p->pos, "expected a closing quote");
        n = (size_t)(end - c) + 1;
        if (n - 2 > CQL_ARG_MAX) {
            p->tlen = n;
            return fail(p, p->pos, "expected a string of at most 256 characters");
        }
        memcpy(p->text, c + 1, n - 2);
        p->text[n - 2] = '\0';
        p->tk = T_STRING;
        break;
    }
    case '&':
    case '|':
        if (rest < 2 || c[1] != c[0]) {
            p->tlen = 1;
            return fail(p, p->pos, c[0] == '&' ? "expected '&&'" : "expected '||'");
        }
        n = 2;
        p->tk = c[0] == '&' ? T_AND : T_OR;
        break;
    case '=':
        p->tk = T_OP;
        if (rest >= 2 && c[1] == '=')
            p->top = O_EQ, n = 2;
        else if (rest >= 2 && c[1] == '~')
            p->top = O_MATCH, n = 2;
        else {
            p->tlen = 1;
            return fail(p, p->pos, "expected '==' or '=~'");
        }
        break;
    case '!':
        p->tk = T_OP;
        if (rest >= 2 && c[1] == '=')
            p->top = O_NE, n = 2;
        else if (rest >= 2 && c[1] == '~')
            p->top = O_NMATCH, n = 2;
        else if (at_word(p, p->pos + 1, "in"))
            p->top = O_NIN, n = 3;
        else if (at_word(p, p->pos + 1, "exists"))
            p->top = O_NEXISTS, n = 7;
        else
            p->tk = T_NOT;
        break;
    case '>':
    case '<':
        p->tk = T_OP;
        if (rest >= 2 && c[1] == '=')
            p->top = c[0] == '>' ? O_GE : O_LE, n = 2;
        else
            p->top = c[0] == '>' ? O_GT : O_LT;
        break;
    case '~':
        p->tlen = 1;
        return fail(p, p->pos, "expected '=~' or '!~'");
    default:
        n = 0;
        while (n < rest && word_char(c[n]))
            n++;
        p->tlen = n;
        if (n > CQL_ARG_MAX)
            return fail(p, p->pos, "expected a word of at most 256 characters");
        memcpy(p->text, c, n);
        p->text[n] = '\0';
        p->tk = T_WORD;
        if (strcmp(p->text, "and") == 0)
            p->tk = T_AND;
        else if (strcmp(p->text, "or") == 0)
            p->tk = T_OR;
        else if (strcmp(p->text, "not") == 0)
            p->tk = T_NOT;
    }
    p->tlen = n;
    p->pos += n;
    return 0;
}

/* ---- nodes */

static int new_node(parser_t *p, node_kind_t kind)
{
    cql_t *q = p->q;
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 8;
        node_t *grown = realloc(q->nodes, (size_t)cap * sizeof *grown);
        if (grown == NULL) {
            p->failed = true;
            ecs_server_err(p->err, "out of memory");
            return -1;
        }
        q->nodes = grown;
        q->cap = cap;
    }
    q->nodes[q->n] = (node_t){.kind = kind, .a = -1, .b = -1};
    return q->n++;
}

static void node_clear(node_t *n)
{
    free(n->attr);
    for (int i = 0; i < n->n_args; i++)
        free(n->args[i]);
    free(n->args);
    if (n->re != NULL) {
        regfree(n->re);
        free(n->re);
    }
}

void cql_free(cql_t *q)
{
    if (q == NULL)
        return;
    for (int i = 0; i < q->n; i++)
        node_clear(&q->nodes[i]);
    free(q->nodes);
    free(q);
}

static int add_arg(parser_t *p, int ni, const char *text)
{
    node_t *n = &p->q->nodes[ni];
    char **grown = realloc(n->args, (size_t)(n->n_args + 1) * sizeof *grown);
    char *copy = strdup(text);
    if (grown == NULL || copy == NULL) {
        free(copy);
        if (grown != NULL)
            n->args = grown;
        p->failed = true;
        return ecs_server_err(p->err, "out of memory");
    }
    n->args = grown;
    n->args[n->n_args++] = copy;
    return 0;
}

/* "2018-06-18", "2018-06-18T22:28:28", with "Z" or "+00:00" after the time. */
static int parse_date(const char *s, int64_t *ms)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0, used = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
        return -1;
    const char *r = s + used;
    int64_t off_s = 0;
    if (*r == 'T') {
        int u2 = 0;
        if (sscanf(r, "T%2d:%2d:%2d%n", &h, &mi, &sec, &u2) != 3 || u2 != 9)
            return -1;
        r += u2;
        if (*r == 'Z') {
            r++;
        } else if (*r == '+' || *r == '-') {
            int oh, om, u3 = 0;
            if (sscanf(r + 1, "%2d:%2d%n", &oh, &om, &u3) != 2 || u3 != 5 || oh > 23 || om > 59)
                return -1;
            off_s = (int64_t)(oh * 3600 + om * 60) * (*r == '+' ? 1 : -1);
            r += 1 + u3;
        }
    }
    if (*r != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 || y < 1970)
        return -1;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *ms = ((int64_t)t - off_s) * 1000;
    return 0;
}

static bool ordering(op_t op)
{
    return op == O_GT || op == O_GE || op == O_LT || op == O_LE;
}

/* Which operators each subject takes (ECS's list, per subject). */
static bool op_valid(subj_t s, op_t op)
{
    switch (s) {
    case S_ATTRIBUTE:
        return true;
    case S_AGENT_CONNECTED:
    case S_EC2_ID:
        return op == O_EQ || op == O_NE || op == O_IN || op == O_NIN || op == O_MATCH || op == O_NMATCH;
    case S_GROUP:
        return !ordering(op);
    case S_AGENT_VERSION:
    case S_REGISTERED_AT:
    case S_RUNNING:
        return op == O_EQ || op == O_NE || ordering(op);
    }
    return false;
}

static int parse_subject(parser_t *p, node_t *n)
{
    static const struct {
        const char *name;
        subj_t s;
    } subjects[] = {{"agentConnected", S_AGENT_CONNECTED}, {"agentVersion", S_AGENT_VERSION},
                    {"ec2InstanceId", S_EC2_ID},           {"registeredAt", S_REGISTERED_AT},
                    {"runningTasksCount", S_RUNNING},      {"task:group", S_GROUP}};
    if (p->tk != T_WORD)
        return fail(p, p->tpos, "expected a subject (agentConnected, agentVersion, attribute:NAME, ec2InstanceId, "
                                "registeredAt, runningTasksCount or task:group)");
    if (strncmp(p->text, "attribute:", 10) == 0 && p->text[10] != '\0') {
        n->subj = S_ATTRIBUTE;
        n->attr = strdup(p->text + 10);
        if (n->attr == NULL) {
            p->failed = true;
            return ecs_server_err(p->err, "out of memory");
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++)
        if (strcmp(p->text, subjects[i].name) == 0) {
            n->subj = subjects[i].s;
            return 0;
        }
    return fail(p, p->tpos, "expected a subject (agentConnected, agentVersion, attribute:NAME, ec2InstanceId, "
                            "registeredAt, runningTasksCount or task:group)");
}

static bool take_op(parser_t *p, op_t *op)
{
    if (p->tk == T_OP) {
        *op = p->top;
        return true;
    }
    if (p->tk == T_WORD)
        for (size_t i = 0; i < sizeof op_words / sizeof op_words[0]; i++)
            if (strcmp(p->text, op_words[i].name) == 0) {
                *op = op_words[i].op;
                return true;
            }
    return false;
}

/* The argument in p->text, checked against the subject. */
static int take_arg(parser_t *p, int ni)
{
    node_t *n = &p->q->nodes[ni];
    if (p->tk != T_WORD && p->tk != T_STRING)
        return fail(p, p->tpos, "expected an argument");
    if (n->subj == S_RUNNING) {
        char *end;
        errno = 0;
        long long v = strtoll(p->text, &end, 10);
        if (p->text[0] == '\0' || *end != '\0' || errno != 0 || v < 0)
            return fail(p, p->tpos, "expected a whole number for runningTasksCount");
        n->num = v;
    } else if (n->subj == S_REGISTERED_AT) {
        if (parse_date(p->text, &n->num) < 0)
            return fail(p, p->tpos, "expected a date for registeredAt (2018-06-18, 2018-06-18T22:28:28, "
                                    "2018-06-18T22:28:28Z or 2018-06-18T22:28:28+00:00)");
    }
    return add_arg(p, ni, p->text);
}

/* A bound on how much glibc's regcomp multiplies the pattern: '+'
 * copies what it repeats and {n,m} copies it m times, so stacked or
 * nested repetitions grow exponentially (x+++++..., (a{99}){99}). */
#define CQL_REGEX_COST_MAX 1024

static bool regex_cheap(const char *pat)
{
    long long cost = 1;
    bool after_repeat = false;
    for (const char *c = pat; *c != '\0' && cost <= CQL_REGEX_COST_MAX; c++) {
        bool repeat = *c == '*' || *c == '+' || *c == '?' || *c == '{';
        /* a repetition of a repetition (x**, x+?, x*+: Java's lazy and
         * possessive forms) means something else in POSIX, and regcomp
         * makes nested loops of it */
        if (repeat && after_repeat)
            return false;
        after_repeat = repeat;
        if (*c == '\\' && c[1] != '\0') {
            c++;
        } else if (*c == '[') { /* a bracket expression: no repetition inside */
            const char *end = c + 1;
            if (*end == '^')
                end++;
            if (*end == ']')
                end++;
            end = strchr(end, ']');
            if (end == NULL)
                return true; /* regcomp refuses it */
            c = end;
        } else if (*c == '+') {
            cost *= 2;
        } else if (*c == '{') {
            long long m = 0; /* the larger bound: {n}, {n,m}, {n,} (n copies and a star) */
            for (c++; *c != '\0' && *c != '}'; c++)
                if (*c >= '0' && *c <= '9')
                    m = m > CQL_REGEX_COST_MAX ? m : m * 10 + (*c - '0');
                else if (*c == ',' && c[1] != '}')
                    m = 0;
            cost *= m < 2 ? 2 : m + 1;
            if (*c == '\0')
                break;
        }
    }
    return cost <= CQL_REGEX_COST_MAX;
}

static int parse_cond(parser_t *p)
{
    int ni = new_node(p, N_COND);
    if (ni < 0 || parse_subject(p, &p->q->nodes[ni]) < 0 || next(p) < 0)
        return -1;
    if (p->q->nodes[ni].subj == S_RUNNING || p->q->nodes[ni].subj == S_GROUP)
        p->q->needs |= CQL_NEEDS_TASKS;
    subj_t subj = p->q->nodes[ni].subj;
    if (subj == S_AGENT_VERSION || subj == S_EC2_ID || subj == S_REGISTERED_AT)
        p->q->needs |= CQL_NEEDS_RECORD;
    if (subj == S_AGENT_CONNECTED)
        p->q->needs |= CQL_NEEDS_AGENT;
    op_t op;
    if (!take_op(p, &op))
        return fail(p, p->tpos, "expected an operator (==, !=, >, >=, <, <=, exists, !exists, in, !in, =~, !~)");
    size_t op_pos = p->tpos;
    node_t *n = &p->q->nodes[ni];
    n->op = op;
    if (!op_valid(n->subj, op)) {
        char what[96];
        snprintf(what, sizeof what, "the operator %s is not valid for this subject", op_name(op));
        return fail(p, op_pos, what);
    }
    if (next(p) < 0)
        return -1;
    if (op == O_EXISTS || op == O_NEXISTS)
        return ni;
    if (op == O_IN || op == O_NIN) {
        if (p->tk != T_LBRACK)
            return fail(p, p->tpos, "expected an argument list [a, b, ...]");
        if (next(p) < 0)
            return -1;
        for (;;) {
            if (p->q->nodes[ni].n_args == CQL_LIST_MAX)
                return fail(p, p->tpos, "expected an argument list of at most 100 items");
            if (take_arg(p, ni) < 0 || next(p) < 0)
                return -1;
            if (p->tk == T_RBRACK)
                break;
            if (p->tk != T_COMMA)
                return fail(p, p->tpos, "expected ',' or ']'");
            if (next(p) < 0)
                return -1;
        }
        return next(p) < 0 ? -1 : ni;
    }
    size_t arg_pos = p->tpos;
    if (take_arg(p, ni) < 0)
        return -1;
    if (op == O_MATCH || op == O_NMATCH) {
        n = &p->q->nodes[ni];
        if (!regex_cheap(n->args[0]))
            return fail(p, arg_pos, "expected a regular expression with fewer repetitions");
        char pat[CQL_ARG_MAX + 8];
        snprintf(pat, sizeof pat, "^(%s)$", n->args[0]);
        n->re = malloc(sizeof *n->re);
        if (n->re == NULL) {
            p->failed = true;
            return ecs_server_err(p->err, "out of memory");
        }
        if (regcomp(n->re, pat, REG_EXTENDED | REG_NOSUB) != 0) {
            free(n->re);
            n->re = NULL;
            return fail(p, arg_pos, "expected a valid regular expression");
        }
    }
    return next(p) < 0 ? -1 : ni;
}

static int parse_or(parser_t *p);

static int parse_unary(parser_t *p)
{
    if (++p->depth > CQL_DEPTH_MAX)
        return fail(p, p->tpos, "expected expressions nested at most 64 deep");
    int ni;
    if (p->tk == T_NOT) {
        if (next(p) < 0)
            return -1;
        int a = parse_unary(p);
        if (a < 0 || (ni = new_node(p, N_NOT)) < 0)
            return -1;
        p->q->nodes[ni].a = a;
    } else if (p->tk == T_LPAREN) {
        if (next(p) < 0 || (ni = parse_or(p)) < 0)
            return -1;
        if (p->tk != T_RPAREN)
            return fail(p, p->tpos, "expected ')'");
        if (next(p) < 0)
            return -1;
    } else {
        ni = parse_cond(p);
    }
    p->depth--;
    return ni;
}

static int parse_binary(parser_t *p, tok_kind_t tk, node_kind_t kind, int (*sub)(parser_t *))
{
    int left = sub(p);
    while (left >= 0 && p->tk == tk) {
        if (next(p) < 0)
            return -1;
        int right = sub(p), ni;
        if (right < 0 || (ni = new_node(p, kind)) < 0)
            return -1;
        p->q->nodes[ni].a = left;
        p->q->nodes[ni].b = right;
        left = ni;
    }
    return left;
}

static int parse_and(parser_t *p)
{
    return parse_binary(p, T_AND, N_AND, parse_unary);
}

static int parse_or(parser_t *p)
{
    return parse_binary(p, T_OR, N_OR, parse_and);
}

int cql_parse(const char *expr, const char *field, cql_t **out, ecs_error_t *err)
{
    *out = NULL;
    size_t len = expr ? strlen(expr) : 0;
    if (len > CQL_MAX_LEN)
        return ecs_invalid_param(err, "%s: the expression can have at most %d characters, not %zu.", field,
                                 CQL_MAX_LEN, len);
    cql_t *q = calloc(1, sizeof *q);
    if (q == NULL)
        return ecs_server_err(err, "out of memory");
    parser_t p = {.s = expr ? expr : "", .len = len, .q = q, .field = field, .err = err};
    int root = -1;
    if (next(&p) == 0) {
        if (p.tk == T_END)
            fail(&p, 0, "expected an expression");
        else if ((root = parse_or(&p)) >= 0 && p.tk != T_END)
            fail(&p, p.tpos, "expected 'and', 'or' or the end of the expression");
    }
    if (p.failed || root < 0) {
        if (!p.failed)
            fail(&p, p.tpos, "expected an expression");
        cql_free(q);
        return -1;
    }
    q->root = root;
    *out = q;
    return 0;
}

unsigned cql_needs(const cql_t *q)
{
    return q->needs;
}

/* ---- evaluation */

/* Dotted versions part by part as numbers ("1.10.0" > "1.9.2"); a part
 * that is not a number compares as text. */
static int version_cmp(const char *a, const char *b)
{
    while (*a != '\0' || *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea, b = eb;
        } else {
            unsigned char ca = (unsigned char)*a, cb = (unsigned char)*b;
            if (ca != cb)
                return ca < cb ? -1 : 1;
            if (ca == '\0')
                break;
            a++, b++;
        }
    }
    return 0;
}

/* Attribute values as numbers when both are, else as text. */
static int value_cmp(const char *a, const char *b)
{
    char *ea, *eb;
    double x = strtod(a, &ea), y = strtod(b, &eb);
    if (a[0] != '\0' && b[0] != '\0' && *ea == '\0' && *eb == '\0')
        return x < y ? -1 : x > y ? 1 : 0;
    int c = strcmp(a, b);
    return c < 0 ? -1 : c > 0;
}

static bool cmp_holds(op_t op, int c)
{
    switch (op) {
    case O_GT: return c > 0;
    case O_GE: return c >= 0;
    case O_LT: return c < 0;
    case O_LE: return c <= 0;
    default: return c == 0; /* O_EQ */
    }
}

/* The positive operator (==, >..., exists, in, =~) on one present value. */
static bool test_value(const node_t *n, op_t op, const char *v)
{
    switch (op) {
    case O_EXISTS:
        return true;
    case O_IN:
        for (int i = 0; i < n->n_args; i++)
            if (strcmp(v, n->args[i]) == 0)
                return true;
        return false;
    case O_MATCH:
        return regexec(n->re, v, 0, NULL, 0) == 0;
    default:
        if (n->subj == S_AGENT_VERSION)
            return cmp_holds(op, version_cmp(v, n->args[0]));
        if (op == O_EQ)
            return strcmp(v, n->args[0]) == 0;
        return cmp_holds(op, value_cmp(v, n->args[0]));
    }
}

static const char *attr_value(const json_t *attrs, const char *name, bool *present)
{
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        const char *nm = json_string_value(json_object_get(a, "name"));
        if (nm != NULL && strcmp(nm, name) == 0) {
            *present = true;
            const char *v = json_string_value(json_object_get(a, "value"));
            return v ? v : "";
        }
    }
    *present = false;
    return NULL;
}

static bool eval_cond(const node_t *n, const cql_instance_t *in)
{
    /* the negated operators are the negation of the positive ones */
    bool neg = n->op == O_NE || n->op == O_NEXISTS || n->op == O_NIN || n->op == O_NMATCH;
    op_t op = n->op == O_NE ? O_EQ : n->op == O_NEXISTS ? O_EXISTS : n->op == O_NIN ? O_IN
            : n->op == O_NMATCH ? O_MATCH : n->op;
    bool r = false, present = true;
    const char *v = NULL;
    switch (n->subj) {
    case S_AGENT_CONNECTED:
        v = in->agent_connected ? "true" : "false";
        break;
    case S_AGENT_VERSION:
        v = in->agent_version;
        break;
    case S_EC2_ID:
        v = in->ec2_instance_id;
        break;
    case S_ATTRIBUTE:
        v = attr_value(in->attrs, n->attr, &present);
        break;
    case S_RUNNING:
        return neg != cmp_holds(op, in->running_tasks < n->num ? -1 : in->running_tasks > n->num);
    case S_REGISTERED_AT:
        return neg != cmp_holds(op, in->registered_at_ms < n->num ? -1 : in->registered_at_ms > n->num);
    case S_GROUP:
        for (size_t i = 0; i < in->n_groups && !r; i++)
            r = in->groups[i] != NULL && test_value(n, op, in->groups[i]);
        return neg != r;
    }
    if (present && v != NULL)
        r = test_value(n, op, v);
    return neg != r;
}

static bool eval_node(const cql_t *q, int i, const cql_instance_t *in)
{
    const node_t *n = &q->nodes[i];
    switch (n->kind) {
    case N_AND: return eval_node(q, n->a, in) && eval_node(q, n->b, in);
    case N_OR: return eval_node(q, n->a, in) || eval_node(q, n->b, in);
    case N_NOT: return !eval_node(q, n->a, in);
    default: return eval_cond(n, in);
    }
}

bool cql_eval(const cql_t *q, const cql_instance_t *inst)
{
    return eval_node(q, q->root, inst);
}
