/* Tests for the store interface (store/store.c) over its backends:
 * records, filters, orders, keyset cursors, transactions, durability
 * across reopen, and concurrent writers. Every STORE_TEST runs on SQLite
 * (store_sqlite.c) and, when ECSD_TEST_PG names a PostgreSQL server
 * (postgresql://USER@HOST:PORT, scripts/pg-test.sh up), again on
 * PostgreSQL (store_pg*.c), each time in a database of its own. */
#include <dirent.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

#define ACCOUNT "000000000000"
#define OTHER_ACCOUNT "111111111111"

/* The PostgreSQL server of the tests; NULL: the tests run on SQLite only. */
static const char *pg_base(void)
{
    const char *b = getenv("ECSD_TEST_PG");
    return b != NULL && b[0] != '\0' ? b : NULL;
}

static bool on_pg; /* the backend fixture_open opens; set by STORE_TEST */

/* TEST(name) that runs its body on each backend. */
#define STORE_TEST(name_)                                                          \
    static void name_##_on(int *test_failed_);                                     \
    TEST(name_)                                                                    \
    {                                                                              \
        on_pg = false;                                                             \
        name_##_on(test_failed_);                                                  \
        if (pg_base() != NULL) {                                                   \
            int before_ = *test_failed_;                                           \
            *test_failed_ = 0;                                                     \
            on_pg = true;                                                          \
            name_##_on(test_failed_);                                              \
            if (*test_failed_)                                                     \
                fprintf(stderr, "  (the failures above were on PostgreSQL)\n");    \
            *test_failed_ |= before_;                                              \
            on_pg = false;                                                         \
        }                                                                          \
    }                                                                              \
    static void name_##_on(int *test_failed_)

typedef struct fixture {
    char dir[64];
    char db[64];   /* PostgreSQL: the database of this fixture */
    char url[512];
    store_t *s;
} fixture_t;

/* Runs one statement on the test server's maintenance database. */
static int pg_admin(const char *sql)
{
    char url[512];
    snprintf(url, sizeof url, "%s/postgres", pg_base());
    PGconn *db = PQconnectdb(url);
    PGresult *res = PQstatus(db) == CONNECTION_OK ? PQexec(db, sql) : NULL;
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "  %s: %s\n", sql, PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
    return rc;
}

/* Opens (again) the store of f, on the fixture's backend. */
static int fixture_reopen(fixture_t *f)
{
    ecs_error_t err;
    int rc = f->db[0] ? store_open_pg(f->url, &f->s, &err) : store_open_sqlite(f->dir, &f->s, &err);
    if (rc < 0)
        fprintf(stderr, "  store_open: %s\n", err.message);
    return rc;
}

static int fixture_open(fixture_t *f)
{
    static int seq;
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsd-unit-store.XXXXXX");
    f->s = NULL;
    f->db[0] = '\0';
    if (mkdtemp(f->dir) == NULL)
        return -1;
    if (on_pg) {
        char sql[128];
        snprintf(f->db, sizeof f->db, "ecsd_unit_%d_%d", (int)getpid(), ++seq);
        snprintf(f->url, sizeof f->url, "%s/%s", pg_base(), f->db);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->db);
        if (pg_admin(sql) < 0)
            return -1;
    }
    return fixture_reopen(f);
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void fixture_close(fixture_t *f)
{
    store_close(f->s);
    f->s = NULL;
    rm_dir(f->dir);
    if (f->db[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", f->db);
        pg_admin(sql);
    }
}

/* A record to put: strings are borrowed (store_put copies). */
typedef struct row {
    const char *key, *cluster, *status, *family;
    int64_t num;
} row_t;

static int put_rows(store_t *s, store_kind_t kind, const char *account, const row_t *rows, size_t n)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_WRITE, &t, &err) < 0) {
        fprintf(stderr, "  begin: %s\n", err.message);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        store_record_t r = {.key = (char *)rows[i].key, .cluster = (char *)rows[i].cluster,
                            .status = (char *)rows[i].status, .family = (char *)rows[i].family,
                            .num = rows[i].num, .doc = json_pack("{s:s}", "k", rows[i].key)};
        int rc = store_put(t, kind, account, &r, &err);
        json_decref(r.doc);
        if (rc < 0) {
            fprintf(stderr, "  put: %s\n", err.message);
            store_rollback(t);
            return -1;
        }
    }
    if (store_commit(t, &err) < 0) {
        fprintf(stderr, "  commit: %s\n", err.message);
        return -1;
    }
    return 0;
}

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

