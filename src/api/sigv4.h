/* sigv4.h - AWS Signature Version 4 verification (AWS4-HMAC-SHA256).
 *
 * A pure module: no sockets, no global state besides the OpenSSL algorithms
 * fetched once. The caller hands over the request exactly as received and
 * gets back either the authenticated account and region, or the exception
 * AWS would answer with (docs/ecs-behavior.md §1.6.3, HTTP 400).
 *
 * Both forms are accepted:
 *   - the Authorization header (what every SDK sends), with X-Amz-Date or,
 *     failing that, Date;
 *   - query-string ("presigned") authentication: X-Amz-Algorithm,
 *     X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
 *     X-Amz-Signature (the last one is left out of the canonical query).
 *
 * The payload hash is the hex SHA-256 of the body bytes; when an
 * X-Amz-Content-SHA256 header is present its value is used instead (as
 * botocore does) and it must then match the body (UNSIGNED-PAYLOAD is only
 * accepted for an empty body).
 *
 * All inputs are pointer + length; nothing is assumed NUL-terminated except
 * method, path, query and the params' strings. Thread-safe. Per call: about
 * 10 KB of stack, one EVP_MD_CTX, no other allocation; oversize input
 * (query > 16 KB or 64 pairs, path > 8 KB, SignedHeaders > 4 KB, ...) is
 * rejected with IncompleteSignatureException, never truncated.
 */
#ifndef ECSD_API_SIGV4_H
#define ECSD_API_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct sigv4_header {
    const char *name;   /* any case, not NUL-terminated */
    size_t name_len;
    const char *value;  /* as received (outer whitespace may be present) */
    size_t value_len;
} sigv4_header_t;

typedef struct sigv4_request {
    const char *method;             /* "POST" */
    const char *path;               /* raw path as received, e.g. "/" */
    const char *query;              /* raw query string without '?', or NULL */
    const sigv4_header_t *headers;  /* as received, in order */
    size_t n_headers;
    const unsigned char *body;      /* exact bytes; may be NULL when body_len == 0 */
    size_t body_len;
} sigv4_request_t;

/* Buffer sizes handed to the lookup function. */
#define SIGV4_SECRET_MAX 256  /* secret_size: room for the secret and its NUL */
#define SIGV4_ACCOUNT_MAX 13  /* account_size: 12 digits and a NUL */

/* Finds the secret and the account of an access key id (NUL-terminated).
 * Writes NUL-terminated strings into secret/account and returns 1, or
 * returns 0 when the key is unknown. */
typedef int (*sigv4_lookup_fn)(void *arg, const char *access_key, char *secret,
                               size_t secret_size, char *account, size_t account_size);

typedef struct sigv4_params {
    const char *service;     /* signing name, "ecs"; NULL means "ecs" */
    const char *region;      /* the served regions, comma-separated ("us-east-1" or
                              * "us-east-1,eu-west-1"); NULL or "" accepts any
                              * well-formed region */
    int64_t now;             /* server clock, epoch seconds */
    int max_skew_seconds;    /* allowed clock skew; <= 0 means 900 (15 min.) */
    sigv4_lookup_fn lookup;
    void *lookup_arg;
    /* Checks the session token a request carries (X-Amz-Security-Token,
     * header or query) against its key: 0 valid, -2 expired, -1 not a
     * token of this key. NULL: a token is not looked at. */
    int (*token_check)(void *arg, const char *access_key, const char *secret, const char *token, size_t len,
                       int64_t now);
    void *token_arg;
} sigv4_params_t;

/* Returns 0 when the request is authentic: account_out gets the key's
 * account, region_out the region of the credential scope (both
 * NUL-terminated). Returns -1 with err filled (status 400, AWS's __type and
 * message) otherwise; 500 ServerException only if OpenSSL fails. */
int sigv4_verify(const sigv4_request_t *req, const sigv4_params_t *p, char account_out[13],
                 char region_out[32], ecs_error_t *err);

/* The region of the request's credential scope (Authorization header or
 * X-Amz-Credential query parameter), without verifying anything: for a
 * server that does not authenticate (--insecure-no-auth) but still files
 * resources under the region the client signed for. 1 with region_out
 * filled, 0 when the request carries no well-formed scope. */
int sigv4_scope_region(const sigv4_request_t *req, char region_out[32]);

/* Signing, for ecsd's own clients (the agent, the load generator). */
typedef struct sigv4_signer {
    const char *access_key;
    const char *secret;
    const char *region;
    const char *service; /* NULL means "ecs" */
} sigv4_signer_t;

#define SIGV4_AUTHORIZATION_MAX 512

/* Signs a request whose signed headers are content-type, host, x-amz-date
 * and, when target is not NULL, x-amz-target (what botocore signs for
 * ECS). host is the Host header as sent ("127.0.0.1:7070"); path is "/"
 * or e.g. "/v1/poll" (no query). Writes the X-Amz-Date value and the
 * Authorization header value. 0, or -1 when an input is too long or
 * OpenSSL fails. */
int sigv4_sign(const sigv4_signer_t *s, const char *method, const char *host, const char *path,
               const char *content_type, const char *target, const void *body, size_t body_len, int64_t now,
               char amz_date[17], char authorization[SIGV4_AUTHORIZATION_MAX]);

#endif
