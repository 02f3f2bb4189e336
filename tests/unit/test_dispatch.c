/* Tests for api/dispatch.c, driven in memory (no sockets): a real SQLite
 * store in a temporary folder, api_request_t in, api_response_t out. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/dispatch.h"
#include "test.h"

#define TARGET(op) API_TARGET_PREFIX op
#define REGION "us-east-1"
#define ACCOUNT "000000000000"

typedef struct fixture {
    char dir[64];
    store_t *store;
    model_service_t svc;
} fixture_t;

static int fixture_open(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsd-unit-dispatch.XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    ecs_error_t err;
    if (store_open_sqlite(f->dir, &f->store, &err) < 0) {
        fprintf(stderr, "  store_open_sqlite: %s\n", err.message);
        return -1;
    }
    f->svc = (model_service_t){.store = f->store, .region = REGION, .account = ACCOUNT};
    return 0;
}

static void fixture_close(fixture_t *f)
{
    store_close(f->store);
    DIR *d = opendir(f->dir);
    if (d != NULL) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", f->dir, ent->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(f->dir);
}

/* One answer, parsed. */
typedef struct answer {
    int status;
    char request_id[IDS_UUID_LEN + 1];
    json_t *body; /* NULL when the body is not JSON */
    const char *type;    /* __type, or NULL */
    const char *message; /* message, or NULL */
} answer_t;

static void answer_clear(answer_t *a)
{
    json_decref(a->body);
    memset(a, 0, sizeof *a);
}

/* Checks what every answer shares: a 36-character request id, a JSON object
 * body, and on an error a string __type and message. */
static void check_shape(const api_response_t *r, answer_t *a, int *test_failed_)
{
    CHECK_INT(strlen(r->request_id), IDS_UUID_LEN);
    CHECK(strspn(r->request_id, "0123456789abcdef-") == IDS_UUID_LEN);
    CHECK(r->request_id[8] == '-' && r->request_id[13] == '-' && r->request_id[18] == '-' &&
          r->request_id[23] == '-');
    CHECK(r->body != NULL);
    if (r->body == NULL)
        return;
    CHECK_INT(r->body_len, strlen(r->body));
    json_error_t jerr;
    a->body = json_loadb(r->body, r->body_len, 0, &jerr);
    CHECK(a->body != NULL && json_is_object(a->body));
    if (a->body == NULL) {
        fprintf(stderr, "  body is not JSON: %.200s\n", r->body);
        return;
    }
    a->type = json_string_value(json_object_get(a->body, "__type"));
    a->message = json_string_value(json_object_get(a->body, "message"));
    if (r->status != 200) {
        CHECK(a->type != NULL && a->type[0] != '\0');
        CHECK(a->message != NULL && a->message[0] != '\0');
        CHECK_INT(json_object_size(a->body), 2);
    } else {
        CHECK(a->type == NULL);
    }
}

/* Dispatches a request and checks its shape. body may be NULL (empty). */
static void call_raw(const fixture_t *f, const char *target, const char *content_type, const char *body,
                     size_t body_len, answer_t *a, int *test_failed_)
{
    api_request_t req = {.target = target, .content_type = content_type, .body = body,
                         .body_len = body_len};
    api_response_t resp = {0};
    memset(a, 0, sizeof *a);
    api_dispatch(&f->svc, &req, &resp);
    a->status = resp.status;
    memcpy(a->request_id, resp.request_id, sizeof a->request_id);
    check_shape(&resp, a, test_failed_);
    free(resp.body);
}

/* An ECS call with the right headers; JSON with single quotes for double. */
static void call(const fixture_t *f, const char *op, const char *json, answer_t *a, int *test_failed_)
{
    char target[128];
    snprintf(target, sizeof target, "%s%s", API_TARGET_PREFIX, op);
    char buf[4096];
    size_t n = strlen(json);
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    for (size_t i = 0; i < n; i++)
        buf[i] = json[i] == '\'' ? '"' : json[i];
    buf[n] = '\0';
    call_raw(f, target, API_CONTENT_TYPE, buf, n, a, test_failed_);
}

#define EXPECT_ERROR(a, status_, type_)                                                   \
    do {                                                                                  \
        CHECK_INT((a)->status, (status_));                                                \
        CHECK_STR((a)->type, (type_));                                                    \
    } while (0)

