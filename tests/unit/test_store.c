/* Tests for the store interface (store/store.c) over its backends:
 * records, filters, orders, keyset cursors, transactions, durability
 * across reopen, and concurrent writers. Every STORE_TEST runs on SQLite
 * (store_sqlite.c) and, when ECSD_TEST_PG names a PostgreSQL server
 * (postgresql://USER@HOST:PORT, scripts/pg-test.sh up), again on
 * PostgreSQL (store_pg*.c), each time in a database of its own. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_fixture.h"

/* Runs q in a read transaction; writes the keys joined by ',' into out.
 * Returns the row count, -1 on error. */
static int keys_of(store_t *s, const store_query_t *q, char *out, size_t size)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_READ, &t, &err) < 0)
        return -1;
    store_record_t *rows = NULL;
    size_t n = 0;
    int rc = store_query(t, q, &rows, &n, &err);
    store_rollback(t);
    if (rc < 0) {
        fprintf(stderr, "  query: %s\n", err.message);
        return -1;
    }
    out[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s", i ? "," : "", rows[i].key);
    store_records_free(rows, n);
    return (int)n;
}

static int64_t count_of(store_t *s, const store_query_t *q)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_READ, &t, &err) < 0)
        return -1;
    int64_t n = -1;
    if (store_count(t, q, &n, &err) < 0)
        n = -1;
    store_rollback(t);
    return n;
}

STORE_TEST(store_put_get_delete)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    REQUIRE(store_begin(f.s, STORE_WRITE, &t, &err) == 0);
    store_record_t r = {.key = "web", .cluster = "web", .status = "ACTIVE", .desired = "RUNNING",
                        .family = "fam", .num = 1700000000123LL, .started_by = "me", .service = "svc",
                        .instance = "i-1", .doc = json_pack("{s:s, s:i}", "clusterName", "web", "n", 7)};
    CHECK_INT(store_put(t, STORE_CLUSTER, ACCOUNT, &r, &err), 0);
    json_decref(r.doc);

    store_record_t got = {0};
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "web", &got, &err), 1); /* own write visible */
    CHECK_STR(got.key, "web");
    CHECK_STR(got.cluster, "web");
    CHECK_STR(got.status, "ACTIVE");
    CHECK_STR(got.desired, "RUNNING");
    CHECK_STR(got.family, "fam");
    CHECK_INT(got.num, 1700000000123LL);
    CHECK_STR(got.started_by, "me");
    CHECK_STR(got.service, "svc");
    CHECK_STR(got.instance, "i-1");
    CHECK_STR(json_string_value(json_object_get(got.doc, "clusterName")), "web");
    CHECK_INT(json_integer_value(json_object_get(got.doc, "n")), 7);
    int64_t v1 = got.version;
    store_record_clear(&got);
    CHECK(got.key == NULL && got.doc == NULL);

    /* Other kinds, accounts and keys do not see it. */
    CHECK_INT(store_get(t, STORE_TASKDEF, ACCOUNT, "web", &got, &err), 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, OTHER_ACCOUNT, "web", &got, &err), 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "we", &got, &err), 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "WEB", &got, &err), 0);

    /* Put again replaces every column, NULLs included, and bumps version. */
    store_record_t r2 = {.key = "web", .status = "INACTIVE", .num = 5, .doc = json_pack("{s:b}", "x", 1)};
    CHECK_INT(store_put(t, STORE_CLUSTER, ACCOUNT, &r2, &err), 0);
    json_decref(r2.doc);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "web", &got, &err), 1);
    CHECK_STR(got.status, "INACTIVE");
    CHECK(got.cluster == NULL);
    CHECK(got.family == NULL);
    CHECK(got.desired == NULL);
    CHECK_INT(got.num, 5);
    CHECK(json_is_true(json_object_get(got.doc, "x")));
    CHECK(json_object_get(got.doc, "clusterName") == NULL);
    CHECK(got.version > v1);
    store_record_clear(&got);

    CHECK_INT(store_delete(t, STORE_CLUSTER, ACCOUNT, "web", &err), 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "web", &got, &err), 0);
    /* Deleting what is not there is not an error. */
    CHECK_INT(store_delete(t, STORE_CLUSTER, ACCOUNT, "web", &err), 0);
    CHECK_INT(store_commit(t, &err), 0);
    fixture_close(&f);
}

