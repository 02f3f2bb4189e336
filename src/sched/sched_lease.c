/* sched_lease.c - see sched_lease.h. */
#include "sched/sched_lease.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"

#define LEASE_ACCOUNT ""
#define LEASE_KEY "Scheduler/leader"

void lease_init(sched_lease_t *l, const char *advertise_url)
{
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    snprintf(l->holder, sizeof l->holder, "%s %s", host, advertise_url ? advertise_url : "");
    l->until_ms = 0;
}

/* The stored lease: its holder (into holder) and end. 1 found, 0 none. */
static int lease_read(store_txn_t *txn, char *holder, size_t len, int64_t *until, ecs_error_t *err)
{
    store_record_t rec = {0};
    int found = store_get(txn, STORE_TOKEN, LEASE_ACCOUNT, LEASE_KEY, &rec, err);
    if (found == 1) {
        const char *h = json_string_value(json_object_get(rec.doc, "holder"));
        snprintf(holder, len, "%s", h ? h : "");
        *until = json_integer_value(json_object_get(rec.doc, "until"));
    }
    store_record_clear(&rec);
    return found;
}

int lease_check(store_txn_t *txn, const sched_lease_t *l, int64_t now_ms, ecs_error_t *err)
{
    char holder[sizeof l->holder];
    int64_t until = 0;
    int found = lease_read(txn, holder, sizeof holder, &until, err);
    if (found < 0)
        return -1;
    return found == 1 && strcmp(holder, l->holder) == 0 && until > now_ms;
}

static int lease_write(store_txn_t *txn, const sched_lease_t *l, int64_t until, ecs_error_t *err)
{
    store_record_t rec = {.key = LEASE_KEY, .status = "LEASE", .num = until,
                          .doc = json_pack("{s:s, s:I}", "holder", l->holder, "until", (json_int_t)until)};
    int rc = store_put(txn, STORE_TOKEN, LEASE_ACCOUNT, &rec, err);
    json_decref(rec.doc);
    return rc;
}

int lease_acquire(store_t *store, sched_lease_t *l, int64_t now_ms, ecs_error_t *err)
{
    if (l->until_ms - now_ms > LEASE_MS - LEASE_RENEW_MS)
        return 1; /* ours, and not due for renewal */
    /* A read first: a process that does not hold the lease must not take
     * the write lock every tick just to learn that. */
    char holder[sizeof l->holder];
    int64_t until = 0;
    store_txn_t *txn = NULL;
    if (store_begin(store, STORE_READ, &txn, err) < 0)
        return -1;
    int found = lease_read(txn, holder, sizeof holder, &until, err);
    store_rollback(txn);
    if (found < 0)
        return -1;
    if (found == 1 && strcmp(holder, l->holder) != 0 && until > now_ms) {
        l->until_ms = 0;
        return 0;
    }
    if (store_begin(store, STORE_WRITE, &txn, err) < 0)
        return -1;
    found = lease_read(txn, holder, sizeof holder, &until, err); /* again, under the write lock */
    int rc = found < 0 ? -1 : 1;
    if (found == 1 && strcmp(holder, l->holder) != 0 && until > now_ms)
        rc = 0;
    if (rc == 1 && lease_write(txn, l, now_ms + LEASE_MS, err) < 0)
        rc = -1;
    if (rc == 1) {
        if (store_commit(txn, err) < 0)
            return -1;
        if (l->until_ms == 0)
            log_info("scheduler: this server now runs the service scheduler (%s)", l->holder);
        l->until_ms = now_ms + LEASE_MS;
        return 1;
    }
    store_rollback(txn);
    l->until_ms = 0;
    return rc;
}

void lease_release(store_t *store, sched_lease_t *l)
{
    if (l->until_ms == 0)
        return;
    ecs_error_t err;
    store_txn_t *txn = NULL;
    if (store_begin(store, STORE_WRITE, &txn, &err) < 0)
        return;
    if (lease_check(txn, l, 0, &err) == 1 && lease_write(txn, l, 0, &err) == 0 && store_commit(txn, &err) == 0) {
        l->until_ms = 0;
        return;
    }
    store_rollback(txn);
}
