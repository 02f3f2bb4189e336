/* sigv4_canonical.c - the canonical request, fed straight into SHA-256
 * through a small buffer (no copy of the request is ever built), and the
 * HMAC key chain.
 *
 * Canonical request (what botocore's SigV4Auth.canonical_request builds):
 *   METHOD\n
 *   canonical URI\n        dot segments and empty segments removed from the
 *                          raw path, then every byte but A-Za-z0-9-._~/ as %XX
 *                          (so an encoded path is encoded a second time)
 *   canonical query\n      pairs decoded, re-encoded (A-Za-z0-9-._~ kept),
 *                          sorted by key then value, joined with '&'
 *   name:value\n ...       for each signed header, in the listed order: all
 *                          received values of that name, whitespace-trimmed
 *                          and runs collapsed, joined with ','
 *   \n
 *   signed;headers\n
 *   payload hash
 *
 * One EVP_MD_CTX serves the whole verification. HMAC is RFC 2104 on that
 * context rather than EVP_MAC: re-keying an EVP_MAC_CTX five times costs
 * ~6.5 us in OpenSSL 3.0, this ~2.5 us (tests/unit/test_sigv4.c checks it
 * against OpenSSL's HMAC()).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "api/sigv4_internal.h"

static const char hexdig[] = "0123456789ABCDEF";
static const char hexlow[] = "0123456789abcdef";

/* ---- SHA-256, fetched once ---- */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static EVP_MD *g_sha256;

static void crypto_init_once(void) { g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); }

int sv_crypto_init(void)
{
    pthread_once(&g_once, crypto_init_once);
    return g_sha256 != NULL ? 0 : -1;
}

static void to_hex(const unsigned char md[32], char out[65])
{
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hexlow[md[i] >> 4];
        out[2 * i + 1] = hexlow[md[i] & 15];
    }
    out[64] = '\0';
}

static int sha256(EVP_MD_CTX *ctx, const void *data, size_t len, unsigned char out[32])
{
    unsigned int mdlen = 0;
    return EVP_DigestInit_ex2(ctx, g_sha256, NULL) && EVP_DigestUpdate(ctx, data, len) &&
                   EVP_DigestFinal_ex(ctx, out, &mdlen) && mdlen == 32
               ? 0
               : -1;
}

int sv_sha256_hex(EVP_MD_CTX *ctx, const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    if (sha256(ctx, data != NULL ? data : "", len, md) != 0)
        return -1;
    to_hex(md, out);
    return 0;
}

int sv_hmac_sha256(EVP_MD_CTX *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[32])
{
    unsigned char k[64] = {0}, pad[64], inner[32];
    unsigned int l1 = 0, l2 = 0;
    int rc = 0;
    if (keylen > sizeof k)
        rc = sha256(ctx, key, keylen, k);
    else if (keylen > 0)
        memcpy(k, key, keylen);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    if (rc != 0 || !EVP_DigestInit_ex2(ctx, g_sha256, NULL) || !EVP_DigestUpdate(ctx, pad, 64) ||
        !EVP_DigestUpdate(ctx, msg, msglen) || !EVP_DigestFinal_ex(ctx, inner, &l1))
        rc = -1;
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    if (rc != 0 || !EVP_DigestInit_ex2(ctx, g_sha256, NULL) || !EVP_DigestUpdate(ctx, pad, 64) ||
        !EVP_DigestUpdate(ctx, inner, 32) || !EVP_DigestFinal_ex(ctx, out, &l2) || l1 != 32 ||
        l2 != 32)
        rc = -1;
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
    return rc;
}

/* ---- a buffered writer into a digest ---- */

typedef struct wr {
    EVP_MD_CTX *ctx;
    size_t n;
    int fail;
    unsigned char buf[1024];
} wr_t;

static void wr_flush(wr_t *w)
{
    if (w->n > 0 && !EVP_DigestUpdate(w->ctx, w->buf, w->n))
        w->fail = 1;
    w->n = 0;
}

