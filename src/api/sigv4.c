/* sigv4.c - sigv4_verify(): the checks in the order AWS makes them, and
 * the exceptions it answers with (docs/ecs-behavior.md §1.6.3).
 *
 *  1. no Authorization header and no X-Amz-* query auth -> MissingAuthenticationToken
 *  2. missing parts, then algorithm, credential shape, host signed, date format
 *                                                  -> IncompleteSignature
 *  3. scope date, terminator, region, service, clock / expiry -> InvalidSignature
 *  4. unknown access key                           -> UnrecognizedClient
 *  5. payload hash header vs body, signature       -> InvalidSignature
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/sigv4_internal.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
#define INCOMPLETE "IncompleteSignatureException"
#define INVALID "InvalidSignatureException"
#define MISMATCH_MSG                                                                          \
    "The request signature we calculated does not match the signature you provided. Check " \
    "your AWS Secret Access Key and signing method. Consult the service documentation for "  \
    "details."

/* What either form of authentication carries. */
typedef struct auth {
    bool presigned;
    sv_span_t algorithm, credential, signed_headers, signature;
    sv_span_t date;     /* X-Amz-Date (header or query), or the Date header */
    bool http_date;     /* date came from the Date header */
    sv_span_t expires;  /* presigned only */
    /* presigned: the decoded query parameters live here */
    char alg_buf[64], cred_buf[SV_MAX_CREDENTIAL_LEN + 1],
        sh_buf[SV_MAX_SIGNED_HEADERS_LEN + 1], sig_buf[130], date_buf[64], exp_buf[24];
} auth_t;

/* A message assembled from pieces, cut (never overflowing) at the size of
 * ecs_error_t's message. */
typedef struct msg {
    char s[ECS_ERROR_MESSAGE_MAX];
    size_t n;
} msg_t;