/* --- concurrency ---------------------------------------------------- */

#define COUNTER_THREADS 2
#define COUNTER_ROUNDS 500

typedef struct counter_arg {
    store_t *s;
    store_mode_t mode; /* STORE_WRITE, or STORE_WRITE_ROW (beside the other writers) */
    int pause_us;  /* sleep between transactions, so that the threads interleave */
    int done;      /* transactions committed */
    int failures;  /* begin/get/put/commit errors */
    int conflicts; /* transactions run again after losing a race (PostgreSQL) */
    char last_error[ECS_ERROR_MESSAGE_MAX];
} counter_arg_t;

/* One read-modify-write of the counter in its own write transaction. */
static int counter_increment(store_t *s, store_mode_t mode, ecs_error_t *err)
{
    store_txn_t *t = NULL;
    if (store_begin(s, mode, &t, err) < 0)
        return -1;
    store_record_t rec = {0};
    int found = store_get(t, STORE_FAMILY, ACCOUNT, "counter", &rec, err);
    if (found < 0) {
        store_rollback(t);
        return -1;
    }
    json_int_t n = found ? json_integer_value(json_object_get(rec.doc, "n")) : 0;
    store_record_clear(&rec);
    store_record_t r = {.key = "counter", .num = (int64_t)(n + 1), .doc = json_pack("{s:I}", "n", n + 1)};
    int rc = store_put(t, STORE_FAMILY, ACCOUNT, &r, err);
    json_decref(r.doc);
    if (rc < 0) {
        store_rollback(t);
        return -1;
    }
    return store_commit(t, err);
}

static void *counter_thread(void *p)
{
    counter_arg_t *a = p;
    for (int i = 0; i < COUNTER_ROUNDS; i++) {
        ecs_error_t err = {0};
        int rc;
        /* As api/dispatch.c does: again while the store says the
         * transaction lost a race and did nothing. */
        for (int tries = 0; (rc = counter_increment(a->s, a->mode, &err)) < 0 && tries < 100 && store_conflicted(a->s); tries++)
            a->conflicts++;
        if (rc == 0) {
            a->done++;
        } else {
            if (a->failures++ == 0)
                snprintf(a->last_error, sizeof a->last_error, "%s", err.message);
        }
        if (a->pause_us > 0)
            usleep((useconds_t)a->pause_us);
    }
    return NULL;
}

static int64_t counter_value(store_t *s)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_READ, &t, &err) < 0)
        return -1;
    store_record_t rec = {0};
    int found = store_get(t, STORE_FAMILY, ACCOUNT, "counter", &rec, &err);
    int64_t n = found == 1 ? (int64_t)json_integer_value(json_object_get(rec.doc, "n")) : -1;
    store_record_clear(&rec);
    store_rollback(t);
    return n;
}

/* Runs the counter threads; returns the number of failed transactions and
 * sets *done (committed) and *value (the counter at the end). */
static int run_counter_modes(store_t *s, int pause_us, store_mode_t second_mode, int *done, int64_t *value)
{
    counter_arg_t args[COUNTER_THREADS];
    pthread_t th[COUNTER_THREADS];
    int started = 0;
    for (int i = 0; i < COUNTER_THREADS; i++) {
        args[i] = (counter_arg_t){.s = s, .mode = i == 0 ? STORE_WRITE : second_mode, .pause_us = pause_us};
        if (pthread_create(&th[i], NULL, counter_thread, &args[i]) != 0)
            break;
        started++;
    }
    int failures = (COUNTER_THREADS - started) * COUNTER_ROUNDS;
    *done = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        *done += args[i].done;
        failures += args[i].failures;
        if (args[i].failures > 0)
            fprintf(stderr, "  thread %d: %d of %d transactions failed, first: %s\n", i, args[i].failures,
                    COUNTER_ROUNDS, args[i].last_error);
    }
    *value = counter_value(s);
    return failures;
}

static int run_counter(store_t *s, int pause_us, int *done, int64_t *value)
{
    return run_counter_modes(s, pause_us, STORE_WRITE, done, value);
}

STORE_TEST(store_row_writes_beside_writers_lose_no_update)
{
    /* A STORE_WRITE_ROW transaction (a heartbeat) and a STORE_WRITE one
     * (a placement) on the same row: on PostgreSQL the first does not take
     * the writers' lock, so they race, and SERIALIZABLE plus running the
     * loser again must still count every increment once. */
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int done = 0;
    int64_t v = 0;
    int failures = run_counter_modes(f.s, 0, STORE_WRITE_ROW, &done, &v);
    CHECK_INT(failures, 0);
    CHECK_INT(v, done);
    CHECK_INT(v, COUNTER_THREADS * COUNTER_ROUNDS);
    fixture_close(&f);
}