STORE_TEST(store_keys_are_exact_bytes)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    static const row_t rows[] = {
        {.key = "caf\xc3\xa9", .status = "ACTIVE"},
        {.key = "it's \"quoted\"; --", .status = "ACTIVE"},
        {.key = "a%b_c", .status = "ACTIVE"},
    };
    REQUIRE(put_rows(f.s, STORE_CLUSTER, ACCOUNT, rows, 3) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    store_record_t got = {0};
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, rows[i].key, &got, &err), 1);
        CHECK_STR(got.key, rows[i].key);
        store_record_clear(&got);
    }
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "cafe", &got, &err), 0);
    store_rollback(t);
    /* LIKE wildcards in a prefix are plain characters. */
    char keys[256];
    store_query_t q = {.kind = STORE_CLUSTER, .account = ACCOUNT, .key_prefix = "a%"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 1);
    CHECK_STR(keys, "a%b_c");
    q.key_prefix = "a_";
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 0);
    fixture_close(&f);
}

/* Task-definition-like rows for the filter and order tests. */
static const row_t td_rows[] = {
    {"web:1", "c1", "ACTIVE", "web", 1},     {"web:2", "c1", "INACTIVE", "web", 2},
    {"web:10", "c2", "ACTIVE", "web", 10},   {"api:1", "c2", "ACTIVE", "api", 1},
    {"api:3", "c1", "INACTIVE", "api", 3},   {"webx:1", NULL, "ACTIVE", "webx", 1},
    {"db:2", "c1", "DRAINING", "db", 2},
};
#define N_TD (sizeof td_rows / sizeof td_rows[0])

STORE_TEST(store_query_filters)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    REQUIRE(put_rows(f.s, STORE_TASKDEF, ACCOUNT, td_rows, N_TD) == 0);
    static const row_t other[] = {{"web:1", "c1", "ACTIVE", "web", 1}};
    REQUIRE(put_rows(f.s, STORE_TASKDEF, OTHER_ACCOUNT, other, 1) == 0);
    REQUIRE(put_rows(f.s, STORE_CLUSTER, ACCOUNT, other, 1) == 0);

    char keys[512];
    store_query_t q = {.kind = STORE_TASKDEF, .account = ACCOUNT};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,api:3,db:2,web:1,web:10,web:2,webx:1"); /* key order by default */
    CHECK_INT(count_of(f.s, &q), N_TD);

    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .cluster = "c1"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 4);
    CHECK_STR(keys, "api:3,db:2,web:1,web:2");
    CHECK_INT(count_of(f.s, &q), 4);

    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .status = "ACTIVE"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 4);
    CHECK_STR(keys, "api:1,web:1,web:10,webx:1");
    CHECK_INT(count_of(f.s, &q), 4);

    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .status_not = "ACTIVE"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 3);
    CHECK_STR(keys, "api:3,db:2,web:2");
    CHECK_INT(count_of(f.s, &q), 3);

    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .family = "web"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 3);
    CHECK_STR(keys, "web:1,web:10,web:2"); /* family is exact: not webx */

    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .key_prefix = "web"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 4);
    CHECK_STR(keys, "web:1,web:10,web:2,webx:1");
    CHECK_INT(count_of(f.s, &q), 4);
    q.key_prefix = "web:1";
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 2);
    CHECK_STR(keys, "web:1,web:10");
    q.key_prefix = "zzz";
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 0);
    CHECK_INT(count_of(f.s, &q), 0);
    q.key_prefix = ""; /* an empty prefix filters nothing */
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);

    /* Filters combine. */
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .cluster = "c1", .status_not = "ACTIVE",
                        .family = "api"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 1);
    CHECK_STR(keys, "api:3");
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .status = "ACTIVE", .key_prefix = "web",
                        .cluster = "c2"};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 1);
    CHECK_STR(keys, "web:10");
    CHECK_INT(count_of(f.s, &q), 1);

    /* Limit. */
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .limit = 2};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 2);
    CHECK_STR(keys, "api:1,api:3");

    /* Accounts and kinds are separate. */
    q = (store_query_t){.kind = STORE_TASKDEF, .account = OTHER_ACCOUNT};
    CHECK_INT(count_of(f.s, &q), 1);
    q = (store_query_t){.kind = STORE_CLUSTER, .account = ACCOUNT};
    CHECK_INT(count_of(f.s, &q), 1);
    q = (store_query_t){.kind = STORE_SERVICE, .account = ACCOUNT};
    CHECK_INT(count_of(f.s, &q), 0);
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 0);
    fixture_close(&f);
}

STORE_TEST(store_query_orders)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    REQUIRE(put_rows(f.s, STORE_TASKDEF, ACCOUNT, td_rows, N_TD) == 0);
    char keys[512];
    store_query_t q = {.kind = STORE_TASKDEF, .account = ACCOUNT, .order = STORE_ORDER_KEY};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,api:3,db:2,web:1,web:10,web:2,webx:1");
    q.descending = true;
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "webx:1,web:2,web:10,web:1,db:2,api:3,api:1");

    /* Family, then revision as a number: web:2 before web:10. */
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .order = STORE_ORDER_FAMILY_NUM};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,api:3,db:2,web:1,web:2,web:10,webx:1");
    q.descending = true;
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "webx:1,web:10,web:2,web:1,db:2,api:3,api:1");
    /* The latest ACTIVE revision of a family, as DescribeTaskDefinition asks. */
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .family = "web", .status = "ACTIVE",
                        .order = STORE_ORDER_FAMILY_NUM, .descending = true, .limit = 1};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 1);
    CHECK_STR(keys, "web:10");

    /* Number, then key. */
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .order = STORE_ORDER_NUM_KEY};
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,web:1,webx:1,db:2,web:2,api:3,web:10");
    q.descending = true;
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "web:10,api:3,web:2,db:2,webx:1,web:1,api:1");
    fixture_close(&f);
}