static void wr_put(wr_t *w, const void *p, size_t n)
{
    if (n > sizeof w->buf - w->n) {
        wr_flush(w);
        if (n >= sizeof w->buf) {
            if (!EVP_DigestUpdate(w->ctx, p, n))
                w->fail = 1;
            return;
        }
    }
    memcpy(w->buf + w->n, p, n);
    w->n += n;
}

static void wr_c(wr_t *w, unsigned char c)
{
    if (w->n == sizeof w->buf)
        wr_flush(w);
    w->buf[w->n++] = c;
}

#define unreserved sv_unreserved

static void wr_pct(wr_t *w, unsigned char c)
{
    wr_c(w, '%');
    wr_c(w, (unsigned char)hexdig[c >> 4]);
    wr_c(w, (unsigned char)hexdig[c & 15]);
}

/* ---- canonical URI ---- */

static int write_uri(wr_t *w, const char *path)
{
    size_t len = strlen(path); /* bounded by the caller */
    if (len == 0) {
        wr_c(w, '/');
        return 0;
    }
    /* remove_dot_segments(): keep a stack of the surviving segments */
    uint32_t off[SV_MAX_PATH_SEGMENTS], seglen[SV_MAX_PATH_SEGMENTS];
    size_t nseg = 0;
    for (size_t i = 0; i <= len;) {
        const char *slash = memchr(path + i, '/', len - i);
        size_t stop = slash != NULL ? (size_t)(slash - path) : len;
        size_t n = stop - i;
        if (n == 0 || (n == 1 && path[i] == '.')) {
            /* empty or "." */
        } else if (n == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (nseg > 0)
                nseg--;
        } else {
            if (nseg == SV_MAX_PATH_SEGMENTS)
                return -2;
            off[nseg] = (uint32_t)i;
            seglen[nseg] = (uint32_t)n;
            nseg++;
        }
        i = stop + 1;
    }
    if (path[0] == '/')
        wr_c(w, '/');
    for (size_t s = 0; s < nseg; s++) {
        if (s > 0)
            wr_c(w, '/');
        const unsigned char *p = (const unsigned char *)path + off[s];
        for (size_t k = 0; k < seglen[s]; k++) {
            if (unreserved(p[k]))
                wr_c(w, p[k]);
            else
                wr_pct(w, p[k]);
        }
    }
    if (path[len - 1] == '/' && nseg > 0)
        wr_c(w, '/');
    return 0;
}

/* ---- canonical query: an iterator over the canonical encoding of a raw
 * component, so that sorting and writing need no buffer ---- */

typedef struct enc_it {
    sv_span_t raw;
    size_t i;
    unsigned char pend[2];
    int npend, ipend;
} enc_it_t;

static int enc_next(enc_it_t *it)
{
    if (it->ipend < it->npend)
        return it->pend[it->ipend++];
    if (it->i >= it->raw.n)
        return -1;
    unsigned char c = sv_decode_one(it->raw, &it->i);
    if (unreserved(c))
        return c;
    it->pend[0] = (unsigned char)hexdig[c >> 4];
    it->pend[1] = (unsigned char)hexdig[c & 15];
    it->npend = 2;
    it->ipend = 0;
    return '%';
}

static int cmp_encoded(sv_span_t a, sv_span_t b)
{
    enc_it_t x = {.raw = a}, y = {.raw = b};
    for (;;) {
        int ca = enc_next(&x), cb = enc_next(&y);
        if (ca != cb)
            return ca < cb ? -1 : 1; /* the end (-1) sorts first */
        if (ca < 0)
            return 0;
    }
}

static int cmp_component(sv_span_t a, bool a_canon, sv_span_t b, bool b_canon)
{
    if (!a_canon || !b_canon)
        return cmp_encoded(a, b);
    int r = memcmp(a.p, b.p, a.n < b.n ? a.n : b.n);
    return r != 0 ? r : (a.n > b.n) - (a.n < b.n);
}

