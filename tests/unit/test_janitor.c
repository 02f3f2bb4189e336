/* Tests for the stopped-task janitor (sched/janitor.c): a sweep removes
 * exactly the tasks STOPPED longer ago than the retention, in every
 * account, in batches; the thread starts and stops cleanly. */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "sched/janitor.h"
#include "store/store.h"
#include "test.h"

#define ACCT_A "000000000000"
#define ACCT_B "111111111111"
#define RETENTION_S 3600
#define HOUR_MS 3600000LL

typedef struct fixture {
    char dir[64];
    store_t *s;
} fixture_t;

static int fixture_open(fixture_t *f)
{
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsd-unit-janitor.XXXXXX");
    f->s = NULL;
    if (mkdtemp(f->dir) == NULL)
        return -1;
    ecs_error_t err;
    if (store_open_sqlite(f->dir, &f->s, &err) < 0) {
        fprintf(stderr, "  store_open_sqlite: %s\n", err.message);
        return -1;
    }
    return 0;
}

static void fixture_close(fixture_t *f)
{
    store_close(f->s);
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

/* Puts n tasks "<prefix>-<i>" with this status and num (stoppedAt ms). */
static int put_tasks(store_t *s, const char *account, const char *prefix, const char *status, int64_t num, int n)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_WRITE, &t, &err) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s-%05d", prefix, i);
        store_record_t r = {.key = key, .cluster = "default", .status = (char *)status,
                            .desired = (char *)status, .num = num - i,
                            .doc = json_pack("{s:s, s:s}", "taskArn", key, "lastStatus", status)};
        int rc = store_put(t, STORE_TASK, account, &r, &err);
        json_decref(r.doc);
        if (rc < 0) {
            fprintf(stderr, "  store_put: %s\n", err.message);
            store_rollback(t);
            return -1;
        }
    }
    return store_commit(t, &err);
}

/* How many tasks of the account have this status (NULL: any). */
static int64_t count_tasks(store_t *s, const char *account, const char *status)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_READ, &t, &err) < 0)
        return -1;
    store_query_t q = {.kind = STORE_TASK, .account = account, .status = status};
    int64_t n = -1;
    if (store_count(t, &q, &n, &err) < 0)
        n = -1;
    store_rollback(t);
    return n;
}

static int task_exists(store_t *s, const char *account, const char *key)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_READ, &t, &err) < 0)
        return -1;
    store_record_t r = {0};
    int rc = store_get(t, STORE_TASK, account, key, &r, &err);
    store_record_clear(&r);
    store_rollback(t);
    return rc;
}

TEST(janitor_sweep_removes_only_old_stopped)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int64_t now = clock_now_ms();
    REQUIRE(put_tasks(f.s, ACCT_A, "old", "STOPPED", now - 2 * HOUR_MS, 7) == 0);
    REQUIRE(put_tasks(f.s, ACCT_A, "new", "STOPPED", now - HOUR_MS / 6, 4) == 0);
    REQUIRE(put_tasks(f.s, ACCT_A, "run", "RUNNING", now - 48 * HOUR_MS, 3) == 0);
    REQUIRE(put_tasks(f.s, ACCT_B, "old", "STOPPED", now - 30 * HOUR_MS, 5) == 0);
    REQUIRE(put_tasks(f.s, ACCT_B, "new", "STOPPED", now - 1000, 2) == 0);
    REQUIRE(put_tasks(f.s, ACCT_B, "pend", "PENDING", now - 48 * HOUR_MS, 2) == 0);

    CHECK_INT(janitor_sweep(f.s, RETENTION_S), 12);
    CHECK_INT(count_tasks(f.s, ACCT_A, "STOPPED"), 4);
    CHECK_INT(count_tasks(f.s, ACCT_A, "RUNNING"), 3);
    CHECK_INT(count_tasks(f.s, ACCT_B, "STOPPED"), 2);
    CHECK_INT(count_tasks(f.s, ACCT_B, "PENDING"), 2);
    CHECK_INT(task_exists(f.s, ACCT_A, "old-00000"), 0);
    CHECK_INT(task_exists(f.s, ACCT_B, "old-00004"), 0);
    CHECK_INT(task_exists(f.s, ACCT_A, "new-00003"), 1);
    CHECK_INT(task_exists(f.s, ACCT_B, "new-00000"), 1);

    CHECK_INT(janitor_sweep(f.s, RETENTION_S), 0); /* nothing more */
    CHECK_INT(count_tasks(f.s, ACCT_A, NULL) + count_tasks(f.s, ACCT_B, NULL), 11);
    /* retention 0: every stopped task that stopped before now goes */
    CHECK_INT(put_tasks(f.s, ACCT_B, "now", "STOPPED", now + HOUR_MS, 1), 0); /* stops in the future */
    CHECK_INT(janitor_sweep(f.s, 0), 6);
    CHECK_INT(count_tasks(f.s, ACCT_A, "STOPPED") + count_tasks(f.s, ACCT_B, "STOPPED"), 1);
    CHECK_INT(task_exists(f.s, ACCT_B, "now-00000"), 1);
    fixture_close(&f);
}

