/* Regions and scopes: the scope "ACCOUNT:REGION" (model/context.c), the
 * served-regions list (common/config.c, api/sigv4.c), the region of a
 * request's credential scope (sigv4_scope_region, api_authenticate), the
 * ids of the long ARN format (common/ids.c) and the ARNs an id makes
 * (model/params.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/sigv4.h"
#include "common/config.h"
#include "common/ids.h"
#include "model/context.h"
#include "model/params.h"
#include "test.h"

TEST(scope_make_and_split)
{
    char scope[MODEL_SCOPE_MAX], account[13], region[MODEL_REGION_MAX];
    model_scope_make(scope, "123456789012", "eu-west-1");
    CHECK_STR(scope, "123456789012:eu-west-1");
    CHECK(model_scope_split(scope, account, region));
    CHECK_STR(account, "123456789012");
    CHECK_STR(region, "eu-west-1");
    /* the longest region name fits */
    char longest[32];
    memset(longest, 'a', 31);
    longest[31] = '\0';
    model_scope_make(scope, "123456789012", longest);
    CHECK(strlen(scope) == 12 + 1 + 31);
    CHECK(model_scope_split(scope, account, region));
    CHECK_STR(region, longest);
    /* a bare account (rows of before regions) and other junk are no scope */
    const char *bad[] = {"123456789012", ":eu-west-1", "123456789012:", "1234567890123:us-east-1", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(!model_scope_split(bad[i], account, region));
        CHECK_STR(account, "");
        CHECK_STR(region, "");
    }
}

TEST(regions_listed)
{
    CHECK(config_region_listed(NULL, "ap-south-1"));
    CHECK(config_region_listed("", "ap-south-1"));
    CHECK(config_region_listed("us-east-1", "us-east-1"));
    CHECK(config_region_listed("us-east-1,eu-west-1", "eu-west-1"));
    CHECK(!config_region_listed("us-east-1,eu-west-1", "eu-west"));
    CHECK(!config_region_listed("us-east-1,eu-west-1", "eu-west-12"));
    CHECK(!config_region_listed("us-east-1", "us-east-1,"));
}

TEST(regions_option_checked)
{
    ecsd_config_t cfg;
    char *ok[] = {"server", "--regions", "us-east-1,eu-west-1"};
    REQUIRE(config_parse(&cfg, CFG_SERVER, "server", 3, ok) == 0);
    CHECK_STR(cfg.regions, "us-east-1,eu-west-1");
    CHECK(config_check(&cfg, CFG_SERVER) == 0);
    config_free(&cfg);
    const char *bad[] = {"eu-west-1", "us-east-1,", ",us-east-1", "us-east-1,,eu-west-1", "us-east-1,EU"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"server", "--regions", (char *)bad[i]};
        REQUIRE(config_parse(&cfg, CFG_SERVER, "server", 3, argv) == 0);
        CHECK(config_check(&cfg, CFG_SERVER) < 0); /* the default us-east-1 missing, or a bad name */
        config_free(&cfg);
    }
}

TEST(ids_hex32_format)
{
    char a[IDS_HEX32_LEN + 1], b[IDS_HEX32_LEN + 1];
    ids_hex32(a);
    ids_hex32(b);
    CHECK(strlen(a) == 32 && strspn(a, "0123456789abcdef") == 32);
    CHECK(strcmp(a, b) != 0);
    CHECK(ids_is_hex32(a, strlen(a)));
    char uuid[IDS_UUID_LEN + 1];
    ids_uuid4(uuid);
    CHECK(!ids_is_hex32(uuid, strlen(uuid)));
    CHECK(!ids_is_hex32("0123456789abcdef0123456789abcdeg", 32));
    CHECK(!ids_is_hex32("0123456789abcdef0123456789abcde", 31));
    CHECK(ids_is_hex32("0123456789ABCDEF0123456789abcdef", 32));
}

