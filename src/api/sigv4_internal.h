/* sigv4_internal.h - shared by src/api/sigv4*.c only; not an interface.
 *
 * sigv4_parse.c      spans, header look-up, Authorization / query / date parsing
 * sigv4_canonical.c  canonical request (streamed into SHA-256), key chain, HMAC
 * sigv4.c            sigv4_verify(): the checks, in AWS's order, and the errors
 */
#ifndef ECSD_API_SIGV4_INTERNAL_H
#define ECSD_API_SIGV4_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "api/sigv4.h"

/* Bounds on what is parsed into fixed structures. Anything larger is
 * rejected with IncompleteSignatureException; nothing is ever truncated. */
#define SV_MAX_QUERY_LEN 16384        /* raw query string */
#define SV_MAX_QUERY_PARAMS 64        /* key=value pairs in it */
#define SV_MAX_PATH_LEN 8192          /* raw path */
#define SV_MAX_PATH_SEGMENTS 256      /* non-empty segments in it */
#define SV_MAX_SIGNED_HEADERS_LEN 4096 /* the SignedHeaders list */
#define SV_MAX_CREDENTIAL_LEN 512     /* keyid/date/region/service/term */
#define SV_MAX_ACCESS_KEY 128         /* AWS key ids are 16..128 characters */
#define SV_MAX_METHOD 32
#define SV_MAX_EXPIRES 604800         /* presigned: at most a week */

typedef struct sv_span {
    const char *p;
    size_t n;
} sv_span_t;

static inline sv_span_t sv_span(const char *p, size_t n) { return (sv_span_t){p, n}; }

/* ---- sigv4_parse.c ---- */

/* Whitespace as botocore's str.split() sees it in ASCII. */
bool sv_is_space(unsigned char c);
sv_span_t sv_trim(sv_span_t s);
bool sv_span_eq(sv_span_t s, const char *lit);
bool sv_span_ieq(sv_span_t s, const char *lit);

/* First header whose name equals lname (lower-case literal), case-insensitively. */
const sigv4_header_t *sv_find_header(const sigv4_request_t *req, const char *lname);

/* One key=value pair of the raw query, still percent-encoded. */
typedef struct sv_qparam {
    sv_span_t key, val;
    bool key_canon, val_canon; /* already in canonical encoding: used as they are */
    bool skip;                 /* left out of the canonical query (X-Amz-Signature) */
} sv_qparam_t;

/* Splits the raw query on '&' (empty pieces ignored). -1 if more than max. */
int sv_parse_query(const char *query, size_t len, sv_qparam_t *out, size_t max, size_t *n);
/* Decodes the byte at raw.p[*i] ("%XX" with two hex digits, '+' is a space,
 * anything else stands for itself) and advances *i past it. *i < raw.n. */
unsigned char sv_decode_one(sv_span_t raw, size_t *i);
/* Percent-decodes ('+' is a space) raw into out; -1 if it needs more than cap-1
 * bytes. out is NUL-terminated. */
int sv_decode(sv_span_t raw, char *out, size_t cap, size_t *outlen);
/* Whether raw decodes to exactly lit. */
bool sv_decoded_eq(sv_span_t raw, const char *lit);
/* Whether the key of q decodes to lit, a name made of unreserved characters. */
bool sv_qkey_is(const sv_qparam_t *q, const char *lit);
/* A-Za-z0-9 - . _ ~ */
bool sv_unreserved(unsigned char c);

/* The parts of an Authorization header; missing parts have p == NULL. */
typedef struct sv_authz {
    sv_span_t algorithm, credential, signed_headers, signature;
} sv_authz_t;
void sv_parse_authorization(sv_span_t value, sv_authz_t *out);

/* YYYYMMDD'T'HHMMSS'Z' -> epoch seconds; -1 if malformed. */
int64_t sv_parse_amz_date(sv_span_t s);
/* RFC 7231 / RFC 1123 date ("Sun, 29 Nov 2026 17:47:42 GMT", or a numeric
 * zone as botocore's formatdate writes) -> epoch seconds; -1 if malformed. */
int64_t sv_parse_http_date(sv_span_t s);
/* epoch seconds -> YYYYMMDD'T'HHMMSS'Z' */
void sv_format_amz_date(int64_t t, char out[17]);

/* Copies s for use in an error message: printable ASCII only (others
 * become '?'), cut with "..." to fit. Returns out. */
const char *sv_display(sv_span_t s, char *out, size_t cap);

/* ---- sigv4_canonical.c ---- */

/* Fetches SHA-256 once; 0 or -1. The functions below take any EVP_MD_CTX
 * (one is reused for a whole verification) and return 0 or -1. */
int sv_crypto_init(void);
/* Lower-case hex SHA-256 of data. */
int sv_sha256_hex(EVP_MD_CTX *ctx, const void *data, size_t len, char out[65]);
/* HMAC-SHA256 (RFC 2104); out may not alias key. */
int sv_hmac_sha256(EVP_MD_CTX *ctx, const void *key, size_t keylen, const void *msg, size_t msglen,
                   unsigned char out[32]);

typedef struct sv_canon_in {
    const sigv4_request_t *req; /* method, path, headers */
    sv_qparam_t *qp;            /* the query; sorted in place into canonical order */
    size_t nq;
    sv_span_t signed_headers;   /* the list as the client sent it */
    sv_span_t payload_hash;
} sv_canon_in_t;

/* SHA-256 of the canonical request, streamed: no copy of it is built.
 * Returns 0, -1 on an OpenSSL failure, or -2 if the path has more than
 * SV_MAX_PATH_SEGMENTS segments. */
int sv_canonical_hash(EVP_MD_CTX *ctx, const sv_canon_in_t *in, unsigned char out[32]);

/* Hex signature: HMAC chain kDate/kRegion/kService/kSigning over sts. */
int sv_signature_hex(EVP_MD_CTX *ctx, const char *secret, size_t secret_len, sv_span_t date8,
                     sv_span_t region, sv_span_t service, const char *sts, size_t sts_len,
                     char out[65]);

#endif