__attribute__((format(printf, 2, 3))) static void msg_add(msg_t *m, const char *fmt, ...)
{
    if (m->n >= sizeof m->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(m->s + m->n, sizeof m->s - m->n, fmt, ap);
    va_end(ap);
    if (r > 0)
        m->n += (size_t)r < sizeof m->s - m->n ? (size_t)r : sizeof m->s - m->n - 1;
}

static int incomplete(ecs_error_t *err, const char *msg)
{
    return ecs_err(err, 400, INCOMPLETE, "%s", msg);
}

static int too_long(ecs_error_t *err, const char *what)
{
    return ecs_err(err, 400, INCOMPLETE, "%s is too long.", what);
}

/* ---- the two forms ---- */

static int parse_header_form(const sigv4_request_t *req, const sigv4_header_t *h, auth_t *a,
                             ecs_error_t *err)
{
    sv_authz_t az;
    sv_parse_authorization(sv_span(h->value, h->value_len), &az);
    a->algorithm = az.algorithm;
    a->credential = az.credential;
    a->signed_headers = az.signed_headers;
    a->signature = az.signature;
    const sigv4_header_t *d = sv_find_header(req, "x-amz-date");
    if (d == NULL && (d = sv_find_header(req, "date")) != NULL)
        a->http_date = true;
    if (d != NULL)
        a->date = sv_trim(sv_span(d->value, d->value_len));

    msg_t m = {.n = 0};
    if (a->credential.p == NULL)
        msg_add(&m, "Authorization header requires 'Credential' parameter. ");
    if (a->signature.p == NULL)
        msg_add(&m, "Authorization header requires 'Signature' parameter. ");
    if (a->signed_headers.p == NULL)
        msg_add(&m, "Authorization header requires 'SignedHeaders' parameter. ");
    if (d == NULL)
        msg_add(&m, "Authorization header requires existence of either a 'X-Amz-Date' or a "
                    "'Date' header. ");
    if (m.n > 0) {
        char raw[256];
        msg_add(&m, "Authorization=%s", sv_display(sv_span(h->value, h->value_len), raw, sizeof raw));
        return incomplete(err, m.s);
    }
    return 0;
}

static int take_param(const sv_qparam_t *q, const char *name, char *buf, size_t cap,
                      sv_span_t *slot, ecs_error_t *err)
{
    if (slot->p != NULL) /* the first one counts */
        return 0;
    size_t n = 0;
    if (sv_decode(q->val, buf, cap, &n) != 0)
        return too_long(err, name);
    *slot = sv_span(buf, n);
    return 0;
}

static int parse_query_form(sv_qparam_t *qp, size_t nq, auth_t *a, ecs_error_t *err)
{
    a->presigned = true;
    for (size_t i = 0; i < nq; i++) {
        sv_qparam_t *q = &qp[i];
        int r = 0;
        if (sv_qkey_is(q, "X-Amz-Algorithm"))
            r = take_param(q, "X-Amz-Algorithm", a->alg_buf, sizeof a->alg_buf, &a->algorithm, err);
        else if (sv_qkey_is(q, "X-Amz-Credential"))
            r = take_param(q, "X-Amz-Credential", a->cred_buf, sizeof a->cred_buf, &a->credential,
                           err);
        else if (sv_qkey_is(q, "X-Amz-SignedHeaders"))
            r = take_param(q, "X-Amz-SignedHeaders", a->sh_buf, sizeof a->sh_buf,
                           &a->signed_headers, err);
        else if (sv_qkey_is(q, "X-Amz-Date"))
            r = take_param(q, "X-Amz-Date", a->date_buf, sizeof a->date_buf, &a->date, err);
        else if (sv_qkey_is(q, "X-Amz-Expires"))
            r = take_param(q, "X-Amz-Expires", a->exp_buf, sizeof a->exp_buf, &a->expires, err);
        else if (sv_qkey_is(q, "X-Amz-Signature")) {
            q->skip = true; /* never part of the canonical query */
            r = take_param(q, "X-Amz-Signature", a->sig_buf, sizeof a->sig_buf, &a->signature, err);
        }
        if (r != 0)
            return r;
    }
    static const struct {
        const char *name;
        size_t off;
    } req_params[] = {
        {"X-Amz-Algorithm", offsetof(auth_t, algorithm)},
        {"X-Amz-Credential", offsetof(auth_t, credential)},
        {"X-Amz-Signature", offsetof(auth_t, signature)},
        {"X-Amz-SignedHeaders", offsetof(auth_t, signed_headers)},
        {"X-Amz-Date", offsetof(auth_t, date)},
        {"X-Amz-Expires", offsetof(auth_t, expires)},
    };
    msg_t m = {.n = 0};
    for (size_t i = 0; i < sizeof req_params / sizeof req_params[0]; i++) {
        const sv_span_t *s = (const sv_span_t *)((const char *)a + req_params[i].off);
        if (s->p == NULL || s->n == 0)
            msg_add(&m, "AWS query-string parameters must include '%s'. ", req_params[i].name);
    }
    if (m.n > 0) {
        msg_add(&m, "Re-examine the query-string parameters.");
        return incomplete(err, m.s);
    }
    return 0;
}

/* ---- helpers of the checks ---- */

static bool valid_region(sv_span_t r)
{
    if (r.n == 0 || r.n > 31)
        return false;
    for (size_t i = 0; i < r.n; i++) {
        char c = r.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

/* Whether r is one of the comma-separated list. */
static bool region_served(sv_span_t r, const char *list)
{
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == r.n && memcmp(p, r.p, n) == 0)
            return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}

static bool signs_host(sv_span_t list)
{
    const char *p = list.p, *end = list.p + list.n;
    for (;;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (sv_span_ieq(sv_span(p, (size_t)((semi ? semi : end) - p)), "host"))
            return true;
        if (semi == NULL)
            return false;
        p = semi + 1;
    }
}

static void format_window(char *out, size_t cap, int seconds)
{
    if (seconds % 60 == 0)
        snprintf(out, cap, "%d min.", seconds / 60);
    else
        snprintf(out, cap, "%d sec.", seconds);
}

/* X-Amz-Expires: a decimal number of seconds, at most a week. */
static int parse_expires(sv_span_t s, int64_t *out, ecs_error_t *err)
{
    int64_t v = 0;
    bool over = false;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return incomplete(err, "X-Amz-Expires should be a number");
        if (!over && (v = v * 10 + (s.p[i] - '0')) > SV_MAX_EXPIRES)
            over = true;
    }
    if (over)
        return incomplete(err, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    *out = v;
    return 0;
}

/* Clock skew (header form) or validity period (presigned); window is
 * max_skew, or X-Amz-Expires for a presigned request. */
static int check_time(bool presigned, int64_t t, const char ts[17], int64_t now, int skew,
                      int64_t window, ecs_error_t *err)
{
    char nows[17], edge[17], win[32];
    sv_format_amz_date(now, nows);
    if (t > now + skew) {
        sv_format_amz_date(now + skew, edge);
        format_window(win, sizeof win, skew);
        return ecs_err(err, 400, INVALID,
                       "Signature not yet current: %s is still later than %s (%s + %s)", ts, edge,
                       nows, win);
    }
    if (t < now - window) {
        sv_format_amz_date(now - window, edge);
        if (presigned)
            snprintf(win, sizeof win, "%lld sec.", (long long)window);
        else
            format_window(win, sizeof win, skew);
        return ecs_err(err, 400, INVALID, "Signature expired: %s is now earlier than %s (%s - %s)",
                       ts, edge, nows, win);
    }
    return 0;
}

/* The session token of a signed request, when it has one: checked
 * against the key (AWS's words when it is not one of the key's). */
static int check_token(const sigv4_request_t *req, const sv_qparam_t *qp, size_t nq, const sigv4_params_t *p,
                       const char *ak, const char *secret, ecs_error_t *err)
{
    char buf[4096]; /* longer tokens are not ecsd's */
    const char *tok = NULL;
    size_t len = 0;
    const sigv4_header_t *h = sv_find_header(req, "x-amz-security-token");
    if (h != NULL) {
        sv_span_t v = sv_trim(sv_span(h->value, h->value_len));
        tok = v.p;
        len = v.n;
    }
    for (size_t i = 0; tok == NULL && i < nq; i++)
        if (sv_qkey_is(&qp[i], "X-Amz-Security-Token")) {
            if (sv_decode(qp[i].val, buf, sizeof buf, &len) != 0)
                len = 0;
            tok = buf;
        }
    if (tok == NULL)
        return 0;
    int rc = p->token_check(p->token_arg, ak, secret, tok, len, p->now);
    if (rc == -2)
        return ecs_err(err, 400, "ExpiredTokenException", "The security token included in the request is expired");
    if (rc != 0)
        return ecs_err(err, 400, "UnrecognizedClientException",
                       "The security token included in the request is invalid.");
    return 0;
}

/* ---- the verifier ---- */

int sigv4_verify(const sigv4_request_t *req, const sigv4_params_t *p, char account_out[13],
                 char region_out[32], ecs_error_t *err)
{
    const char *service = p->service != NULL ? p->service : "ecs";
    int skew = p->max_skew_seconds > 0 ? p->max_skew_seconds : 900;
    char disp[256], disp2[64];
    if (sv_crypto_init() != 0 || strlen(service) > 63 || p->lookup == NULL)
        return ecs_server_err(err, "The request could not be authenticated.");

    /* The query is parsed once: it may carry the authentication, and it is
     * part of what was signed. */
    size_t qlen = req->query != NULL ? strnlen(req->query, SV_MAX_QUERY_LEN + 1) : 0;
    if (qlen > SV_MAX_QUERY_LEN)
        return too_long(err, "The query string");
    sv_qparam_t qp[SV_MAX_QUERY_PARAMS];
    size_t nq = 0;
    if (sv_parse_query(req->query, qlen, qp, SV_MAX_QUERY_PARAMS, &nq) != 0)
        return incomplete(err, "The query string has too many parameters.");
    bool query_auth = false;
    for (size_t i = 0; i < nq; i++)
        if (sv_qkey_is(&qp[i], "X-Amz-Algorithm") ||
            sv_qkey_is(&qp[i], "X-Amz-Credential") ||
            sv_qkey_is(&qp[i], "X-Amz-Signature"))
            query_auth = true;
    const sigv4_header_t *authz = sv_find_header(req, "authorization");

    if (authz == NULL && !query_auth)
        return ecs_err(err, 400, "MissingAuthenticationTokenException",
                       "Missing Authentication Token");
    if (authz != NULL && query_auth)
        return incomplete(err, "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                               "parameter, Signature query string parameter or the Authorization "
                               "header should be specified");
    auth_t a;
    memset(&a, 0, offsetof(auth_t, alg_buf));
    if ((authz != NULL ? parse_header_form(req, authz, &a, err) : parse_query_form(qp, nq, &a, err)) !=
        0)
        return -1;

    if (!sv_span_eq(a.algorithm, ALGORITHM))
        return ecs_err(err, 400, INCOMPLETE, "Unsupported AWS 'algorithm': '%s'",
                       sv_display(a.algorithm, disp, sizeof disp));

    /* Credential: keyid/date/region/service/term */
    if (a.credential.n > SV_MAX_CREDENTIAL_LEN)
        return too_long(err, "Credential");
    sv_span_t part[5];
    size_t nparts = 0;
    for (const char *s = a.credential.p, *end = s + a.credential.n;;) {
        const char *slash = memchr(s, '/', (size_t)(end - s));
        const char *stop = slash != NULL ? slash : end;
        if (nparts < 5)
            part[nparts] = sv_span(s, (size_t)(stop - s));
        nparts++;
        if (slash == NULL)
            break;
        s = slash + 1;
    }
    if (nparts != 5)
        return ecs_err(err, 400, INCOMPLETE,
                       "Credential must have exactly 5 slash-delimited elements, e.g. "
                       "keyid/date/region/service/term, got '%s'",
                       sv_display(a.credential, disp, sizeof disp));
    sv_span_t akid = part[0], sdate = part[1], region = part[2], svc = part[3], term = part[4];

    if (a.signed_headers.n > SV_MAX_SIGNED_HEADERS_LEN)
        return too_long(err, "SignedHeaders");
    if (!signs_host(a.signed_headers))
        return incomplete(err, "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                               "Authorization.");

    int64_t t = a.http_date ? sv_parse_http_date(a.date) : sv_parse_amz_date(a.date);
    if (t < 0)
        return ecs_err(err, 400, INCOMPLETE,
                       "Date must be in ISO-8601 'basic format'. Got '%s'. See "
                       "http://en.wikipedia.org/wiki/ISO_8601",
                       sv_display(a.date, disp, sizeof disp));
    char ts[17];
    sv_format_amz_date(t, ts);

    if (sdate.n != 8 || memcmp(sdate.p, ts, 8) != 0)
        return ecs_err(err, 400, INVALID,
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                       "date from HTTP: '%s' != '%.8s', from '%s'.",
                       sv_display(sdate, disp2, sizeof disp2), ts, ts);
    if (!sv_span_eq(term, "aws4_request"))
        return ecs_err(err, 400, INVALID,
                       "Credential should be scoped with a valid terminator: 'aws4_request', not "
                       "'%s'. ",
                       sv_display(term, disp, sizeof disp));
    if (!valid_region(region) || (p->region != NULL && p->region[0] != '\0' && !region_served(region, p->region)))
        return ecs_err(err, 400, INVALID, "Credential should be scoped to a valid region, not '%s'. ",
                       sv_display(region, disp, sizeof disp));
    if (!sv_span_eq(svc, service))
        return ecs_err(err, 400, INVALID, "Credential should be scoped to correct service: '%s'. ",
                       service);
    int64_t window = skew;
    if (a.presigned && parse_expires(a.expires, &window, err) != 0)
        return -1;
    if (check_time(a.presigned, t, ts, p->now, skew, window, err) != 0)
        return -1;

    /* The key: only now, so that malformed requests never reach the store. */
    char ak[SV_MAX_ACCESS_KEY + 1], secret[SIGV4_SECRET_MAX], account[SIGV4_ACCOUNT_MAX];
    if (akid.n == 0 || akid.n > SV_MAX_ACCESS_KEY || memchr(akid.p, '\0', akid.n) != NULL)
        return ecs_err(err, 400, "UnrecognizedClientException",
                       "The security token included in the request is invalid.");
    memcpy(ak, akid.p, akid.n);
    ak[akid.n] = '\0';
    secret[0] = account[0] = '\0';
    if (p->lookup(p->lookup_arg, ak, secret, sizeof secret, account, sizeof account) != 1) {
        OPENSSL_cleanse(secret, sizeof secret);
        return ecs_err(err, 400, "UnrecognizedClientException",
                       "The security token included in the request is invalid.");
    }
    secret[sizeof secret - 1] = '\0';
    account[sizeof account - 1] = '\0';

    int rc = -1;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new(); /* the one digest context of this verification */
    /* Payload hash: the body's, or X-Amz-Content-SHA256 when sent (botocore
     * signs that value verbatim); the header must then vouch for the body. */
    char body_hash[65];
    sv_span_t payload = sv_span(body_hash, 64);
    const sigv4_header_t *ch = sv_find_header(req, "x-amz-content-sha256");
    size_t mlen = strnlen(req->method, SV_MAX_METHOD + 1);
    size_t plen = strnlen(req->path, SV_MAX_PATH_LEN + 1);
    if (ctx == NULL || sv_sha256_hex(ctx, req->body, req->body_len, body_hash) != 0) {
        ecs_server_err(err, "The request could not be authenticated.");
        goto out;
    }
    if (ch != NULL) {
        sv_span_t v = sv_trim(sv_span(ch->value, ch->value_len)); /* as received: may have blanks */
        if (!(sv_span_ieq(v, body_hash) ||
              (req->body_len == 0 && sv_span_eq(v, "UNSIGNED-PAYLOAD")))) {
            ecs_err(err, 400, INVALID,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
            goto out;
        }
        payload = v;
    }
    if (mlen > SV_MAX_METHOD || plen > SV_MAX_PATH_LEN) {
        too_long(err, mlen > SV_MAX_METHOD ? "The request method" : "The request path");
        goto out;
    }

    unsigned char creq_hash[32];
    sv_canon_in_t in = {.req = req, .qp = qp, .nq = nq, .signed_headers = a.signed_headers,
                        .payload_hash = payload};
    int cr = sv_canonical_hash(ctx, &in, creq_hash);
    if (cr == -2) {
        too_long(err, "The request path");
        goto out;
    }
    /* String to sign: algorithm, timestamp, scope, hex(canonical request hash). */
    char sts[256];
    int sn = snprintf(sts, sizeof sts, ALGORITHM "\n%s\n%.8s/%.*s/%s/aws4_request\n", ts, ts,
                      (int)region.n, region.p, service);
    char expected[65];
    if (cr != 0 || sn < 0 || (size_t)sn + 64 >= sizeof sts) {
        ecs_server_err(err, "The request could not be authenticated.");
        goto out;
    }
    static const char hexlow[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        sts[sn + 2 * i] = hexlow[creq_hash[i] >> 4];
        sts[sn + 2 * i + 1] = hexlow[creq_hash[i] & 15];
    }
    if (sv_signature_hex(ctx, secret, strlen(secret), sdate, region, svc, sts, (size_t)sn + 64,
                         expected) != 0) {
        ecs_server_err(err, "The request could not be authenticated.");
        goto out;
    }
    if (a.signature.n != 64 || CRYPTO_memcmp(expected, a.signature.p, 64) != 0) {
        ecs_err(err, 400, INVALID, MISMATCH_MSG);
        goto out;
    }
    if (p->token_check != NULL && check_token(req, qp, nq, p, ak, secret, err) != 0)
        goto out;

    snprintf(account_out, SIGV4_ACCOUNT_MAX, "%s", account);
    memcpy(region_out, region.p, region.n);
    region_out[region.n] = '\0';
    rc = 0;
out:
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

/* ---- the scope's region, unverified ---- */

/* The third of five '/'-separated parts of a credential. */
static int credential_region(sv_span_t cred, char region_out[32])
{
    sv_span_t part[5];
    size_t n = 0;
    for (const char *s = cred.p, *end = cred.p + cred.n; n < 5;) {
        const char *slash = memchr(s, '/', (size_t)(end - s));
        part[n++] = sv_span(s, (size_t)((slash ? slash : end) - s));
        if (slash == NULL)
            break;
        s = slash + 1;
    }
    if (n != 5 || !valid_region(part[2]))
        return 0;
    memcpy(region_out, part[2].p, part[2].n);
    region_out[part[2].n] = '\0';
    return 1;
}

int sigv4_scope_region(const sigv4_request_t *req, char region_out[32])
{
    const sigv4_header_t *authz = sv_find_header(req, "authorization");
    if (authz != NULL) {
        sv_authz_t az;
        sv_parse_authorization(sv_span(authz->value, authz->value_len), &az);
        return az.credential.p != NULL && az.credential.n <= SV_MAX_CREDENTIAL_LEN &&
               credential_region(az.credential, region_out);
    }
    size_t qlen = req->query != NULL ? strnlen(req->query, SV_MAX_QUERY_LEN + 1) : 0;
    sv_qparam_t qp[SV_MAX_QUERY_PARAMS];
    size_t nq = 0;
    if (qlen > SV_MAX_QUERY_LEN || sv_parse_query(req->query, qlen, qp, SV_MAX_QUERY_PARAMS, &nq) != 0)
        return 0;
    for (size_t i = 0; i < nq; i++) {
        char buf[SV_MAX_CREDENTIAL_LEN + 1];
        size_t n = 0;
        if (sv_qkey_is(&qp[i], "X-Amz-Credential"))
            return sv_decode(qp[i].val, buf, sizeof buf, &n) == 0 && credential_region(sv_span(buf, n), region_out);
    }
    return 0;
}