/* Pages through q (limit per page) with keyset cursors built from the last
 * row as api/paging.c does; after the first page, adds `extra` (rows that
 * sort before the cursor). Writes all keys joined by ','. */
static int page_all(store_t *s, store_query_t q, int limit, const row_t *extra, size_t n_extra, char *out,
                    size_t size)
{
    out[0] = '\0';
    size_t len = 0;
    store_cursor_t cur = {0};
    bool have = false;
    int total = 0;
    for (int page = 0; page < 100; page++) {
        store_record_t *rows = NULL;
        size_t n = 0;
        ecs_error_t err;
        store_txn_t *t = NULL;
        if (store_begin(s, STORE_READ, &t, &err) < 0)
            return -1;
        q.after = have ? &cur : NULL;
        q.limit = limit;
        int rc = store_query(t, &q, &rows, &n, &err);
        store_rollback(t);
        if (rc < 0)
            return -1;
        for (size_t i = 0; i < n; i++)
            len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s", total + (int)i ? "," : "",
                                    rows[i].key);
        total += (int)n;
        if (n > 0) {
            store_cursor_clear(&cur);
            const store_record_t *last = &rows[n - 1];
            cur.num = last->num;
            cur.text = strdup(q.order == STORE_ORDER_FAMILY_NUM ? last->family : last->key);
            have = true;
        }
        store_records_free(rows, n);
        if (page == 0 && n_extra > 0 && put_rows(s, q.kind, q.account, extra, n_extra) < 0)
            return -1;
        if ((int)n < limit)
            break;
    }
    store_cursor_clear(&cur);
    return total;
}

STORE_TEST(store_keyset_pages)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    REQUIRE(put_rows(f.s, STORE_TASKDEF, ACCOUNT, td_rows, N_TD) == 0);
    /* Rows that sort before the cursor after the first page, in each order. */
    static const row_t early_key[] = {{"aaa:1", NULL, "ACTIVE", "aaa", 1}, {"api:0", NULL, "ACTIVE", "api", 0}};
    static const row_t early_num[] = {{"zz:0", NULL, "ACTIVE", "zz", 0}, {"a:-5", NULL, "ACTIVE", "a", -5}};

    char keys[1024];
    store_query_t q = {.kind = STORE_TASKDEF, .account = ACCOUNT, .order = STORE_ORDER_KEY};
    CHECK_INT(page_all(f.s, q, 2, early_key, 2, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,api:3,db:2,web:1,web:10,web:2,webx:1");
    fixture_close(&f);

    REQUIRE(fixture_open(&f) == 0);
    REQUIRE(put_rows(f.s, STORE_TASKDEF, ACCOUNT, td_rows, N_TD) == 0);
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .order = STORE_ORDER_FAMILY_NUM};
    CHECK_INT(page_all(f.s, q, 3, early_key, 2, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,api:3,db:2,web:1,web:2,web:10,webx:1");
    /* Descending: rows added after the cursor in key terms (greater) come
     * before it in the listing, so they do not shift later pages either. */
    static const row_t late[] = {{"zzz:1", NULL, "ACTIVE", "zzz", 1}};
    q.descending = true; /* the two early rows are in the table now */
    CHECK_INT(page_all(f.s, q, 3, late, 1, keys, sizeof keys), (int)N_TD + 2);
    CHECK_STR(keys, "webx:1,web:10,web:2,web:1,db:2,api:3,api:1,api:0,aaa:1");
    fixture_close(&f);

    REQUIRE(fixture_open(&f) == 0);
    REQUIRE(put_rows(f.s, STORE_TASKDEF, ACCOUNT, td_rows, N_TD) == 0);
    q = (store_query_t){.kind = STORE_TASKDEF, .account = ACCOUNT, .order = STORE_ORDER_NUM_KEY};
    CHECK_INT(page_all(f.s, q, 2, early_num, 2, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,web:1,webx:1,db:2,web:2,api:3,web:10");
    /* Page sizes 1..8 all give the same listing. */
    for (int lim = 1; lim <= 8; lim++) {
        q.descending = false;
        int n = page_all(f.s, q, lim, NULL, 0, keys, sizeof keys);
        CHECK_INT(n, (int)N_TD + 2);
        CHECK_STR(keys, "a:-5,zz:0,api:1,web:1,webx:1,db:2,web:2,api:3,web:10");
        q.descending = true;
        n = page_all(f.s, q, lim, NULL, 0, keys, sizeof keys);
        CHECK_INT(n, (int)N_TD + 2);
        CHECK_STR(keys, "web:10,api:3,web:2,db:2,webx:1,web:1,api:1,zz:0,a:-5");
    }
    fixture_close(&f);
}

STORE_TEST(store_rollback_discards)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    static const row_t keep[] = {{"keep", NULL, "ACTIVE", NULL, 1}};
    REQUIRE(put_rows(f.s, STORE_CLUSTER, ACCOUNT, keep, 1) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    REQUIRE(store_begin(f.s, STORE_WRITE, &t, &err) == 0);
    store_record_t r = {.key = "gone", .status = "ACTIVE", .doc = json_object()};
    CHECK_INT(store_put(t, STORE_CLUSTER, ACCOUNT, &r, &err), 0);
    json_decref(r.doc);
    CHECK_INT(store_delete(t, STORE_CLUSTER, ACCOUNT, "keep", &err), 0);
    store_record_t got = {0};
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "gone", &got, &err), 1);
    store_record_clear(&got);
    store_rollback(t);
    store_rollback(NULL); /* allowed */

    store_query_t q = {.kind = STORE_CLUSTER, .account = ACCOUNT};
    char keys[128];
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), 1);
    CHECK_STR(keys, "keep");
    /* The thread can begin again after a rollback. */
    REQUIRE(store_begin(f.s, STORE_WRITE, &t, &err) == 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "gone", &got, &err), 0);
    store_rollback(t);
    fixture_close(&f);
}

