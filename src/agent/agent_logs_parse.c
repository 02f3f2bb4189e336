/* agent_logs_parse.c - framing, times and option forms of awslogs shipping
 * (see agent_logs_parse.h). */
#include "agent/agent_logs_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void agent_logs_framer_init(agent_logs_framer_t *f, bool tty, agent_logs_line_fn fn, void *arg)
{
    memset(f, 0, sizeof *f);
    f->tty = tty;
    f->fn = fn;
    f->arg = arg;
}

static int grow(char **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    char *n = realloc(*p, c);
    if (n == NULL)
        return -1;
    *p = n;
    *cap = c;
    return 0;
}

/* Adds text to the open line, cutting it at AGENT_LOGS_LINE_MAX. */
static int line_add(agent_logs_framer_t *f, const char *text, size_t n)
{
    if (f->line_len + n > AGENT_LOGS_LINE_MAX)
        n = AGENT_LOGS_LINE_MAX - f->line_len;
    if (grow(&f->line, &f->line_cap, f->line_len + n + 1) < 0)
        return -1;
    memcpy(f->line + f->line_len, text, n);
    f->line_len += n;
    return 0;
}

static void line_done(agent_logs_framer_t *f)
{
    if (!f->line_open)
        return;
    f->fn(f->arg, f->line_ts, f->stream, f->line ? f->line : "", f->line_len);
    f->line_len = 0;
    f->line_open = false;
}

/* One whole message: "TIME text[\n]". A message without its time (should
 * not happen with timestamps=1) keeps the time of the line it continues,
 * or 0. */
static int message(agent_logs_framer_t *f, const char *m, size_t n)
{
    int64_t ts = 0;
    size_t used = 0;
    if (agent_logs_parse_time(m, n, &ts, &used) == 0 && used < n && m[used] == ' ')
        used++;
    else
        used = 0, ts = 0;
    m += used, n -= used;
    bool ends = n > 0 && m[n - 1] == '\n';
    if (ends)
        n--;
    if (!f->line_open) {
        f->line_open = true;
        f->line_ts = ts;
        f->line_len = 0;
    }
    if (line_add(f, m, n) < 0)
        return -1;
    if (ends)
        line_done(f);
    return 0;
}

static int msg_add(agent_logs_framer_t *f, const char *p, size_t n)
{
    if (grow(&f->msg, &f->msg_cap, f->msg_len + n + 1) < 0)
        return -1;
    memcpy(f->msg + f->msg_len, p, n);
    f->msg_len += n;
    return 0;
}

/* TTY: messages end at '\n'; a message is held at most LINE_MAX. */
static int feed_tty(agent_logs_framer_t *f, const char *p, size_t n)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t chunk = nl ? (size_t)(nl - p) + 1 : n;
        if (msg_add(f, p, chunk) < 0)
            return -1;
        p += chunk, n -= chunk;
        if (nl != NULL || f->msg_len >= AGENT_LOGS_LINE_MAX) {
            if (message(f, f->msg, f->msg_len) < 0)
                return -1;
            f->msg_len = 0;
        }
    }
    return 0;
}

int agent_logs_framer_feed(agent_logs_framer_t *f, const char *p, size_t n)
{
    if (f->tty)
        return feed_tty(f, p, n);
    while (n > 0) {
        if (f->left == 0 && f->hdr_len < 8) {
            size_t take = 8 - f->hdr_len < n ? 8 - f->hdr_len : n;
            memcpy(f->hdr + f->hdr_len, p, take);
            f->hdr_len += take, p += take, n -= take;
            if (f->hdr_len < 8)
                return 0;
            f->stream = f->hdr[0];
            f->left = (size_t)f->hdr[4] << 24 | (size_t)f->hdr[5] << 16 | (size_t)f->hdr[6] << 8 | f->hdr[7];
            f->msg_len = 0;
            if (f->left == 0) {
                f->hdr_len = 0;
                continue;
            }
        }
        size_t take = f->left < n ? f->left : n;
        /* A frame is one message; past LINE_MAX its bytes are dropped. */
        size_t keep = f->msg_len + take > AGENT_LOGS_LINE_MAX + 64 ? 0 : take;
        if (keep && msg_add(f, p, keep) < 0)
            return -1;
        f->left -= take, p += take, n -= take;
        if (f->left == 0) {
            f->hdr_len = 0;
            if (message(f, f->msg, f->msg_len) < 0)
                return -1;
            f->msg_len = 0;
        }
    }
    return 0;
}