TEST(dispatch_create_then_describe_cluster)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    answer_t a;
    call(&f, "CreateCluster", "{'clusterName':'web'}", &a, test_failed_);
    CHECK_INT(a.status, 200);
    json_t *c = json_object_get(a.body, "cluster");
    CHECK_STR(json_string_value(json_object_get(c, "clusterName")), "web");
    CHECK_STR(json_string_value(json_object_get(c, "clusterArn")),
              "arn:aws:ecs:" REGION ":" ACCOUNT ":cluster/web");
    CHECK_STR(json_string_value(json_object_get(c, "status")), "ACTIVE");
    char first_id[IDS_UUID_LEN + 1];
    memcpy(first_id, a.request_id, sizeof first_id);
    answer_clear(&a);

    call(&f, "DescribeClusters", "{'clusters':['web','nope']}", &a, test_failed_);
    CHECK_INT(a.status, 200);
    CHECK(strcmp(a.request_id, first_id) != 0); /* a new id per request */
    json_t *cs = json_object_get(a.body, "clusters");
    json_t *fs = json_object_get(a.body, "failures");
    CHECK_INT(json_array_size(cs), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(cs, 0), "clusterName")), "web");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(cs, 0), "runningTasksCount")), 0);
    CHECK_INT(json_array_size(fs), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(fs, 0), "reason")), "MISSING");
    CHECK_STR(json_string_value(json_object_get(json_array_get(fs, 0), "arn")),
              "arn:aws:ecs:" REGION ":" ACCOUNT ":cluster/nope");
    answer_clear(&a);

    /* By ARN too. */
    call(&f, "DescribeClusters", "{'clusters':['arn:aws:ecs:" REGION ":" ACCOUNT ":cluster/web']}", &a,
         test_failed_);
    CHECK_INT(a.status, 200);
    CHECK_INT(json_array_size(json_object_get(a.body, "clusters")), 1);
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_empty_body_means_empty_object)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    answer_t a;
    call_raw(&f, TARGET("CreateCluster"), API_CONTENT_TYPE, NULL, 0, &a, test_failed_);
    CHECK_INT(a.status, 200);
    CHECK_STR(json_string_value(json_object_get(json_object_get(a.body, "cluster"), "clusterName")),
              "default");
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_body_is_pointer_and_length)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    /* Bytes after body_len (no NUL) are not part of the request. */
    static const char buf[] = "{\"clusterName\":\"len\"}GARBAGE";
    answer_t a;
    call_raw(&f, TARGET("CreateCluster"), API_CONTENT_TYPE, buf, strlen("{\"clusterName\":\"len\"}"), &a,
             test_failed_);
    CHECK_INT(a.status, 200);
    answer_clear(&a);
    /* A NUL byte inside the body is malformed JSON, not the end of it. */
    static const char nul[] = "{\"clusterName\":\"x\"}\0{";
    call_raw(&f, TARGET("CreateCluster"), API_CONTENT_TYPE, nul, sizeof nul - 1, &a, test_failed_);
    EXPECT_ERROR(&a, 400, "SerializationException");
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_unknown_and_missing_target)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    static const char *const bad[] = {
        TARGET("NoSuchOperation"),
        TARGET("createCluster"),          /* case matters */
        TARGET(""),                       /* prefix alone */
        "AmazonEC2ContainerServiceV20141113CreateCluster",
        "AmazonEC2ContainerServiceV20150101.CreateCluster", /* other API version */
        "DynamoDB_20120810.CreateTable",
        "CreateCluster",
        "",
    };
    answer_t a;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call_raw(&f, bad[i], API_CONTENT_TYPE, "{}", 2, &a, test_failed_);
        EXPECT_ERROR(&a, 400, "UnknownOperationException");
        answer_clear(&a);
    }
    call_raw(&f, NULL, API_CONTENT_TYPE, "{}", 2, &a, test_failed_);
    EXPECT_ERROR(&a, 400, "UnknownOperationException");
    answer_clear(&a);
    /* A very long target is answered, not echoed without bound. */
    char longt[8192];
    memset(longt, 'X', sizeof longt - 1);
    longt[sizeof longt - 1] = '\0';
    call_raw(&f, longt, API_CONTENT_TYPE, "{}", 2, &a, test_failed_);
    EXPECT_ERROR(&a, 400, "UnknownOperationException");
    CHECK(a.message != NULL && strlen(a.message) < 1024);
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_content_type)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    answer_t a;
    static const char *const bad[] = {"text/plain", "application/xml", "application/x-amz-json-1.0",
                                      "application/x-amz-json-1.1x", "", "application/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call_raw(&f, TARGET("ListClusters"), bad[i], "{}", 2, &a, test_failed_);
        EXPECT_ERROR(&a, 400, "SerializationException");
        answer_clear(&a);
    }
    call_raw(&f, TARGET("ListClusters"), NULL, "{}", 2, &a, test_failed_);
    EXPECT_ERROR(&a, 400, "SerializationException");
    answer_clear(&a);
    /* Parameters and case do not matter; plain JSON is accepted too. */
    static const char *const good[] = {API_CONTENT_TYPE, "application/x-amz-json-1.1; charset=utf-8",
                                       "Application/X-Amz-Json-1.1", "application/json"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        call_raw(&f, TARGET("ListClusters"), good[i], "{}", 2, &a, test_failed_);
        CHECK_INT(a.status, 200);
        answer_clear(&a);
    }
    fixture_close(&f);
}

