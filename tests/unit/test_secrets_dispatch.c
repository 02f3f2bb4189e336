/* Tests for Parameter Store and Secrets Manager behind api/dispatch.c,
 * driven in memory: a real secrets store in a temporary folder. What the
 * e2e tests cannot reach quickly: the version caps (100 parameter
 * versions, deprecated secret versions), a failed handler's rollback, and
 * the services being off when the server has no secrets store. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/dispatch.h"
#include "common/cleanup.h"
#include "store/secrets_store.h"
#include "test.h"

typedef struct fixture {
    char dir[64];
    secrets_store_t *secrets;
    model_service_t svc;
} fixture_t;

static int fixture_open(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsd-unit-secrets.XXXXXX");
    ecs_error_t err;
    if (mkdtemp(f->dir) == NULL || secrets_store_open(f->dir, &f->secrets, &err) < 0)
        return -1;
    f->svc = (model_service_t){.secrets = f->secrets, .region = "us-east-1", .account = "000000000000"};
    return 0;
}

static void fixture_close(fixture_t *f)
{
    secrets_store_close(f->secrets);
    static const char *const files[] = {"secrets.db", "secrets.db-wal", "secrets.db-shm", "secrets.key"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
}

/* One call; the answer's JSON (caller decrefs) and its status. Single
 * quotes in json stand for double ones. */
static json_t *call(const fixture_t *f, const char *target, const char *json, int *status)
{
    char buf[2048];
    size_t n = strlen(json);
    for (size_t i = 0; i < n && i < sizeof buf - 1; i++)
        buf[i] = json[i] == '\'' ? '"' : json[i];
    buf[n < sizeof buf - 1 ? n : sizeof buf - 1] = '\0';
    api_request_t req = {.target = target, .content_type = API_CONTENT_TYPE, .body = buf, .body_len = strlen(buf)};
    api_response_t resp = {0};
    api_dispatch(&f->svc, &req, &resp);
    *status = resp.status;
    json_t *out = resp.body ? json_loadb(resp.body, resp.body_len, 0, NULL) : NULL;
    free(resp.body);
    return out;
}

static const char *type_of(const json_t *a)
{
    return json_string_value(json_object_get(a, "__type"));
}

TEST(ssm_keeps_the_last_100_versions)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int st = 0;
    for (int i = 1; i <= 102; i++) {
        char body[200];
        snprintf(body, sizeof body, "{'Name':'/cap/p','Value':'v%d','Type':'String','Overwrite':true}", i);
        cleanup_json json_t *a = call(&f, "AmazonSSM.PutParameter", body, &st);
        CHECK_INT(st, 200);
        CHECK_INT(json_integer_value(json_object_get(a, "Version")), i);
    }
    cleanup_json json_t *gone = call(&f, "AmazonSSM.GetParameter", "{'Name':'/cap/p:2'}", &st);
    CHECK_INT(st, 400);
    CHECK_STR(type_of(gone), "ParameterVersionNotFound");
    cleanup_json json_t *kept = call(&f, "AmazonSSM.GetParameter", "{'Name':'/cap/p:3'}", &st);
    CHECK_INT(st, 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(kept, "Parameter"), "Value")), "v3");
    /* a rejected put changes nothing: the pattern fails, no version 103 */
    cleanup_json json_t *bad = call(&f, "AmazonSSM.PutParameter",
                                    "{'Name':'/cap/p','Value':'x','Overwrite':true,'AllowedPattern':'^[0-9]+$'}", &st);
    CHECK_STR(type_of(bad), "ParameterPatternMismatchException");
    cleanup_json json_t *last = call(&f, "AmazonSSM.GetParameter", "{'Name':'/cap/p'}", &st);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(last, "Parameter"), "Version")), 102);
    fixture_close(&f);
}

TEST(secrets_stages_move_and_deprecated_versions_go)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int st = 0;
    cleanup_json json_t *c = call(&f, "secretsmanager.CreateSecret", "{'Name':'rot','SecretString':'v0'}", &st);
    CHECK_INT(st, 200);
    for (int i = 1; i <= 104; i++) {
        char body[200];
        snprintf(body, sizeof body, "{'SecretId':'rot','SecretString':'v%d'}", i);
        cleanup_json json_t *a = call(&f, "secretsmanager.PutSecretValue", body, &st);
        CHECK_INT(st, 200);
    }
    cleanup_json json_t *d = call(&f, "secretsmanager.DescribeSecret", "{'SecretId':'rot'}", &st);
    const json_t *stages = json_object_get(d, "VersionIdsToStages");
    CHECK_INT(json_object_size(stages), 2);
    /* the first version lost its labels and, past 100 versions, itself */
    char body[200];
    snprintf(body, sizeof body, "{'SecretId':'rot','VersionId':'%s'}",
             json_string_value(json_object_get(c, "VersionId")));
    cleanup_json json_t *old = call(&f, "secretsmanager.GetSecretValue", body, &st);
    CHECK_STR(type_of(old), "ResourceNotFoundException");
    cleanup_json json_t *prev =
        call(&f, "secretsmanager.GetSecretValue", "{'SecretId':'rot','VersionStage':'AWSPREVIOUS'}", &st);
    CHECK_STR(json_string_value(json_object_get(prev, "SecretString")), "v103");
    /* a refused version (its token taken with another value) changes nothing */
    cleanup_json json_t *t1 = call(&f, "secretsmanager.PutSecretValue",
                                   "{'SecretId':'rot','SecretString':'a','ClientRequestToken':'"
                                   "0123456789abcdef0123456789abcdef'}",
                                   &st);
    CHECK_INT(st, 200);
    cleanup_json json_t *t2 = call(&f, "secretsmanager.PutSecretValue",
                                   "{'SecretId':'rot','SecretString':'b','ClientRequestToken':'"
                                   "0123456789abcdef0123456789abcdef'}",
                                   &st);
    CHECK_STR(type_of(t2), "ResourceExistsException");
    cleanup_json json_t *cur = call(&f, "secretsmanager.GetSecretValue", "{'SecretId':'rot'}", &st);
    CHECK_STR(json_string_value(json_object_get(cur, "SecretString")), "a");
    fixture_close(&f);
}

TEST(secrets_services_off_without_a_store)
{
    model_service_t svc = {.region = "us-east-1", .account = "000000000000"};
    static const char *const targets[] = {"AmazonSSM.GetParameter", "secretsmanager.GetSecretValue"};
    for (size_t i = 0; i < 2; i++) {
        api_request_t req = {.target = targets[i], .content_type = API_CONTENT_TYPE, .body = "{}", .body_len = 2};
        api_response_t resp = {0};
        api_dispatch(&svc, &req, &resp);
        CHECK_INT(resp.status, 400);
        CHECK(resp.body != NULL && strstr(resp.body, "UnknownOperationException") != NULL);
        free(resp.body);
    }
}
