/* host_lost.c - see host_lost.h. */
#include "sched/host_lost.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "model/instance_lost.h"

#define ID_MAX 640

/* One host, in its own write transaction under the lease. */
static int mark_one(const model_service_t *svc, const sched_lease_t *lease, const char *scope, const char *id,
                    int64_t floor_ms, int *stopped, ecs_error_t *err)
{
    model_ctx_t ctx = {.scope = scope, .now_ms = clock_now_ms(), .svc = svc};
    if (store_begin(svc->store, STORE_WRITE, &ctx.txn, err) < 0)
        return -1;
    int held = lease_check(ctx.txn, lease, ctx.now_ms, err);
    int rc = held <= 0 ? held : instance_mark_lost(&ctx, id, floor_ms, stopped, err);
    if (rc <= 0) {
        store_rollback(ctx.txn);
        model_effects_abandon(svc, scope, &ctx.fx);
        return rc;
    }
    if (model_effects_notify(svc, ctx.txn, scope, &ctx.fx, err) < 0 || store_commit(ctx.txn, err) < 0) {
        store_rollback(ctx.txn);
        model_effects_abandon(svc, scope, &ctx.fx);
        return -1;
    }
    model_effects_apply(svc, scope, &ctx.fx);
    return 1;
}

#define PAGE 100

/* The silent instances of one status, over every scope: oldest heartbeat
 * (num) first, so a sweep reads the silent ones and stops at the first
 * that was heard from lately. */
static int sweep_status(host_lost_t *h, const model_service_t *svc, const sched_lease_t *lease, const char *status,
                        int64_t now_ms, int *marked, int *stopped, ecs_error_t *err)
{
    int64_t cutoff = now_ms - instance_lost_after_ms(svc);
    char last[ID_MAX] = "";
    store_cursor_t after = {.text = last, .num = INT64_MIN};
    for (;;) {
        store_txn_t *txn = NULL;
        if (store_begin(svc->store, STORE_READ, &txn, err) < 0)
            return -1;
        store_query_t q = {.kind = STORE_INSTANCE, .status = status, .order = STORE_ORDER_NUM_KEY, .after = &after,
                           .limit = PAGE};
        store_record_t *rows = NULL;
        size_t n = 0;
        int rc = store_query(txn, &q, &rows, &n, err);
        store_rollback(txn);
        if (rc < 0)
            return -1;
        bool more = n == PAGE;
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (rows[i].num > cutoff) { /* this one and all after it were heard from lately */
                more = false;
                break;
            }
            char key[ID_MAX];
            snprintf(key, sizeof key, "%s\x1f%s", rows[i].account, rows[i].key);
            int64_t seen;
            if (instance_lost_at(rows[i].doc) != 0 || (strmap_get(&h->done, key, &seen) && seen == rows[i].num))
                continue;
            int k = 0;
            int r = mark_one(svc, lease, rows[i].account, rows[i].key, h->lead_since_ms, &k, err);
            if (r < 0) {
                rc = -1;
                break;
            }
            if (r == 1) {
                log_warn("container instance %s (cluster %s) is lost: not heard from for %lld s; %d tasks stopped",
                         rows[i].key, rows[i].cluster ? rows[i].cluster : "?",
                         (long long)(now_ms - rows[i].num) / 1000, k);
                (*marked)++;
                *stopped += k;
            }
            strmap_set(&h->done, key, rows[i].num);
        }
        if (rc == 0 && more) {
            snprintf(last, sizeof last, "%s", rows[n - 1].key);
            after.num = rows[n - 1].num;
        }
        store_records_free(rows, n);
        if (rc < 0)
            return -1;
        if (!more)
            return 0;
    }
}

int host_lost_sweep(host_lost_t *h, const model_service_t *svc, const sched_lease_t *lease, int64_t now_ms,
                    int *stopped, ecs_error_t *err)
{
    *stopped = 0;
    if (instance_lost_after_ms(svc) <= 0 || now_ms < h->next_ms)
        return 0;
    h->next_ms = now_ms + HOST_LOST_SWEEP_MS;
    if (h->lead_since_ms == 0)
        h->lead_since_ms = now_ms;
    if (now_ms - h->lead_since_ms < instance_lost_after_ms(svc))
        return 0; /* nobody could have been lost yet in this process's view */
    int marked = 0;
    if (sweep_status(h, svc, lease, "ACTIVE", now_ms, &marked, stopped, err) < 0 ||
        sweep_status(h, svc, lease, "DRAINING", now_ms, &marked, stopped, err) < 0)
        return -1;
    return marked;
}

void host_lost_free(host_lost_t *h)
{
    strmap_free(&h->done);
    *h = (host_lost_t){0};
}