TEST(dispatch_malformed_and_non_object_json)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    static const char *const bad[] = {
        "{",       "}",           "{\"clusterName\":}", "{'clusterName':'x'}", "not json",
        "{\"a\":1,}", "{\"clusterName\":\"a\",\"clusterName\":\"b\"}", /* duplicate member */
        "[]",      "[{}]",        "\"text\"",           "42",          "null",  "true",
    };
    answer_t a;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call_raw(&f, TARGET("CreateCluster"), API_CONTENT_TYPE, bad[i], strlen(bad[i]), &a, test_failed_);
        EXPECT_ERROR(&a, 400, "SerializationException");
        answer_clear(&a);
    }
    /* Nothing was created. */
    call(&f, "ListClusters", "{}", &a, test_failed_);
    CHECK_INT(a.status, 200);
    CHECK_INT(json_array_size(json_object_get(a.body, "clusterArns")), 0);
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_type_errors_name_the_field)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    answer_t a;
    call(&f, "ListClusters", "{'maxResults':'5'}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "SerializationException");
    CHECK(a.message != NULL && strstr(a.message, "maxResults") != NULL);
    answer_clear(&a);
    call(&f, "ListTaskDefinitions", "{'maxResults':1.5}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "SerializationException");
    CHECK(a.message != NULL && strstr(a.message, "maxResults") != NULL);
    answer_clear(&a);
    call(&f, "CreateCluster", "{'clusterName':7}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "SerializationException");
    CHECK(a.message != NULL && strstr(a.message, "clusterName") != NULL);
    answer_clear(&a);
    call(&f, "DescribeClusters", "{'clusters':'web'}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "SerializationException");
    CHECK(a.message != NULL && strstr(a.message, "clusters") != NULL);
    answer_clear(&a);
    /* In range but out of bounds: the handler's check. */
    call(&f, "ListClusters", "{'maxResults':0}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "InvalidParameterException");
    answer_clear(&a);
    call(&f, "ListClusters", "{'nextToken':'garbage!'}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "InvalidParameterException");
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_unsupported_operations)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    size_t n = 0;
    const api_op_t *ops = api_ops(&n);
    CHECK(n >= 30); /* the 26 of 2015 and the account settings; others come */
    int pending = 0;
    for (size_t i = 0; i < n; i++) {
        char target[128];
        snprintf(target, sizeof target, "%s%s", API_TARGET_PREFIX, ops[i].name);
        CHECK(api_op_find(ops[i].name, strlen(ops[i].name)) == &ops[i]);
        if (ops[i].handler != NULL)
            continue;
        pending++;
        answer_t a;
        call_raw(&f, target, API_CONTENT_TYPE, "{}", 2, &a, test_failed_);
        EXPECT_ERROR(&a, 400, "UnsupportedFeatureException");
        /* The message names the operation and the issue that brings it. */
        CHECK(a.message != NULL && strstr(a.message, ops[i].name) != NULL);
        CHECK(a.message != NULL && strstr(a.message, "issue") != NULL);
        answer_clear(&a);
    }
    if (pending == 0)
        fprintf(stderr, "  note: every operation is built; no UnsupportedFeatureException to check\n");
    fixture_close(&f);
}

/* The number of families listed with status ALL. */
static int families(const fixture_t *f, int *test_failed_)
{
    answer_t a;
    call(f, "ListTaskDefinitionFamilies", "{'status':'ALL'}", &a, test_failed_);
    CHECK_INT(a.status, 200);
    int n = (int)json_array_size(json_object_get(a.body, "families"));
    answer_clear(&a);
    return n;
}

TEST(dispatch_error_leaves_store_unchanged)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    answer_t a;
    static const char *const bad[] = {
        /* no essential container */
        "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':64,"
        "'essential':false}]}",
        /* duplicate container names */
        "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':64},"
        "{'name':'a','image':'busybox','memory':64}]}",
        /* link to an unknown container */
        "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':64,"
        "'links':['b']}]}",
        /* mount of an undeclared volume */
        "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':64,"
        "'mountPoints':[{'sourceVolume':'v','containerPath':'/v'}]}]}",
        /* bad family name */
        "{'family':'a pp','containerDefinitions':[{'name':'a','image':'busybox','memory':64}]}",
        /* no container */
        "{'family':'app','containerDefinitions':[]}",
        /* a type error */
        "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':'64'}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call(&f, "RegisterTaskDefinition", bad[i], &a, test_failed_);
        CHECK_INT(a.status, 400);
        CHECK(a.type != NULL && (strcmp(a.type, "ClientException") == 0 ||
                                 strcmp(a.type, "InvalidParameterException") == 0 ||
                                 strcmp(a.type, "SerializationException") == 0));
        answer_clear(&a);
    }
    CHECK_INT(families(&f, test_failed_), 0);
    call(&f, "ListTaskDefinitions", "{}", &a, test_failed_);
    CHECK_INT(json_array_size(json_object_get(a.body, "taskDefinitionArns")), 0);
    answer_clear(&a);

    /* A valid one then creates the family with revision 1 ... */
    call(&f, "RegisterTaskDefinition",
         "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':64}]}", &a,
         test_failed_);
    CHECK_INT(a.status, 200);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(a.body, "taskDefinition"), "revision")), 1);
    answer_clear(&a);
    CHECK_INT(families(&f, test_failed_), 1);
    /* ... and a failed one after it neither uses up revision 2 nor adds anything. */
    call(&f, "RegisterTaskDefinition", bad[0], &a, test_failed_);
    CHECK_INT(a.status, 400);
    answer_clear(&a);
    call(&f, "RegisterTaskDefinition",
         "{'family':'app','containerDefinitions':[{'name':'a','image':'busybox','memory':64}]}", &a,
         test_failed_);
    CHECK_INT(a.status, 200);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(a.body, "taskDefinition"), "revision")), 2);
    answer_clear(&a);

    /* Failed cluster operations leave the clusters as they were. */
    call(&f, "CreateCluster", "{'clusterName':'bad name'}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "InvalidParameterException");
    answer_clear(&a);
    call(&f, "DeleteCluster", "{'cluster':'nope'}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "ClusterNotFoundException");
    answer_clear(&a);
    call(&f, "ListClusters", "{}", &a, test_failed_);
    CHECK_INT(json_array_size(json_object_get(a.body, "clusterArns")), 0);
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_describe_task_definition)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    answer_t a;
    call(&f, "RegisterTaskDefinition",
         "{'family':'bench','containerDefinitions':[{'name':'a','image':'busybox','memory':64}]}", &a,
         test_failed_);
    CHECK_INT(a.status, 200);
    answer_clear(&a);
    static const char *const refs[] = {
        "{'taskDefinition':'bench'}", "{'taskDefinition':'bench:1'}",
        "{'taskDefinition':'arn:aws:ecs:" REGION ":" ACCOUNT ":task-definition/bench:1'}"};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
        call(&f, "DescribeTaskDefinition", refs[i], &a, test_failed_);
        CHECK_INT(a.status, 200);
        json_t *td = json_object_get(a.body, "taskDefinition");
        CHECK_STR(json_string_value(json_object_get(td, "taskDefinitionArn")),
                  "arn:aws:ecs:" REGION ":" ACCOUNT ":task-definition/bench:1");
        CHECK_STR(json_string_value(json_object_get(td, "family")), "bench");
        answer_clear(&a);
    }
    call(&f, "DescribeTaskDefinition", "{'taskDefinition':'bench:2'}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "ClientException");
    answer_clear(&a);
    call(&f, "DescribeTaskDefinition", "{}", &a, test_failed_);
    EXPECT_ERROR(&a, 400, "InvalidParameterException"); /* required member missing */
    answer_clear(&a);
    fixture_close(&f);
}

TEST(dispatch_render_error)
{
    ecs_error_t err;
    ecs_err(&err, 400, "ClientException", "quote \" and backslash \\ and \x01 control");
    api_response_t resp = {0};
    ids_uuid4(resp.request_id);
    api_render_error(&err, &resp);
    CHECK_INT(resp.status, 400);
    answer_t a = {0};
    check_shape(&resp, &a, test_failed_);
    CHECK_STR(a.type, "ClientException");
    CHECK_STR(a.message, "quote \" and backslash \\ and \x01 control");
    answer_clear(&a);
    free(resp.body);
}
