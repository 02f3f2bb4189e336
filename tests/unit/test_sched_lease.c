/* Tests for the scheduler's lease (sched/sched_lease.c): one holder at a
 * time, taken over once it ran out, and fenced by holder and epoch, so
 * that a process whose restarted twin (the same name) took over cannot
 * act any more. On SQLite (the store's clock is this machine's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "sched/sched_lease.h"
#include "test.h"

static int check_in_txn(store_t *s, const sched_lease_t *l)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_WRITE, &t, &err) < 0)
        return -1;
    int rc = lease_check(t, l, 0, &err);
    store_rollback(t);
    return rc;
}

TEST(sched_lease_one_holder_epochs_fence_a_twin)
{
    char dir[] = "/tmp/ecsd-unit-lease.XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    store_t *s = NULL;
    ecs_error_t err;
    REQUIRE(store_open_sqlite(dir, &s, &err) == 0);
    sched_lease_t a, twin, other;
    lease_init(&a, "http://a:7070");
    lease_init(&twin, "http://a:7070"); /* a restarted a: the same name */
    lease_init(&other, "http://b:7070");
    int64_t now = clock_now_ms();

    CHECK_INT(lease_acquire(s, &a, now, &err), 1);
    CHECK_INT(a.epoch, 1);
    CHECK_INT(check_in_txn(s, &a), 1);
    CHECK_INT(lease_acquire(s, &other, now, &err), 0); /* held, not run out */
    CHECK_INT(check_in_txn(s, &other), 0);

    /* the twin takes over at once (a restart), with the next epoch */
    CHECK_INT(lease_acquire(s, &twin, now, &err), 1);
    CHECK_INT(twin.epoch, 2);
    CHECK_INT(check_in_txn(s, &twin), 1);
    /* a, which still believes it holds the lease, is fenced out ... */
    CHECK_INT(check_in_txn(s, &a), 0);
    /* ... and learns it at its next renewal, without taking it back */
    CHECK_INT(lease_acquire(s, &a, now + LEASE_RENEW_MS + 1, &err), 0);
    CHECK_INT(a.until_ms, 0);
    CHECK_INT(check_in_txn(s, &twin), 1);

    /* given up (a clean stop): another server takes it at once */
    lease_release(s, &twin);
    CHECK_INT(check_in_txn(s, &twin), 0);
    CHECK_INT(lease_acquire(s, &other, now, &err), 1);
    CHECK_INT(other.epoch, 3);
    CHECK_INT(check_in_txn(s, &other), 1);
    CHECK_INT(lease_acquire(s, &a, now, &err), 0);
    store_close(s);
    char path[128];
    snprintf(path, sizeof path, "%s/ecsd.db", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/ecsd.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/ecsd.db-shm", dir);
    unlink(path);
    rmdir(dir);
}
