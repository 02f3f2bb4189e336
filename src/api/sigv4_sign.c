/* sigv4_sign.c - signs requests for ecsd's own clients, with the same
 * canonicalisation the verifier checks (and that is tested against
 * botocore's signer). */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "api/sigv4.h"
#include "api/sigv4_internal.h"

static sigv4_header_t header(const char *name, const char *value)
{
    return (sigv4_header_t){.name = name, .name_len = strlen(name), .value = value, .value_len = strlen(value)};
}

int sigv4_sign(const sigv4_signer_t *s, const char *method, const char *host, const char *path,
               const char *content_type, const char *target, const void *body, size_t body_len, int64_t now,
               char amz_date[17], char authorization[SIGV4_AUTHORIZATION_MAX])
{
    const char *service = s->service ? s->service : "ecs";
    if (sv_crypto_init() != 0 || strlen(s->access_key) > SV_MAX_ACCESS_KEY || strlen(s->region) > 31 ||
        strlen(service) > 63)
        return -1;
    sv_format_amz_date(now, amz_date);
    sigv4_header_t headers[4] = {header("content-type", content_type), header("host", host),
                                 header("x-amz-date", amz_date)};
    size_t n_headers = 3;
    if (target != NULL)
        headers[n_headers++] = header("x-amz-target", target);
    const char *signed_headers = target ? "content-type;host;x-amz-date;x-amz-target" : "content-type;host;x-amz-date";
    sigv4_request_t req = {.method = method, .path = path, .headers = headers, .n_headers = n_headers,
                           .body = body, .body_len = body_len};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return -1;
    char payload_hash[65], canonical_hex[65], signature[65], sts[256];
    unsigned char canonical[32];
    sv_canon_in_t in = {.req = &req, .signed_headers = sv_span(signed_headers, strlen(signed_headers)),
                        .payload_hash = sv_span(payload_hash, 64)};
    int rc = -1;
    if (sv_sha256_hex(ctx, body, body_len, payload_hash) != 0 || sv_canonical_hash(ctx, &in, canonical) != 0)
        goto done;
    for (int i = 0; i < 32; i++)
        snprintf(canonical_hex + 2 * i, 3, "%02x", canonical[i]);
    int sts_len = snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date, amz_date,
                           s->region, service, canonical_hex);
    if (sts_len < 0 || (size_t)sts_len >= sizeof sts ||
        sv_signature_hex(ctx, s->secret, strlen(s->secret), sv_span(amz_date, 8), sv_span(s->region, strlen(s->region)),
                         sv_span(service, strlen(service)), sts, (size_t)sts_len, signature) != 0)
        goto done;
    int n = snprintf(authorization, SIGV4_AUTHORIZATION_MAX,
                     "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=%s, Signature=%s",
                     s->access_key, amz_date, s->region, service, signed_headers, signature);
    rc = n > 0 && n < SIGV4_AUTHORIZATION_MAX ? 0 : -1;
done:
    EVP_MD_CTX_free(ctx);
    return rc;
}