static int cmp_qparam(const void *a, const void *b)
{
    const sv_qparam_t *x = a, *y = b;
    int r = cmp_component(x->key, x->key_canon, y->key, y->key_canon);
    return r != 0 ? r : cmp_component(x->val, x->val_canon, y->val, y->val_canon);
}

static void wr_encoded(wr_t *w, sv_span_t raw, bool canon)
{
    if (canon) {
        wr_put(w, raw.p, raw.n);
        return;
    }
    enc_it_t it = {.raw = raw};
    for (int c; (c = enc_next(&it)) >= 0;)
        wr_c(w, (unsigned char)c);
}

static void write_query(wr_t *w, sv_qparam_t *qp, size_t nq)
{
    if (nq > 1)
        qsort(qp, nq, sizeof *qp, cmp_qparam);
    bool first = true;
    for (size_t i = 0; i < nq; i++) {
        if (qp[i].skip)
            continue;
        if (!first)
            wr_c(w, '&');
        first = false;
        wr_encoded(w, qp[i].key, qp[i].key_canon);
        wr_c(w, '=');
        wr_encoded(w, qp[i].val, qp[i].val_canon);
    }
}

/* ---- canonical headers ---- */

/* Trimall: outer whitespace dropped, inner runs collapsed to one space. */
static void wr_trimall(wr_t *w, const char *v, size_t n)
{
    size_t i = 0;
    bool any = false;
    while (i < n) {
        if (sv_is_space((unsigned char)v[i])) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !sv_is_space((unsigned char)v[j]))
            j++;
        if (any)
            wr_c(w, ' ');
        wr_put(w, v + i, j - i);
        any = true;
        i = j;
    }
}

