/* fuzz_sigv4.c - libFuzzer target: the SigV4 parser and verifier
 * (sigv4_verify, api/sigv4*.c) on a request as received.
 *
 * Input: an HTTP request in text form, as in the seed corpus:
 *
 *     POST /?X-Amz-Algorithm=...&...     <- method, space, path[?query]
 *     Host: 127.0.0.1:5871               <- headers "Name:value" (value raw,
 *     Authorization: AWS4-HMAC-SHA256 ...   leading blanks kept), one a line
 *                                        <- an empty line
 *     {"maxResults": 5}                  <- the body: the rest, exact bytes
 *
 * Lines end in "\n" (a "\r" before it is dropped). Every header name and
 * value and the body are copied into heap blocks of exactly their size,
 * with no NUL after them, so AddressSanitizer sees any read past a length
 * the network gave. The server side is fixed: key AKIDEXAMPLE with its
 * secret (account 123456789012), region us-west-2, and the clock of the
 * botocore-signed seeds (tests/unit/data/sigv4_vectors.json), so the seeds
 * verify and the fuzzer starts from the accepting path.
 *
 * Invariants: 0 with a 12-digit account and the scope's region, or -1 with
 * a 400 of AWS's authentication exceptions (500 only if OpenSSL fails,
 * which it must not here) and a non-empty, valid UTF-8 message; the same
 * answer twice; and the same verdict when every header value has its outer
 * blanks removed (as the HTTP front's parser does: sigv4.h allows both).
 *
 * FUZZ_VERBOSE=1 in the environment prints each verdict (for checking seeds:
 * `FUZZ_VERBOSE=1 build-fuzz/fuzz_sigv4 tests/fuzz/corpus/sigv4/*`).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/sigv4.h"

#define FUZZ_NOW 1795974462 /* 2026-11-29T17:47:42Z, the seeds' X-Amz-Date */
#define FUZZ_KEY "AKIDEXAMPLE"
#define FUZZ_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define FUZZ_ACCOUNT "123456789012"
#define MAX_HEADERS 80 /* a few more than the HTTP front passes on (64) */

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_sigv4: " __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int g_verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *v = getenv("FUZZ_VERBOSE");
    g_verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
    return 0;
}

static int lookup(void *arg, const char *access_key, char *secret, size_t secret_size, char *account,
                  size_t account_size)
{
    (void)arg;
    if (strcmp(access_key, FUZZ_KEY) != 0)
        return 0;
    snprintf(secret, secret_size, "%s", FUZZ_SECRET);
    snprintf(account, account_size, "%s", FUZZ_ACCOUNT);
    return 1;
}

static void *dup_exact(const uint8_t *p, size_t n) /* no NUL after: over-reads trip ASan */
{
    void *d = malloc(n > 0 ? n : 1);
    if (d == NULL)
        abort();
    if (n > 0)
        memcpy(d, p, n);
    return d;
}