TEST(id_arns_follow_the_id)
{
    model_ctx_t ctx = {.region = "eu-west-1", .account = "123456789012"};
    char *a = api_id_arn(&ctx, "task", "web", "0123456789abcdef0123456789abcdef");
    CHECK_STR(a, "arn:aws:ecs:eu-west-1:123456789012:task/web/0123456789abcdef0123456789abcdef");
    free(a);
    a = api_id_arn(&ctx, "container-instance", "web", "ffe3d344-77e2-476c-a4d0-bf560ad50acb");
    CHECK_STR(a, "arn:aws:ecs:eu-west-1:123456789012:container-instance/ffe3d344-77e2-476c-a4d0-bf560ad50acb");
    free(a);
    json_t *j = api_id_arn_json(&ctx, "task", "c", "0123456789abcdef0123456789abcdef");
    CHECK_STR(json_string_value(j), "arn:aws:ecs:eu-west-1:123456789012:task/c/0123456789abcdef0123456789abcdef");
    json_decref(j);
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

/* A request signed for region, as the agent signs. */
typedef struct signed_req {
    char date[17], auth[SIGV4_AUTHORIZATION_MAX];
    sigv4_header_t h[4];
    sigv4_request_t req;
} signed_req_t;

static const char body[] = "{}";

static void sign_for(signed_req_t *s, const char *region)
{
    sigv4_signer_t signer = {.access_key = "AKIDTEST", .secret = "sekrit", .region = region};
    if (sigv4_sign(&signer, "POST", "127.0.0.1:7070", "/", "application/x-amz-json-1.1", NULL, body,
                   strlen(body), 1795000000, s->date, s->auth) < 0)
        abort();
    s->h[0] = (sigv4_header_t){"Content-Type", 12, "application/x-amz-json-1.1", 26};
    s->h[1] = (sigv4_header_t){"Host", 4, "127.0.0.1:7070", 14};
    s->h[2] = (sigv4_header_t){"X-Amz-Date", 10, s->date, 16};
    s->h[3] = (sigv4_header_t){"Authorization", 13, s->auth, strlen(s->auth)};
    s->req = (sigv4_request_t){.method = "POST", .path = "/", .headers = s->h, .n_headers = 4,
                               .body = (const unsigned char *)body, .body_len = strlen(body)};
}

TEST(sigv4_served_regions_list)
{
    signed_req_t s;
    sign_for(&s, "eu-west-1");
    char account[13], region[32];
    ecs_error_t err = {0};
    const char *served[] = {NULL, "", "eu-west-1", "us-east-1,eu-west-1", "eu-west-1,us-east-1"};
    for (size_t i = 0; i < sizeof served / sizeof served[0]; i++) {
        sigv4_params_t p = {.region = served[i], .now = 1795000000, .lookup = lookup};
        CHECK(sigv4_verify(&s.req, &p, account, region, &err) == 0);
        CHECK_STR(region, "eu-west-1");
    }
    const char *refused[] = {"us-east-1", "us-east-1,eu-west-2", "eu-west-1x", "eu-west"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        sigv4_params_t p = {.region = refused[i], .now = 1795000000, .lookup = lookup};
        CHECK(sigv4_verify(&s.req, &p, account, region, &err) < 0);
        CHECK_STR(err.type, "InvalidSignatureException");
        CHECK_STR(err.message, "Credential should be scoped to a valid region, not 'eu-west-1'. ");
    }
}

TEST(sigv4_scope_region_unverified)
{
    signed_req_t s;
    sign_for(&s, "ap-south-1");
    char region[32];
    CHECK(sigv4_scope_region(&s.req, region) == 1);
    CHECK_STR(region, "ap-south-1");
    /* no authentication at all */
    sigv4_request_t bare = {.method = "POST", .path = "/", .headers = s.h, .n_headers = 2};
    CHECK(sigv4_scope_region(&bare, region) == 0);
    /* a malformed credential or region */
    const char *bad[] = {"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/ecs, Signature=x",
                         "AWS4-HMAC-SHA256 Credential=AKID/20260101/US_EAST/ecs/aws4_request, Signature=x",
                         "AWS4-HMAC-SHA256 Signature=x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sigv4_header_t h = {"Authorization", 13, bad[i], strlen(bad[i])};
        sigv4_request_t r = {.method = "POST", .path = "/", .headers = &h, .n_headers = 1};
        CHECK(sigv4_scope_region(&r, region) == 0);
    }
    /* the query form */
    sigv4_request_t q = {.method = "GET", .path = "/",
                         .query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Feu-north-1"
                                  "%2Fecs%2Faws4_request&X-Amz-Signature=x"};
    CHECK(sigv4_scope_region(&q, region) == 1);
    CHECK_STR(region, "eu-north-1");
}

TEST(auth_region_without_credentials)
{
    model_service_t svc = {.region = "us-east-1", .account = "000000000000"};
    signed_req_t s;
    sign_for(&s, "eu-west-1");
    char account[13], region[MODEL_REGION_MAX];
    ecs_error_t err = {0};
    /* --insecure-no-auth: the signed region, or the default one */
    CHECK(api_authenticate(&svc, &s.req, account, region, &err) == 0);
    CHECK_STR(account, "000000000000");
    CHECK_STR(region, "eu-west-1");
    sigv4_request_t bare = {.method = "POST", .path = "/", .headers = s.h, .n_headers = 2};
    CHECK(api_authenticate(&svc, &bare, account, region, &err) == 0);
    CHECK_STR(region, "us-east-1");
    /* --regions applies too */
    svc.regions = "us-east-1,eu-central-1";
    CHECK(api_authenticate(&svc, &s.req, account, region, &err) < 0);
    CHECK_STR(err.type, "InvalidSignatureException");
    CHECK(api_authenticate(&svc, &bare, account, region, &err) == 0);
}
