/* sigv4_sign: a known answer produced by botocore's signer (the
 * ecs_list_clusters vector of data/sigv4_vectors.json), and sign → verify. */
#include <stdio.h>
#include <string.h>

#include "api/sigv4.h"
#include "test.h"

static const char body[] = "{\"maxResults\": 5}";

TEST(sigv4_sign_matches_botocore)
{
    sigv4_signer_t s = {.access_key = "AKIDEXAMPLE", .secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        .region = "us-west-2"};
    char date[17], auth[SIGV4_AUTHORIZATION_MAX];
    REQUIRE(sigv4_sign(&s, "POST", "127.0.0.1:5871", "/", "application/x-amz-json-1.1",
                       "AmazonEC2ContainerServiceV20141113.ListClusters", body, strlen(body), 1795974462, date,
                       auth) == 0);
    CHECK_STR(date, "20261129T174742Z");
    CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-west-2/ecs/aws4_request, "
                    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                    "Signature=9668695c41ac788969832aaa976eea6ed6754bd5025a2c920b22a637ee9cabf7");
}

static int lookup(void *arg, const char *key, char *secret, size_t secret_size, char *account, size_t account_size)
{
    (void)arg;
    if (strcmp(key, "AKIDTEST") != 0)
        return 0;
    snprintf(secret, secret_size, "sekrit");
    snprintf(account, account_size, "123456789012");
    return 1;
}

TEST(sigv4_sign_then_verify)
{
    sigv4_signer_t s = {.access_key = "AKIDTEST", .secret = "sekrit", .region = "us-east-1"};
    char date[17], auth[SIGV4_AUTHORIZATION_MAX];
    REQUIRE(sigv4_sign(&s, "POST", "127.0.0.1:7070", "/v1/poll", "application/json", NULL, body, strlen(body),
                       1795000000, date, auth) == 0);
    sigv4_header_t h[] = {
        {"Content-Type", 12, "application/json", 16}, {"Host", 4, "127.0.0.1:7070", 14},
        {"X-Amz-Date", 10, date, 16}, {"Authorization", 13, auth, strlen(auth)}};
    sigv4_request_t req = {.method = "POST", .path = "/v1/poll", .headers = h, .n_headers = 4,
                           .body = (const unsigned char *)body, .body_len = strlen(body)};
    sigv4_params_t p = {.region = "us-east-1", .now = 1795000000, .lookup = lookup};
    char account[13], region[32];
    ecs_error_t err = {0};
    CHECK(sigv4_verify(&req, &p, account, region, &err) == 0);
    CHECK_STR(account, "123456789012");
    req.body_len--; /* one byte less is another request */
    CHECK(sigv4_verify(&req, &p, account, region, &err) < 0);
    CHECK_STR(err.type, "InvalidSignatureException");
}
