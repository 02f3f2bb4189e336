#include "sched/janitor.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "model/taskdef.h"

#define SWEEP_BATCH 500

struct janitor {
    store_t *store;
    int retention_s, interval_s;
    pthread_mutex_t lock; /* guards stopping */
    pthread_cond_t cond;
    bool stopping;
    pthread_t thread;
};

/* Deletes rows of kind/status whose num is older than cutoff, oldest first. */
static int sweep_kind(store_t *store, store_kind_t kind, const char *status, int64_t cutoff)
{
    int removed = 0;
    for (;;) {
        ecs_error_t err;
        store_txn_t *txn = NULL;
        if (store_begin(store, STORE_WRITE, &txn, &err) < 0) {
            log_warn("janitor: %s", err.message);
            return -1;
        }
        /* all accounts, oldest first (a task's num is its stoppedAt) */
        store_query_t q = {.kind = kind, .status = status, .order = STORE_ORDER_NUM_KEY, .limit = SWEEP_BATCH};
        store_record_t *rows = NULL;
        size_t n = 0, gone = 0;
        int rc = store_query(txn, &q, &rows, &n, &err);
        for (size_t i = 0; rc == 0 && i < n && rows[i].num < cutoff; i++, gone++)
            rc = store_delete(txn, kind, rows[i].account, rows[i].key, &err);
        store_records_free(rows, n);
        if (rc < 0 || store_commit(txn, &err) < 0) {
            if (rc < 0)
                store_rollback(txn);
            log_warn("janitor: %s", err.message);
            return -1;
        }
        removed += (int)gone;
        if (gone < SWEEP_BATCH)
            return removed;
    }
}

int janitor_sweep(store_t *store, int retention_s)
{
    int64_t cutoff = clock_now_ms() - (int64_t)retention_s * 1000;
    int tokens = sweep_kind(store, STORE_TOKEN, "USED", cutoff);
    int tasks = sweep_kind(store, STORE_TASK, "STOPPED", cutoff);
    ecs_error_t err;
    if (taskdef_reap(store, &err) < 0) /* DeleteTaskDefinitions' revisions nothing uses any more */
        log_warn("janitor: %s", err.message);
    return tokens < 0 || tasks < 0 ? -1 : tasks;
}

static void *janitor_main(void *arg)
{
    janitor_t *j = arg;
    pthread_mutex_lock(&j->lock);
    while (!j->stopping) {
        pthread_mutex_unlock(&j->lock);
        int n = janitor_sweep(j->store, j->retention_s);
        if (n > 0)
            log_info("janitor: removed %d stopped tasks", n);
        pthread_mutex_lock(&j->lock);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += j->interval_s;
        while (!j->stopping && pthread_cond_timedwait(&j->cond, &j->lock, &ts) == 0)
            ;
    }
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

janitor_t *janitor_start(store_t *store, int retention_s, int interval_s)
{
    janitor_t *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    *j = (janitor_t){.store = store, .retention_s = retention_s, .interval_s = interval_s};
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    if (pthread_create(&j->thread, NULL, janitor_main, j) != 0) {
        free(j);
        return NULL;
    }
    return j;
}

void janitor_stop(janitor_t *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->lock);
    j->stopping = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->thread, NULL);
    pthread_cond_destroy(&j->cond);
    pthread_mutex_destroy(&j->lock);
    free(j);
}
