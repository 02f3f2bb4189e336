/* model/settings.c: setting definitions, principals, the effective value
 * (own, root's, ECS's default) and the ARN formats it gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "model/settings.h"
#include "store/store.h"
#include "test.h"

#define ROOT "arn:aws:iam::123456789012:root"
#define ALICE "arn:aws:iam::123456789012:user/alice"

typedef struct fixture {
    char dir[64];
    store_t *store;
    model_service_t svc;
    model_ctx_t ctx;
    ecs_error_t err;
} fixture_t;

static int fixture_open(fixture_t *f)
{
    *f = (fixture_t){.dir = "/tmp/ecsd-unit-settings.XXXXXX"};
    if (mkdtemp(f->dir) == NULL || store_open_sqlite(f->dir, &f->store, &f->err) < 0)
        return -1;
    f->svc = (model_service_t){.store = f->store, .region = "us-east-1", .account = "123456789012"};
    f->ctx = (model_ctx_t){.region = "us-east-1", .account = "123456789012", .scope = "123456789012:us-east-1",
                           .now_ms = 1, .svc = &f->svc};
    return store_begin(f->store, STORE_WRITE, &f->ctx.txn, &f->err);
}

static void fixture_close(fixture_t *f)
{
    store_rollback(f->ctx.txn);
    store_close(f->store);
    static const char *const files[] = {"ecsd.db", "ecsd.db-wal", "ecsd.db-shm"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
}

static const char *value_of(const json_t *s) { return json_string_value(json_object_get(s, "value")); }
static const char *principal_of(const json_t *s) { return json_string_value(json_object_get(s, "principalArn")); }

TEST(settings_defs_sorted_with_valid_defaults)
{
    size_t n;
    const setting_def_t *d = settings_defs(&n);
    CHECK(n == 12);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            CHECK(strcmp(d[i - 1].name, d[i].name) < 0);
        ecs_error_t err;
        CHECK(settings_check_value(&d[i], d[i].def, &err) == 0);
        CHECK(settings_check_value(&d[i], "maybe", &err) < 0);
        CHECK_STR(err.type, "InvalidParameterException");
        CHECK(settings_find(d[i].name) == &d[i]);
    }
    CHECK(settings_find("noSuchSetting") == NULL);
    CHECK(settings_find(NULL) == NULL);
}

TEST(settings_principals)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    char p[SETTINGS_PRINCIPAL_MAX + 1];
    bool root;
    CHECK(settings_principal(&f.ctx, NULL, p, &root, &f.err) == 0 && root);
    CHECK_STR(p, ROOT);
    CHECK(settings_principal(&f.ctx, ROOT, p, &root, &f.err) == 0 && root);
    const char *ok[] = {ALICE, "arn:aws:iam::123456789012:role/ci/deploy-er+x@y.z", "arn:aws:iam::123456789012:user/a"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        CHECK(settings_principal(&f.ctx, ok[i], p, &root, &f.err) == 0 && !root);
        CHECK_STR(p, ok[i]);
    }
    const char *bad[] = {"arn:aws:iam::999999999999:user/alice", "arn:aws:iam::123456789012:group/g",
                         "arn:aws:iam::123456789012:user/", "arn:aws:iam::123456789012:user//x",
                         "arn:aws:iam::123456789012:user/a b", "arn:aws:sts::123456789012:assumed-role/r/s", "alice",
                         "arn:aws:iam::123456789012:user/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(settings_principal(&f.ctx, bad[i], p, &root, &f.err) < 0);
        CHECK_STR(f.err.type, "InvalidParameterException");
    }
    fixture_close(&f);
}

TEST(settings_effective_falls_back)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    const setting_def_t *ci = settings_find("containerInsights");
    json_t *s = NULL;
    REQUIRE(settings_effective(&f.ctx, ALICE, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "disabled");
    CHECK_STR(principal_of(s), ROOT); /* ECS's default, shown as the root's */
    json_decref(s);
    REQUIRE(settings_put(&f.ctx, ROOT, ci, "enhanced", &s, &f.err) == 0);
    json_decref(s);
    REQUIRE(settings_effective(&f.ctx, ALICE, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "enhanced");
    json_decref(s);
    REQUIRE(settings_put(&f.ctx, ALICE, ci, "enabled", &s, &f.err) == 0);
    json_decref(s);
    REQUIRE(settings_effective(&f.ctx, ALICE, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "enabled");
    CHECK_STR(principal_of(s), ALICE);
    json_decref(s);
    REQUIRE(settings_effective(&f.ctx, ROOT, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "enhanced");
    json_decref(s);
    /* own settings only, in name order */
    REQUIRE(settings_put(&f.ctx, ALICE, settings_find("awsvpcTrunking"), "enabled", &s, &f.err) == 0);
    json_decref(s);
    cleanup_json json_t *own = NULL;
    REQUIRE(settings_list_own(&f.ctx, ALICE, &own, &f.err) == 0);
    REQUIRE(json_array_size(own) == 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(own, 0), "name")), "awsvpcTrunking");
    CHECK_STR(json_string_value(json_object_get(json_array_get(own, 1), "name")), "containerInsights");
    /* delete answers what was removed; then the root's applies */
    REQUIRE(settings_delete(&f.ctx, ALICE, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "enabled");
    json_decref(s);
    REQUIRE(settings_effective(&f.ctx, ALICE, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "enhanced");
    json_decref(s);
    /* another scope (region) sees none of it */
    model_ctx_t eu = f.ctx;
    eu.scope = "123456789012:eu-west-1";
    REQUIRE(settings_effective(&eu, ROOT, ci, &s, &f.err) == 0);
    CHECK_STR(value_of(s), "disabled");
    json_decref(s);
    fixture_close(&f);
}

TEST(settings_arn_formats)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    /* not loaded: ECS's default, long */
    CHECK(settings_long_arn(&f.ctx, SETTINGS_ARN_TASK) && settings_long_arn(&f.ctx, SETTINGS_ARN_SERVICE));
    REQUIRE(settings_load_arn_formats(&f.ctx, &f.err) == 0);
    CHECK(settings_long_arn(&f.ctx, SETTINGS_ARN_TASK) && settings_long_arn(&f.ctx, SETTINGS_ARN_INSTANCE));
    json_t *s = NULL;
    REQUIRE(settings_put(&f.ctx, ROOT, settings_find("taskLongArnFormat"), "disabled", &s, &f.err) == 0);
    json_decref(s);
    REQUIRE(settings_put(&f.ctx, ALICE, settings_find("serviceLongArnFormat"), "disabled", &s, &f.err) == 0);
    json_decref(s);
    /* read once per operation: this one keeps what it read */
    REQUIRE(settings_load_arn_formats(&f.ctx, &f.err) == 0);
    CHECK(settings_long_arn(&f.ctx, SETTINGS_ARN_TASK));
    model_ctx_t next = f.ctx;
    next.arn_formats = 0;
    REQUIRE(settings_load_arn_formats(&next, &f.err) == 0);
    CHECK(!settings_long_arn(&next, SETTINGS_ARN_TASK));
    CHECK(settings_long_arn(&next, SETTINGS_ARN_SERVICE)); /* alice's is not the caller's (the root) */
    CHECK(settings_long_arn(&next, SETTINGS_ARN_INSTANCE));
    fixture_close(&f);
}
