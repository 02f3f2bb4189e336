/* Store migration 5 (store/sqlite_schema.c): rows stored before regions,
 * under a bare account, move to "ACCOUNT:<default region>", the
 * per-cluster counts with them; the scheduler's lease (account "") stays. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

static int exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open(path, &db) == SQLITE_OK ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_ERROR;
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static int put(store_t *s, store_kind_t kind, const char *account, const char *key, const char *cluster,
               const char *status)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    store_record_t r = {.key = (char *)key, .cluster = (char *)cluster, .status = (char *)status,
                        .doc = json_pack("{s:s}", "k", key)};
    int rc = store_begin(s, STORE_WRITE, &t, &err) == 0 && store_put(t, kind, account, &r, &err) == 0 &&
                     store_commit(t, &err) == 0
                 ? 0
                 : -1;
    json_decref(r.doc);
    return rc;
}

static int64_t count(store_t *s, const store_query_t *q)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    int64_t n = -1;
    if (store_begin(s, STORE_READ, &t, &err) == 0 && store_count(t, q, &n, &err) < 0)
        n = -1;
    store_rollback(t);
    return n;
}

TEST(store_migration_moves_old_rows_to_the_default_region)
{
    char dir[64] = "/tmp/ecsd-unit-migrate.XXXXXX", path[128];
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/ecsd.db", dir);
    ecs_error_t err;
    store_t *s = NULL;
    REQUIRE(store_open_sqlite(dir, &s, &err) == 0);
    /* rows as an ecsd of before wrote them: under the bare account */
    REQUIRE(put(s, STORE_CLUSTER, "123456789012", "web", NULL, "ACTIVE") == 0);
    REQUIRE(put(s, STORE_TASK, "123456789012", "ffe3d344-77e2-476c-a4d0-bf560ad50acb", "web", "RUNNING") == 0);
    REQUIRE(put(s, STORE_TASK, "123456789012", "0badc0de-0000-4000-8000-000000000000", "web", "RUNNING") == 0);
    REQUIRE(put(s, STORE_TOKEN, "", "Scheduler/leader", NULL, "LEASE") == 0);
    store_close(s);
    REQUIRE(exec(path, "PRAGMA user_version = 4") == 0);

    REQUIRE(store_open_sqlite_region(dir, "eu-west-1", &s, &err) == 0);
    ecs_error_t e2;
    store_txn_t *t = NULL;
    REQUIRE(store_begin(s, STORE_READ, &t, &e2) == 0);
    store_record_t r = {0};
    CHECK_INT(store_get(t, STORE_CLUSTER, "123456789012:eu-west-1", "web", &r, &e2), 1);
    CHECK_STR(r.account, "123456789012:eu-west-1");
    store_record_clear(&r);
    CHECK_INT(store_get(t, STORE_CLUSTER, "123456789012", "web", &r, &e2), 0);
    CHECK_INT(store_get(t, STORE_TOKEN, "", "Scheduler/leader", &r, &e2), 1);
    store_record_clear(&r);
    store_rollback(t);
    /* the counts moved with their rows (ListClusters' counters read them) */
    store_query_t q = {.kind = STORE_TASK, .account = "123456789012:eu-west-1", .cluster = "web",
                       .status = "RUNNING"};
    CHECK_INT(count(s, &q), 2);
    q.account = "123456789012";
    CHECK_INT(count(s, &q), 0);
    /* new rows of the migrated scope count on from there */
    REQUIRE(put(s, STORE_TASK, "123456789012:eu-west-1", "0123456789abcdef0123456789abcdef", "web", "RUNNING") == 0);
    q.account = "123456789012:eu-west-1";
    CHECK_INT(count(s, &q), 3);
    store_close(s);
    /* a store already migrated is left as it is, whatever the default region */
    REQUIRE(store_open_sqlite_region(dir, "ap-south-1", &s, &err) == 0);
    CHECK_INT(count(s, &q), 3);
    store_close(s);
    char wal[160], shm[160];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    unlink(path);
    unlink(wal);
    unlink(shm);
    rmdir(dir);
}