void agent_logs_framer_end(agent_logs_framer_t *f)
{
    if (f->msg_len > 0 && f->tty)
        message(f, f->msg, f->msg_len);
    line_done(f);
    free(f->msg);
    free(f->line);
    f->msg = f->line = NULL;
    f->msg_len = f->msg_cap = f->line_len = f->line_cap = 0;
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *out)
{
    int v = 0;
    if (at + count > n)
        return -1;
    for (size_t i = at; i < at + count; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int agent_logs_parse_time(const char *s, size_t n, int64_t *ns, size_t *used)
{
    int Y, M, D, h, m, sec;
    if (digits(s, n, 0, 4, &Y) || n < 20 || s[4] != '-' || digits(s, n, 5, 2, &M) || s[7] != '-' ||
        digits(s, n, 8, 2, &D) || (s[10] != 'T' && s[10] != ' ') || digits(s, n, 11, 2, &h) || s[13] != ':' ||
        digits(s, n, 14, 2, &m) || s[16] != ':' || digits(s, n, 17, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return -1;
    size_t i = 19;
    int64_t frac = 0;
    int fd = 0;
    if (i < n && s[i] == '.') {
        for (i++; i < n && isdigit((unsigned char)s[i]); i++, fd++)
            if (fd < 9)
                frac = frac * 10 + (s[i] - '0');
        if (fd == 0)
            return -1;
        for (int k = fd; k < 9; k++)
            frac *= 10;
    }
    int64_t off_s = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int oh, om;
        if (digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' || digits(s, n, i + 4, 2, &om))
            return -1;
        off_s = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return -1;
    }
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h, .tm_min = m, .tm_sec = sec};
    int64_t t = (int64_t)timegm(&tm) - off_s;
    *ns = t * 1000000000 + frac;
    *used = i;
    return 0;
}

int agent_logs_parse_size(const char *s, int64_t *bytes)
{
    char *end;
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    double v = strtod(s, &end);
    int64_t mult = 1;
    char u = (char)tolower((unsigned char)*end);
    if (u == 'k' || u == 'm' || u == 'g' || u == 't') {
        mult = u == 'k' ? 1024 : u == 'm' ? 1024 * 1024 : u == 'g' ? (int64_t)1 << 30 : (int64_t)1 << 40;
        end++;
        if (tolower((unsigned char)*end) == 'i')
            end++;
    }
    if (tolower((unsigned char)*end) == 'b')
        end++;
    if (*end != '\0' || v < 0 || v * (double)mult > 9e15)
        return -1;
    *bytes = (int64_t)(v * (double)mult);
    return 0;
}

/* Docker's awslogs strftime table (daemon/logger/awslogs), in ERE form. */
static const char *directive(char c)
{
    switch (c) {
    case 'b': return "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    case 'a': return "(Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    case 'A': return "(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
    case 'B': return "(January|February|March|April|May|June|July|August|September|October|November|December)";
    case 'd': return "(0[1-9]|[12][0-9]|3[01])";
    case 'f': return "[0-9]{6}";
    case 'H': return "([01][0-9]|2[0-3])";
    case 'I': return "(0[0-9]|1[0-2])";
    case 'j': return "(00[1-9]|0[1-9][0-9]|[12][0-9][0-9]|3[0-5][0-9]|36[0-6])";
    case 'L': return "\\.[0-9]{3}";
    case 'm': return "(0[1-9]|1[0-2])";
    case 'M': return "[0-5][0-9]";
    case 'p': return "[AP]M";
    case 'S': return "[0-5][0-9]";
    case 'T': return "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]";
    case 'y': return "[0-9]{2}";
    case 'Y': return "[0-9]{4}";
    case 'z': return "[+-][0-9]{4}";
    case 'Z': return "[A-Z]{1,4}T";
    case '%': return "%";
    default: return NULL;
    }
}

static int put(char *out, size_t size, size_t *at, const char *s)
{
    size_t n = strlen(s);
    if (*at + n + 1 > size)
        return -1;
    memcpy(out + *at, s, n + 1);
    *at += n;
    return 0;
}

int agent_logs_datetime_regex(const char *fmt, char *out, size_t size)
{
    size_t at = 0;
    if (put(out, size, &at, "^") < 0)
        return -1;
    for (const char *p = fmt; *p; p++) {
        char lit[3] = {*p, 0, 0};
        const char *piece = lit;
        if (*p == '%') {
            piece = directive(p[1]);
            if (piece == NULL)
                return -1;
            p++;
        } else if (strchr(".[]()*+?{}|^$\\", *p) != NULL) {
            lit[0] = '\\', lit[1] = *p;
        }
        if (put(out, size, &at, piece) < 0)
            return -1;
    }
    return 0;
}

static const char *class_of(char c, bool inside)
{
    switch (c) {
    case 'd': return inside ? "0-9" : "[0-9]";
    case 'D': return inside ? NULL : "[^0-9]";
    case 's': return inside ? "[:space:]" : "[[:space:]]";
    case 'S': return inside ? NULL : "[^[:space:]]";
    case 'w': return inside ? "[:alnum:]_" : "[[:alnum:]_]";
    case 'W': return inside ? NULL : "[^[:alnum:]_]";
    default: return NULL;
    }
}

int agent_logs_pattern_regex(const char *pattern, char *out, size_t size)
{
    size_t at = 0;
    bool inside = false;
    out[0] = '\0';
    for (const char *p = pattern; *p; p++) {
        char lit[4] = {*p, 0, 0, 0};
        const char *piece = lit;
        if (*p == '\\' && p[1] != '\0') {
            const char *cls = class_of(p[1], inside);
            if (cls != NULL)
                piece = cls;
            else if (inside)
                lit[0] = p[1]; /* in POSIX brackets a backslash is itself */
            else
                lit[1] = p[1];
            p++;
        } else if (!inside && *p == '(' && p[1] == '?' && p[2] == ':') {
            p += 2; /* (?:x) groups as (x) */
        } else if (!inside && *p == '[') {
            inside = true;
            size_t k = 1;
            if (p[1] == '^')
                lit[k++] = *++p;
            if (p[1] == ']') /* a ']' first in brackets is itself */
                lit[k++] = *++p;
        } else if (inside && *p == ']') {
            inside = false;
        }
        if (put(out, size, &at, piece) < 0)
            return -1;
    }
    return 0;
}

size_t agent_logs_utf8_clean(const char *text, size_t n, char *out)
{
    static const char repl[] = "\xEF\xBF\xBD";
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = len > 0 && c != 0 && i + len <= n && !(c == 0xC0 || c == 0xC1 || c > 0xF4);
        for (size_t k = 1; ok && k < len; k++)
            ok = (s[i + k] & 0xC0) == 0x80;
        if (ok && len == 3) {
            unsigned cp = (unsigned)(c & 0x0F) << 12 | (unsigned)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3F);
            ok = cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF);
        } else if (ok && len == 4) {
            unsigned cp = (unsigned)(c & 0x07) << 18 | (unsigned)(s[i + 1] & 0x3F) << 12;
            ok = cp >= 0x10000 && cp <= 0x10FFFF;
        }
        if (ok) {
            memcpy(out + o, s + i, len);
            o += len, i += len;
        } else {
            memcpy(out + o, repl, 3);
            o += 3, i++;
        }
    }
    return o;
}