static void write_headers(wr_t *w, const sigv4_request_t *req, sv_span_t list)
{
    const char *p = list.p, *end = list.p + list.n;
    for (;;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi != NULL ? semi : end;
        sv_span_t name = sv_span(p, (size_t)(stop - p));
        wr_put(w, name.p, name.n);
        wr_c(w, ':');
        bool first = true;
        for (size_t i = 0; i < req->n_headers; i++) {
            const sigv4_header_t *h = &req->headers[i];
            if (h->name_len != name.n || strncasecmp(h->name, name.p, name.n) != 0)
                continue;
            if (!first)
                wr_c(w, ',');
            first = false;
            wr_trimall(w, h->value, h->value_len);
        }
        wr_c(w, '\n');
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    wr_c(w, '\n');
    wr_put(w, list.p, list.n);
}

int sv_canonical_hash(EVP_MD_CTX *ctx, const sv_canon_in_t *in, unsigned char out[32])
{
    wr_t wr = {.ctx = ctx}, *w = &wr;
    int rc = -1;
    if (!EVP_DigestInit_ex2(w->ctx, g_sha256, NULL))
        goto done;
    for (const char *m = in->req->method; *m != '\0'; m++)
        wr_c(w, (unsigned char)(*m >= 'a' && *m <= 'z' ? *m - 'a' + 'A' : *m));
    wr_c(w, '\n');
    if (write_uri(w, in->req->path) == -2) {
        rc = -2;
        goto done;
    }
    wr_c(w, '\n');
    write_query(w, in->qp, in->nq);
    wr_c(w, '\n');
    write_headers(w, in->req, in->signed_headers);
    wr_c(w, '\n');
    wr_put(w, in->payload_hash.p, in->payload_hash.n);
    wr_flush(w);
    unsigned int mdlen = 0;
    if (!w->fail && EVP_DigestFinal_ex(w->ctx, out, &mdlen) && mdlen == 32)
        rc = 0;
done:
    return rc;
}

/* ---- key chain ---- */

/* The signing key (kSigning) depends only on the secret, the day, the
 * region and the service: derived once (four HMACs) and then reused for
 * every request of that key and day. Each thread keeps the last few; the
 * secret itself is not kept, only its SHA-256. */
#define SIGNING_KEY_CACHE 4

typedef struct signing_key {
    unsigned char secret_sha[32];
    char date8[8];
    char region[32];
    char service[64];
    unsigned char k[32];
    bool used;
} signing_key_t;

static __thread signing_key_t key_cache[SIGNING_KEY_CACHE];
static __thread unsigned key_cache_next;

static bool span_is(sv_span_t s, const char *field, size_t size)
{
    return s.n < size && memcmp(field, s.p, s.n) == 0 && field[s.n] == '\0';
}

static int signing_key(EVP_MD_CTX *ctx, const char *secret, size_t secret_len, sv_span_t date8, sv_span_t region,
                       sv_span_t service, unsigned char out[32])
{
    unsigned char sha[32];
    unsigned int sha_len = 0;
    if (date8.n != 8 || region.n >= sizeof key_cache[0].region || service.n >= sizeof key_cache[0].service ||
        EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 || EVP_DigestUpdate(ctx, secret, secret_len) != 1 ||
        EVP_DigestFinal_ex(ctx, sha, &sha_len) != 1)
        return -1;
    for (int i = 0; i < SIGNING_KEY_CACHE; i++) {
        signing_key_t *e = &key_cache[i];
        if (e->used && memcmp(e->secret_sha, sha, 32) == 0 && memcmp(e->date8, date8.p, 8) == 0 &&
            span_is(region, e->region, sizeof e->region) && span_is(service, e->service, sizeof e->service)) {
            memcpy(out, e->k, 32);
            return 0;
        }
    }
    unsigned char kbuf[4 + SIGV4_SECRET_MAX], k1[32], k2[32];
    if (secret_len > SIGV4_SECRET_MAX)
        return -1;
    memcpy(kbuf, "AWS4", 4);
    memcpy(kbuf + 4, secret, secret_len);
    int rc = sv_hmac_sha256(ctx, kbuf, 4 + secret_len, date8.p, date8.n, k1) == 0 && /* kDate */
                     sv_hmac_sha256(ctx, k1, 32, region.p, region.n, k2) == 0 &&      /* kRegion */
                     sv_hmac_sha256(ctx, k2, 32, service.p, service.n, k1) == 0 &&    /* kService */
                     sv_hmac_sha256(ctx, k1, 32, "aws4_request", 12, out) == 0         /* kSigning */
                 ? 0
                 : -1;
    OPENSSL_cleanse(kbuf, sizeof kbuf);
    OPENSSL_cleanse(k1, sizeof k1);
    OPENSSL_cleanse(k2, sizeof k2);
    if (rc == 0) {
        signing_key_t *e = &key_cache[key_cache_next++ % SIGNING_KEY_CACHE];
        memcpy(e->secret_sha, sha, 32);
        memcpy(e->date8, date8.p, 8);
        memcpy(e->region, region.p, region.n);
        e->region[region.n] = '\0';
        memcpy(e->service, service.p, service.n);
        e->service[service.n] = '\0';
        memcpy(e->k, out, 32);
        e->used = true;
    }
    return rc;
}

int sv_signature_hex(EVP_MD_CTX *ctx, const char *secret, size_t secret_len, sv_span_t date8,
                     sv_span_t region, sv_span_t service, const char *sts, size_t sts_len,
                     char out[65])
{
    unsigned char k[32], sig[32];
    int rc = signing_key(ctx, secret, secret_len, date8, region, service, k) == 0 &&
                     sv_hmac_sha256(ctx, k, 32, sts, sts_len, sig) == 0
                 ? 0
                 : -1;
    OPENSSL_cleanse(k, sizeof k);
    if (rc == 0)
        to_hex(sig, out);
    return rc;
}