typedef struct row_writer_arg {
    store_t *s;
    int rc;
    double seconds;
} row_writer_arg_t;

static void *row_writer_thread(void *p)
{
    row_writer_arg_t *a = p;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    a->rc = -1;
    if (store_begin(a->s, STORE_WRITE_ROW, &t, &err) == 0) {
        store_record_t r = {.key = "beat", .status = "ACTIVE", .doc = json_pack("{s:i}", "n", 1)};
        a->rc = store_put(t, STORE_INSTANCE, ACCOUNT, &r, &err) < 0 ? -1 : store_commit(t, &err);
        json_decref(r.doc);
        if (a->rc < 0)
            fprintf(stderr, "  row write: %s\n", err.message);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    a->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return NULL;
}

STORE_TEST(store_row_write_does_not_wait_for_writers)
{
    /* PostgreSQL only: a row write commits while another thread's write
     * transaction is open (it would wait for the writers' lock, up to its
     * 10 s timeout, were it a STORE_WRITE). SQLite has one writer at a
     * time, by design. */
    if (!on_pg)
        return;
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    REQUIRE(store_begin(f.s, STORE_WRITE, &t, &err) == 0);
    store_record_t got = {0}; /* the lock is held from the first statement on */
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "absent", &got, &err), 0);
    row_writer_arg_t a = {.s = f.s};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, row_writer_thread, &a) == 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    int joined = pthread_timedjoin_np(th, NULL, &until) == 0; /* a row write waiting for us would wait forever */
    CHECK(joined);
    CHECK_INT(store_commit(t, &err), 0);
    if (!joined)
        pthread_join(th, NULL);
    CHECK_INT(a.rc, 0);
    CHECK(a.seconds < 5.0);
    fixture_close(&f);
}

STORE_TEST(store_concurrent_write_transactions_serialise)
{
    /* Back to back: each thread begins its next transaction at once. */
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int done = 0;
    int64_t v = 0;
    int failures = run_counter(f.s, 0, &done, &v);
    CHECK_INT(failures, 0);
    CHECK_INT(done, COUNTER_THREADS * COUNTER_ROUNDS);
    CHECK_INT(v, done); /* every committed increment counted once: no lost update */
    CHECK_INT(v, COUNTER_THREADS * COUNTER_ROUNDS);
    fixture_close(&f);
}

STORE_TEST(store_concurrent_write_transactions_interleaved)
{
    /* With a pause between transactions the two threads take turns, as
     * HTTP workers serving requests do (back to back, one thread tends to
     * keep the lock while the other sleeps in SQLite's busy handler). */
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int done = 0;
    int64_t v = 0;
    int failures = run_counter(f.s, 200, &done, &v);
    CHECK_INT(v, done); /* whatever committed is counted exactly once */
    CHECK_INT(failures, 0);
    CHECK_INT(v, COUNTER_THREADS * COUNTER_ROUNDS);
    fixture_close(&f);
}

/* A thread's later transaction sees what other threads committed before it
 * began (no stale snapshot kept from an earlier transaction). */
typedef struct writer_arg {
    store_t *s;
    const char *key;
    int rc;
} writer_arg_t;

static void *writer_thread(void *p)
{
    writer_arg_t *a = p;
    row_t r = {.key = a->key, .status = "ACTIVE"};
    a->rc = put_rows(a->s, STORE_CLUSTER, ACCOUNT, &r, 1);
    return NULL;
}

static int write_from_other_thread(store_t *s, const char *key)
{
    writer_arg_t a = {.s = s, .key = key, .rc = -1};
    pthread_t th;
    if (pthread_create(&th, NULL, writer_thread, &a) != 0)
        return -1;
    pthread_join(th, NULL);
    return a.rc;
}