static char *dup_str(const uint8_t *p, size_t n) /* NUL-terminated, cut at an inner NUL */
{
    const uint8_t *z = memchr(p, '\0', n);
    if (z != NULL)
        n = (size_t)(z - p);
    char *d = malloc(n + 1);
    if (d == NULL)
        abort();
    memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

/* The next line of data[*at .. size): its start and length without "\r\n".
 * 0 when no "\n" is left. */
static int next_line(const uint8_t *data, size_t size, size_t *at, const uint8_t **line, size_t *len)
{
    if (*at >= size)
        return 0;
    const uint8_t *nl = memchr(data + *at, '\n', size - *at);
    if (nl == NULL)
        return 0;
    *line = data + *at;
    *len = (size_t)(nl - *line);
    if (*len > 0 && (*line)[*len - 1] == '\r')
        (*len)--;
    *at = (size_t)(nl - data) + 1;
    return 1;
}

static void check_answer(int rc, const char *account, const ecs_error_t *err)
{
    ABORT_IF(rc != 0 && rc != -1, "returned %d", rc);
    if (rc == 0) {
        ABORT_IF(strcmp(account, FUZZ_ACCOUNT) != 0, "accepted for account '%s'", account);
        return;
    }
    ABORT_IF(err->status != 400, "status %d (%s: %s)", err->status, err->type, err->message);
    static const char *const types[] = {"MissingAuthenticationTokenException", "IncompleteSignatureException",
                                        "UnrecognizedClientException", "InvalidSignatureException",
                                        "AccessDeniedException", "InvalidClientTokenId"};
    int known = 0;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        known |= strcmp(err->type, types[i]) == 0;
    ABORT_IF(!known, "unexpected exception %s: %s", err->type, err->message);
    ABORT_IF(err->message[0] == '\0', "%s with an empty message", err->type);
    json_t *s = json_string(err->message);
    ABORT_IF(s == NULL, "%s: message is not valid UTF-8: %s", err->type, err->message);
    json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t at = 0, len;
    const uint8_t *line;
    if (!next_line(data, size, &at, &line, &len))
        return 0;
    const uint8_t *sp = memchr(line, ' ', len);
    if (sp == NULL)
        return 0;
    char *method = dup_str(line, (size_t)(sp - line));
    const uint8_t *target = sp + 1;
    size_t target_len = len - (size_t)(target - line);
    const uint8_t *q = memchr(target, '?', target_len);
    char *path = dup_str(target, q ? (size_t)(q - target) : target_len);
    char *query = q ? dup_str(q + 1, target_len - (size_t)(q + 1 - target)) : NULL;

    sigv4_header_t headers[MAX_HEADERS];
    size_t n = 0;
    while (next_line(data, size, &at, &line, &len) && len > 0) {
        if (n == MAX_HEADERS)
            break;
        const uint8_t *colon = memchr(line, ':', len);
        size_t name_len = colon ? (size_t)(colon - line) : len;
        size_t value_len = colon ? len - name_len - 1 : 0;
        headers[n].name = dup_exact(line, name_len);
        headers[n].name_len = name_len;
        headers[n].value = dup_exact(colon ? colon + 1 : line, value_len);
        headers[n].value_len = value_len;
        n++;
    }
    size_t body_len = at < size ? size - at : 0;
    unsigned char *body = body_len ? dup_exact(data + at, body_len) : NULL;

    sigv4_request_t req = {.method = method, .path = path, .query = query, .headers = headers,
                           .n_headers = n, .body = body, .body_len = body_len};
    sigv4_params_t p = {.service = "ecs", .region = "us-west-2", .now = FUZZ_NOW, .lookup = lookup};
    char account[13] = "", region[32] = "", account2[13] = "", region2[32] = "";
    ecs_error_t err, err2;
    memset(&err, 0, sizeof err);
    memset(&err2, 0, sizeof err2);
    int rc = sigv4_verify(&req, &p, account, region, &err);
    if (g_verbose)
        fprintf(stderr, "sigv4: %s %s\n", rc == 0 ? "ok" : err.type, rc == 0 ? account : err.message);
    check_answer(rc, account, &err);
    if (rc == 0)
        ABORT_IF(strcmp(region, "us-west-2") != 0, "accepted for region '%s'", region);
    /* Any region accepted: the scope's region comes back, well-formed. */
    sigv4_params_t any = p;
    any.region = NULL;
    int rc2 = sigv4_verify(&req, &any, account2, region2, &err2);
    check_answer(rc2, account2, &err2);
    ABORT_IF(rc == 0 && rc2 != 0, "accepted for us-west-2 but refused for any region: %s", err2.message);
    if (rc2 == 0)
        ABORT_IF(region2[0] == '\0' || strlen(region2) >= sizeof region2, "bad region '%s'", region2);
    /* The unverified scope region (--insecure-no-auth) agrees with the
     * verified one, and is well-formed whenever there is one. */
    char scope_region[32] = "";
    int has_scope = sigv4_scope_region(&req, scope_region);
    if (has_scope == 1)
        ABORT_IF(scope_region[0] == '\0' || strlen(scope_region) > 31 ||
                     strspn(scope_region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(scope_region),
                 "bad scope region '%s'", scope_region);
    if (rc2 == 0)
        ABORT_IF(has_scope != 1 || strcmp(scope_region, region2) != 0, "scope region '%s' but verified '%s'",
                 scope_region, region2);
    /* A served list holds the region like the one region does. */
    sigv4_params_t list = p;
    list.region = "xx-nowhere-1,us-west-2"; /* no seed is signed for the first */
    char account4[13] = "", region4[32] = "";
    ecs_error_t err4;
    ABORT_IF(sigv4_verify(&req, &list, account4, region4, &err4) != rc, "a list with us-west-2 differs");
    /* Deterministic. */
    ecs_error_t err3;
    char account3[13] = "", region3[32] = "";
    int rc3 = sigv4_verify(&req, &p, account3, region3, &err3);
    ABORT_IF(rc3 != rc, "%d then %d for the same request", rc, rc3);
    ABORT_IF(rc == -1 && (strcmp(err.type, err3.type) != 0 || strcmp(err.message, err3.message) != 0),
             "two answers for one request: %s / %s", err.message, err3.message);

    /* Outer blanks of header values do not change the verdict. */
    sigv4_header_t trimmed[MAX_HEADERS];
    for (size_t i = 0; i < n; i++) {
        const char *v = headers[i].value;
        size_t vl = headers[i].value_len;
        while (vl > 0 && (v[0] == ' ' || v[0] == '\t'))
            v++, vl--;
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        trimmed[i] = (sigv4_header_t){headers[i].name, headers[i].name_len, v, vl};
    }
    sigv4_request_t treq = req;
    treq.headers = trimmed;
    int rc4 = sigv4_verify(&treq, &p, account3, region3, &err3);
    ABORT_IF(rc4 != rc || (rc == -1 && strcmp(err.type, err3.type) != 0),
             "blanks around header values change the verdict: %s / %s", rc == 0 ? "ok" : err.message,
             rc4 == 0 ? "ok" : err3.message);

    for (size_t i = 0; i < n; i++) {
        free((void *)headers[i].name);
        free((void *)headers[i].value);
    }
    free(body);
    free(method);
    free(path);
    free(query);
    return 0;
}
