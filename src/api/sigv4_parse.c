/* sigv4_parse.c - the lexical side of SigV4: header look-up, the
 * Authorization header, the raw query string, dates. Works on spans of
 * network bytes; never writes past a caller's buffer. */
#include <string.h>
#include <strings.h>

#include "api/sigv4_internal.h"

bool sv_is_space(unsigned char c)
{
    /* Python's str.split() without arguments: \t \n \v \f \r, \x1c-\x1f, space */
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

sv_span_t sv_trim(sv_span_t s)
{
    while (s.n > 0 && sv_is_space((unsigned char)s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && sv_is_space((unsigned char)s.p[s.n - 1]))
        s.n--;
    return s;
}

bool sv_span_eq(sv_span_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p != NULL && s.n == n && memcmp(s.p, lit, n) == 0;
}

bool sv_span_ieq(sv_span_t s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p != NULL && s.n == n && strncasecmp(s.p, lit, n) == 0;
}

const sigv4_header_t *sv_find_header(const sigv4_request_t *req, const char *lname)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        const sigv4_header_t *h = &req->headers[i];
        if (sv_span_ieq(sv_span(h->name, h->name_len), lname))
            return h;
    }
    return NULL;
}

/* ---- query string ---- */

bool sv_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
}

static int hexval(unsigned char c);

/* Whether decoding and re-encoding raw gives raw back: only unreserved
 * bytes, and "%XX" (upper-case hex) for bytes that are not. */
static bool is_canonical(sv_span_t raw)
{
    for (size_t i = 0; i < raw.n; i++) {
        unsigned char c = (unsigned char)raw.p[i];
        if (sv_unreserved(c))
            continue;
        if (c != '%' || i + 2 >= raw.n)
            return false;
        unsigned char h = (unsigned char)raw.p[i + 1], l = (unsigned char)raw.p[i + 2];
        if ((h >= 'a' && h <= 'f') || (l >= 'a' && l <= 'f') || hexval(h) < 0 || hexval(l) < 0 ||
            sv_unreserved((unsigned char)(hexval(h) << 4 | hexval(l))))
            return false;
        i += 2;
    }
    return true;
}

int sv_parse_query(const char *query, size_t len, sv_qparam_t *out, size_t max, size_t *n)
{
    *n = 0;
    if (query == NULL)
        return 0;
    const char *p = query, *end = query + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp != NULL ? amp : end;
        if (stop > p) {
            if (*n == max)
                return -1;
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            sv_qparam_t *q = &out[(*n)++];
            q->skip = false;
            if (eq != NULL) {
                q->key = sv_span(p, (size_t)(eq - p));
                q->val = sv_span(eq + 1, (size_t)(stop - eq - 1));
            } else {
                q->key = sv_span(p, (size_t)(stop - p));
                q->val = sv_span(stop, 0);
            }
            q->key_canon = is_canonical(q->key);
            q->val_canon = is_canonical(q->val);
        }
        p = stop + (amp != NULL);
    }
    return 0;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

unsigned char sv_decode_one(sv_span_t raw, size_t *i)
{
    unsigned char c = (unsigned char)raw.p[*i];
    if (c == '%' && *i + 2 < raw.n) {
        int hi = hexval((unsigned char)raw.p[*i + 1]), lo = hexval((unsigned char)raw.p[*i + 2]);
        if (hi >= 0 && lo >= 0) {
            *i += 3;
            return (unsigned char)(hi << 4 | lo);
        }
    }
    (*i)++;
    return c == '+' ? ' ' : c;
}

int sv_decode(sv_span_t raw, char *out, size_t cap, size_t *outlen)
{
    size_t i = 0, o = 0;
    while (i < raw.n) {
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)sv_decode_one(raw, &i);
    }
    if (cap > 0)
        out[o] = '\0';
    *outlen = o;
    return cap > 0 ? 0 : -1;
}

bool sv_decoded_eq(sv_span_t raw, const char *lit)
{
    size_t i = 0, k = 0;
    while (i < raw.n) {
        if (lit[k] == '\0' || sv_decode_one(raw, &i) != (unsigned char)lit[k])
            return false;
        k++;
    }
    return lit[k] == '\0';
}

bool sv_qkey_is(const sv_qparam_t *q, const char *lit)
{
    /* A canonical key holds %XX only for reserved bytes, which lit has not. */
    return q->key_canon ? sv_span_eq(q->key, lit) : sv_decoded_eq(q->key, lit);
}

/* ---- Authorization header ---- */