STORE_TEST(store_sees_other_threads_commits)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    store_record_t got = {0};
    static const row_t first[] = {{"first", NULL, "ACTIVE", NULL, 0}};
    REQUIRE(put_rows(f.s, STORE_CLUSTER, ACCOUNT, first, 1) == 0);

    /* A read transaction that found a row, then ended. */
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "first", &got, &err), 1);
    store_record_clear(&got);
    CHECK_INT(store_commit(t, &err), 0);

    REQUIRE(write_from_other_thread(f.s, "second") == 0);

    /* A new transaction on this thread must see "second". */
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    int found = store_get(t, STORE_CLUSTER, ACCOUNT, "second", &got, &err);
    store_record_clear(&got);
    store_rollback(t);
    /* (Before ffdc801, sq_get left its statement mid-row, which kept the
     * connection's old read snapshot past COMMIT.) */
    CHECK_INT(found, 1);

    /* The same after a count (sq_count also steps to one row). */
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    store_query_t q = {.kind = STORE_CLUSTER, .account = ACCOUNT};
    int64_t n = 0;
    CHECK_INT(store_count(t, &q, &n, &err), 0);
    store_rollback(t);
    REQUIRE(write_from_other_thread(f.s, "third") == 0);
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    CHECK_INT(store_count(t, &q, &n, &err), 0);
    store_rollback(t);
    CHECK_INT(n, 3);

    /* And a write transaction begun after another thread's commit. */
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "first", &got, &err), 1);
    store_record_clear(&got);
    store_rollback(t);
    REQUIRE(write_from_other_thread(f.s, "fourth") == 0);
    int rc = store_begin(f.s, STORE_WRITE, &t, &err);
    CHECK_INT(rc, 0); /* an old snapshot would make BEGIN IMMEDIATE fail at once (SQLITE_BUSY_SNAPSHOT) */
    if (rc == 0) {
        CHECK_INT(store_get(t, STORE_CLUSTER, ACCOUNT, "fourth", &got, &err), 1);
        store_record_clear(&got);
        store_rollback(t);
    } else {
        fprintf(stderr, "  begin: %s\n", err.message);
    }
    fixture_close(&f);
}

/* A write transaction that lost a race with another one fails as a
 * conflict (store_conflicted) and leaves nothing behind; the next one of
 * the thread starts clean. SQLite's writers queue, so there it never is. */
STORE_TEST(store_lost_race_is_a_conflict)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    static const row_t first[] = {{"counter", NULL, "ACTIVE", NULL, 0}};
    REQUIRE(put_rows(f.s, STORE_FAMILY, ACCOUNT, first, 1) == 0);
    ecs_error_t err;
    store_txn_t *t = NULL;
    store_record_t got = {0};
    if (!on_pg) { /* a reader beside a writer: no conflict, the writer waits for no one */
        REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
        CHECK_INT(store_get(t, STORE_FAMILY, ACCOUNT, "counter", &got, &err), 1);
        store_record_clear(&got);
        REQUIRE(write_from_other_thread(f.s, "other") == 0);
        store_rollback(t);
        CHECK(!store_conflicted(f.s));
        fixture_close(&f);
        return;
    }
    REQUIRE(store_begin(f.s, STORE_WRITE, &t, &err) == 0);
    CHECK_INT(store_get(t, STORE_FAMILY, ACCOUNT, "counter", &got, &err), 1);
    CHECK_INT(got.version, 1);
    store_record_clear(&got);
    /* A writer that does not queue behind ecsd's writers' lock (ecsd's own
     * would: store_pg.c, WRITER_LOCK) changes the row and commits. */
    PGconn *peer = PQconnectdb(f.url);
    PGresult *res = PQexec(peer, "UPDATE resources SET doc = '{\"n\":1}', version = version + 1"
                                 " WHERE kind = 3 AND key = 'counter'");
    CHECK(PQresultStatus(res) == PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(peer);
    /* This one writes what it read: a lost update, refused. */
    store_record_t r = {.key = "counter", .num = 1, .doc = json_pack("{s:i}", "n", 1)};
    int rc = store_put(t, STORE_FAMILY, ACCOUNT, &r, &err);
    if (rc == 0)
        rc = store_commit(t, &err);
    else
        store_rollback(t);
    json_decref(r.doc);
    CHECK_INT(rc, -1);
    CHECK(store_conflicted(f.s));
    CHECK_INT(err.status, 503);
    CHECK_STR(err.type, "ServerException");
    /* The other's write stands, once (version 2); the thread goes on. */
    REQUIRE(store_begin(f.s, STORE_READ, &t, &err) == 0);
    CHECK(!store_conflicted(f.s));
    CHECK_INT(store_get(t, STORE_FAMILY, ACCOUNT, "counter", &got, &err), 1);
    CHECK_INT(got.version, 2);
    CHECK_INT(json_integer_value(json_object_get(got.doc, "n")), 1);
    store_record_clear(&got);
    store_rollback(t);
    fixture_close(&f);
}
