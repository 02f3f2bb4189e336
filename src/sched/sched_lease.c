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
    l->epoch = 0;
    l->renewed_ms = 0;
}

/* The stored lease (holder, end, epoch) and the store's clock. */
typedef struct lease_row {
    bool found;
    char holder[320];
    int64_t until, epoch, now;
} lease_row_t;

static int lease_read(store_txn_t *txn, lease_row_t *row, ecs_error_t *err)
{
    store_record_t rec = {0};
    *row = (lease_row_t){0};
    int found = store_get(txn, STORE_TOKEN, LEASE_ACCOUNT, LEASE_KEY, &rec, err);
    if (found == 1) {
        const char *h = json_string_value(json_object_get(rec.doc, "holder"));
        snprintf(row->holder, sizeof row->holder, "%s", h ? h : "");
        row->until = json_integer_value(json_object_get(rec.doc, "until"));
        row->epoch = json_integer_value(json_object_get(rec.doc, "epoch")); /* 0 in leases of before */
        row->found = true;
    }
    store_record_clear(&rec);
    if (found < 0 || store_now_ms(txn, &row->now, err) < 0)
        return -1;
    return 0;
}

/* Held by someone else, and not run out. A row naming us but of another
 * epoch is our restarted twin's once we held it ourselves (epoch != 0);
 * before that it is a lease of ours from before a restart, taken over. */
static bool taken(const lease_row_t *row, const sched_lease_t *l)
{
    if (!row->found || row->until <= row->now)
        return false;
    if (strcmp(row->holder, l->holder) != 0)
        return true;
    return l->epoch != 0 && row->epoch != l->epoch;
}

int lease_check(store_txn_t *txn, const sched_lease_t *l, int64_t now_ms, ecs_error_t *err)
{
    (void)now_ms;
    lease_row_t row;
    if (lease_read(txn, &row, err) < 0)
        return -1;
    return row.found && strcmp(row.holder, l->holder) == 0 && row.epoch == l->epoch && l->epoch != 0 &&
           row.until > row.now;
}

static int lease_write(store_txn_t *txn, const sched_lease_t *l, int64_t until, int64_t epoch, ecs_error_t *err)
{
    store_record_t rec = {.key = LEASE_KEY, .status = "LEASE", .num = until,
                          .doc = json_pack("{s:s, s:I, s:I}", "holder", l->holder, "until", (json_int_t)until,
                                           "epoch", (json_int_t)epoch)};
    int rc = store_put(txn, STORE_TOKEN, LEASE_ACCOUNT, &rec, err);
    json_decref(rec.doc);
    return rc;
}

int lease_acquire(store_t *store, sched_lease_t *l, int64_t now_ms, ecs_error_t *err)
{
    if (l->until_ms != 0 && now_ms - l->renewed_ms < LEASE_RENEW_MS)
        return 1; /* ours, and not due for renewal (this machine's clock: an interval) */
    /* A read first: a process that does not hold the lease must not take
     * the write lock every tick just to learn that. */
    lease_row_t row;
    store_txn_t *txn = NULL;
    if (store_begin(store, STORE_READ, &txn, err) < 0)
        return -1;
    int rc = lease_read(txn, &row, err);
    store_rollback(txn);
    if (rc < 0)
        return -1;
    if (taken(&row, l)) {
        if (l->until_ms != 0)
            log_info("scheduler: another server holds the scheduler's lease now (%s)", row.holder);
        l->until_ms = 0;
        return 0;
    }
    if (store_begin(store, STORE_WRITE, &txn, err) < 0)
        return -1;
    rc = lease_read(txn, &row, err) < 0 ? -1 : taken(&row, l) ? 0 : 1; /* again, in the write transaction */
    /* Ours still (same holder and epoch, not run out): renewed; otherwise
     * taken, with the next epoch. */
    bool renew = rc == 1 && l->until_ms != 0 && row.found && strcmp(row.holder, l->holder) == 0 &&
                 row.epoch == l->epoch && row.until > row.now;
    int64_t epoch = renew ? l->epoch : row.epoch + 1;
    int64_t until = row.now + LEASE_MS;
    if (rc == 1 && lease_write(txn, l, until, epoch, err) < 0)
        rc = -1;
    if (rc == 1) {
        if (store_commit(txn, err) < 0)
            return -1;
        if (!renew)
            log_info("scheduler: this server now runs the service scheduler (%s, epoch %lld)", l->holder,
                     (long long)epoch);
        l->until_ms = until;
        l->epoch = epoch;
        l->renewed_ms = now_ms;
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
    if (lease_check(txn, l, 0, &err) == 1 && lease_write(txn, l, 0, l->epoch, &err) == 0 &&
        store_commit(txn, &err) == 0) {
        l->until_ms = 0;
        return;
    }
    store_rollback(txn);
}