void sv_parse_authorization(sv_span_t value, sv_authz_t *out)
{
    memset(out, 0, sizeof *out);
    const char *p = value.p, *end = value.p + value.n;
    while (p < end && sv_is_space((unsigned char)*p))
        p++;
    const char *alg = p;
    while (p < end && !sv_is_space((unsigned char)*p))
        p++;
    out->algorithm = sv_span(alg, (size_t)(p - alg));
    /* The rest: "Name=value" components separated by commas. */
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        sv_span_t part = sv_trim(sv_span(p, (size_t)(stop - p)));
        p = stop + (comma != NULL);
        const char *eq = part.n ? memchr(part.p, '=', part.n) : NULL;
        if (eq == NULL)
            continue;
        sv_span_t key = sv_trim(sv_span(part.p, (size_t)(eq - part.p)));
        sv_span_t val = sv_trim(sv_span(eq + 1, (size_t)(part.p + part.n - eq - 1)));
        if (val.n == 0)
            continue;
        sv_span_t *slot = NULL;
        if (sv_span_eq(key, "Credential"))
            slot = &out->credential;
        else if (sv_span_eq(key, "SignedHeaders"))
            slot = &out->signed_headers;
        else if (sv_span_eq(key, "Signature"))
            slot = &out->signature;
        if (slot != NULL && slot->p == NULL) /* the first one counts */
            *slot = val;
    }
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* n decimal digits at p, or -1. */
static int64_t digits(const char *p, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static int64_t to_epoch(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s)
{
    if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo) ||
        h > 23 || mi > 59 || s > 59 || h < 0 || mi < 0 || s < 0)
        return -1;
    return days_from_civil(y, (int)mo, (int)d) * 86400 + h * 3600 + mi * 60 + s;
}

int64_t sv_parse_amz_date(sv_span_t s)
{
    if (s.p == NULL || s.n != 16 || s.p[8] != 'T' || s.p[15] != 'Z')
        return -1;
    return to_epoch(digits(s.p, 4), digits(s.p + 4, 2), digits(s.p + 6, 2), digits(s.p + 9, 2),
                    digits(s.p + 11, 2), digits(s.p + 13, 2));
}

int64_t sv_parse_http_date(sv_span_t s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    if (s.p == NULL)
        return -1;
    s = sv_trim(s);
    const char *p = s.p, *end = s.p + s.n;
    const char *comma = memchr(p, ',', s.n);
    if (comma != NULL) { /* optional "Www," */
        if (comma - p != 3)
            return -1;
        p = comma + 1;
    }
#define SKIP_SPACES() while (p < end && *p == ' ') p++
    SKIP_SPACES();
    size_t dl = 0;
    while (p + dl < end && dl < 3 && p[dl] >= '0' && p[dl] <= '9')
        dl++;
    if (dl < 1 || dl > 2)
        return -1;
    int64_t day = digits(p, dl);
    p += dl;
    SKIP_SPACES();
    if (end - p < 3)
        return -1;
    int64_t mon = 0;
    for (int i = 0; i < 12; i++)
        if (memcmp(p, months + 3 * i, 3) == 0)
            mon = i + 1;
    if (mon == 0)
        return -1;
    p += 3;
    SKIP_SPACES();
    if (end - p < 4 + 1 + 8)
        return -1;
    int64_t year = digits(p, 4);
    p += 4;
    SKIP_SPACES();
    if (end - p < 8 || p[2] != ':' || p[5] != ':')
        return -1;
    int64_t h = digits(p, 2), mi = digits(p + 3, 2), sec = digits(p + 6, 2);
    p += 8;
    SKIP_SPACES();
#undef SKIP_SPACES
    sv_span_t zone = sv_span(p, (size_t)(end - p));
    int64_t offset = 0;
    if (sv_span_eq(zone, "GMT") || sv_span_eq(zone, "UTC") || sv_span_eq(zone, "UT") ||
        sv_span_eq(zone, "Z")) {
        offset = 0;
    } else if (zone.n == 5 && (zone.p[0] == '+' || zone.p[0] == '-')) {
        int64_t zh = digits(zone.p + 1, 2), zm = digits(zone.p + 3, 2);
        if (zh < 0 || zm < 0 || zh > 23 || zm > 59)
            return -1;
        offset = (zone.p[0] == '+' ? 1 : -1) * (zh * 3600 + zm * 60);
    } else {
        return -1;
    }
    int64_t t = to_epoch(year, mon, day, h, mi, sec);
    return t < 0 || t - offset < 0 ? -1 : t - offset;
}

void sv_format_amz_date(int64_t t, char out[17])
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t rem = t - days * 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* not reachable with sane clocks; keep the width */
        memcpy(out, "00000000T000000Z", 17);
        return;
    }
    static const char dg[] = "0123456789";
    char *o = out;
    o[0] = dg[y / 1000], o[1] = dg[y / 100 % 10], o[2] = dg[y / 10 % 10], o[3] = dg[y % 10];
    o[4] = dg[m / 10], o[5] = dg[m % 10], o[6] = dg[d / 10], o[7] = dg[d % 10], o[8] = 'T';
    int hh = (int)(rem / 3600), mm = (int)(rem / 60 % 60), ss = (int)(rem % 60);
    o[9] = dg[hh / 10], o[10] = dg[hh % 10], o[11] = dg[mm / 10], o[12] = dg[mm % 10];
    o[13] = dg[ss / 10], o[14] = dg[ss % 10], o[15] = 'Z', o[16] = '\0';
}

const char *sv_display(sv_span_t s, char *out, size_t cap)
{
    if (cap < 4) {
        if (cap > 0)
            out[0] = '\0';
        return out;
    }
    size_t o = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (o == cap - 1) { /* no room left: end with "..." */
            memcpy(out + cap - 4, "...", 4);
            return out;
        }
        unsigned char c = (unsigned char)s.p[i];
        out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    out[o] = '\0';
    return out;
}