TEST(janitor_sweep_more_than_a_batch)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int64_t now = clock_now_ms();
    REQUIRE(put_tasks(f.s, ACCT_A, "old", "STOPPED", now - 5 * HOUR_MS, 730) == 0);
    REQUIRE(put_tasks(f.s, ACCT_B, "old", "STOPPED", now - 4 * HOUR_MS, 521) == 0);
    REQUIRE(put_tasks(f.s, ACCT_A, "new", "STOPPED", now - 60000, 30) == 0);
    REQUIRE(put_tasks(f.s, ACCT_B, "run", "RUNNING", now - 9 * HOUR_MS, 600) == 0);
    CHECK_INT(janitor_sweep(f.s, RETENTION_S), 1251);
    CHECK_INT(count_tasks(f.s, ACCT_A, "STOPPED"), 30);
    CHECK_INT(count_tasks(f.s, ACCT_B, "STOPPED"), 0);
    CHECK_INT(count_tasks(f.s, ACCT_B, "RUNNING"), 600);

    /* exactly one batch: a second, empty, round ends it */
    REQUIRE(put_tasks(f.s, ACCT_B, "batch", "STOPPED", now - 2 * HOUR_MS, 500) == 0);
    CHECK_INT(janitor_sweep(f.s, RETENTION_S), 500);
    CHECK_INT(count_tasks(f.s, ACCT_B, "STOPPED"), 0);
    CHECK_INT(count_tasks(f.s, ACCT_A, "STOPPED"), 30);
    fixture_close(&f);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

TEST(janitor_thread_sweeps_and_stops)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    int64_t now = clock_now_ms();
    REQUIRE(put_tasks(f.s, ACCT_A, "old", "STOPPED", now - 2 * HOUR_MS, 20) == 0);
    REQUIRE(put_tasks(f.s, ACCT_A, "new", "STOPPED", now - 1000, 3) == 0);

    /* a long interval: the first sweep runs at once, and stop does not wait it out */
    janitor_t *j = janitor_start(f.s, RETENTION_S, 3600);
    REQUIRE(j != NULL);
    int64_t start = clock_now_ms();
    while (count_tasks(f.s, ACCT_A, "STOPPED") != 3 && clock_now_ms() - start < 3000)
        sleep_ms(10);
    CHECK_INT(count_tasks(f.s, ACCT_A, "STOPPED"), 3);
    int64_t t0 = clock_now_ms();
    janitor_stop(j);
    CHECK(clock_now_ms() - t0 < 1000);

    /* a short interval: later stopped tasks go on a later round */
    j = janitor_start(f.s, RETENTION_S, 1);
    REQUIRE(j != NULL);
    sleep_ms(100);
    REQUIRE(put_tasks(f.s, ACCT_B, "late", "STOPPED", now - 3 * HOUR_MS, 4) == 0);
    start = clock_now_ms();
    while (count_tasks(f.s, ACCT_B, "STOPPED") != 0 && clock_now_ms() - start < 4000)
        sleep_ms(20);
    CHECK_INT(count_tasks(f.s, ACCT_B, "STOPPED"), 0);
    janitor_stop(j);

    /* started and stopped at once */
    j = janitor_start(f.s, RETENTION_S, 60);
    REQUIRE(j != NULL);
    janitor_stop(j);
    janitor_stop(NULL);
    CHECK_INT(count_tasks(f.s, ACCT_A, "STOPPED"), 3);
    fixture_close(&f);
}