STORE_TEST(store_nested_transaction_refused)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL, *t2 = NULL;
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    CHECK_INT(store_begin(f.s, STORE_WRITE, &t2, &err), -1);
    CHECK_STR(err.type, "ServerException");
    CHECK_INT(err.status, 500);
    store_rollback(t);
    fixture_close(&f);
}

STORE_TEST(store_commit_persists_across_reopen)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    REQUIRE(put_rows(f.s, STORE_TASKDEF, ACCOUNT, td_rows, N_TD) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    /* A rolled-back change must not come back after reopening. */
    REQUIRE(store_begin(f.s, STORE_WRITE, &t, &err) == 0);
    CHECK_INT(store_delete(t, STORE_TASKDEF, ACCOUNT, "web:1", &err), 0);
    store_rollback(t);
    store_close(f.s);
    f.s = NULL;

    REQUIRE(fixture_reopen(&f) == 0);
    store_query_t q = {.kind = STORE_TASKDEF, .account = ACCOUNT};
    char keys[512];
    CHECK_INT(keys_of(f.s, &q, keys, sizeof keys), (int)N_TD);
    CHECK_STR(keys, "api:1,api:3,db:2,web:1,web:10,web:2,webx:1");
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    store_record_t got = {0};
    CHECK_INT(store_get(t, STORE_TASKDEF, ACCOUNT, "web:10", &got, &err), 1);
    CHECK_STR(got.cluster, "c2");
    CHECK_STR(got.family, "web");
    CHECK_INT(got.num, 10);
    CHECK_STR(json_string_value(json_object_get(got.doc, "k")), "web:10");
    store_record_clear(&got);
    store_rollback(t);
    /* Writable after reopen, and a third open (the migrations are idempotent). */
    static const row_t more[] = {{"new:1", NULL, "ACTIVE", "new", 1}};
    CHECK_INT(put_rows(f.s, STORE_TASKDEF, ACCOUNT, more, 1), 0);
    store_close(f.s);
    f.s = NULL;
    REQUIRE(fixture_reopen(&f) == 0);
    CHECK_INT(count_of(f.s, &q), N_TD + 1);
    fixture_close(&f);
}

TEST(store_open_fails_cleanly)
{
    store_t *s = NULL;
    ecs_error_t err = {0};
    /* A data folder whose parent does not exist. */
    CHECK_INT(store_open_sqlite("/nonexistent-ecsd-parent/x/y", &s, &err), -1);
    CHECK(s == NULL);
    CHECK_STR(err.type, "ServerException");
    CHECK(strlen(err.message) > 0);
    /* A PostgreSQL that does not answer (nothing listens on port 1). */
    s = NULL;
    err = (ecs_error_t){0};
    CHECK_INT(store_open_pg("postgresql://ecsd@127.0.0.1:1/ecsd?connect_timeout=2", &s, &err), -1);
    CHECK(s == NULL);
    CHECK_STR(err.type, "ServerException");
    CHECK(strstr(err.message, "PostgreSQL") != NULL);
}
