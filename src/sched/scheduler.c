/* scheduler.c - see scheduler.h. */
#include "sched/scheduler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "sched/host_lost.h"
#include "sched/sched_lease.h"
#include "sched/strmap.h"
#include "sched/svc_reconcile.h"

/* Changes are found by num (ms, taken when a transaction began); one that
 * waited for the write lock (up to the store's 15 s busy timeout) commits
 * later than its num says. A tick after a ring (a commit of this process
 * just landed) looks this far back, skipping what it has seen (services by
 * record version, tasks by id); a quiet tick looks back only a little, so
 * that services that changed a while ago are not read again on every tick.
 * Later commits of other processes wait for the full pass. */
#define SCAN_MARGIN_MS 16000
#define SCAN_MARGIN_QUIET_MS 2000
#define RING_GAP_MS 10 /* rings closer than this are answered by one tick */
#define SCAN_BATCH 2000
#define ID_MAX 640     /* "scope\x1fcluster/name" (a scope is "ACCOUNT:REGION") */
#define KEY_MAX 520    /* "cluster/name", each at most 255 */

struct sched {
    const model_service_t *svc;
    int tick_ms;
    pthread_mutex_t lock; /* guards stopping, rung */
    pthread_cond_t cond;
    bool stopping, rung, threaded;
    pthread_t thread;
    /* the thread's own */
    sched_lease_t lease;
    strmap_t hot;       /* id -> when to look again (ms; 0: next tick) */
    strmap_t seen_svc;  /* id -> store version of the service record last reconciled */
    strmap_t seen_task; /* account\x1ftask id -> its stoppedAt (ms), already taken into account */
    int64_t last_scan_ms, next_full_ms;
    host_lost_t lost;
};

static void make_id(char out[ID_MAX], const char *account, const char *key)
{
    snprintf(out, ID_MAX, "%s\x1f%s", account, key);
}

/* Adds a service to this tick's list. */
static void mark(strmap_t *dirty, const char *account, const char *key)
{
    char id[ID_MAX];
    make_id(id, account, key);
    strmap_set(dirty, id, 0);
}

/* Services of this status changed since `since` (or all with since < 0). */
static int scan_services(sched_t *s, store_txn_t *txn, const char *status, int64_t since, strmap_t *dirty,
                         ecs_error_t *err)
{
    store_cursor_t after = {.text = "", .num = since};
    store_query_t q = {.kind = STORE_SERVICE, .status = status, .order = STORE_ORDER_NUM_KEY,
                       .after = since >= 0 ? &after : NULL};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char id[ID_MAX];
        make_id(id, rows[i].account, rows[i].key);
        int64_t v;
        if (since < 0 || !strmap_get(&s->seen_svc, id, &v) || v != rows[i].version)
            strmap_set(dirty, id, 0);
    }
    store_records_free(rows, n);
    return 0;
}

/* Services with a task that stopped since `since`. */
static int scan_stopped_tasks(sched_t *s, store_txn_t *txn, int64_t since, strmap_t *dirty, ecs_error_t *err)
{
    store_cursor_t after = {.text = "", .num = since};
    char last[ID_MAX];
    for (;;) {
        store_query_t q = {.kind = STORE_TASK, .status = "STOPPED", .order = STORE_ORDER_NUM_KEY, .after = &after,
                           .limit = SCAN_BATCH};
        store_record_t *rows = NULL;
        size_t n = 0;
        if (store_query(txn, &q, &rows, &n, err) < 0)
            return -1;
        for (size_t i = 0; i < n; i++) {
            const store_record_t *t = &rows[i];
            char tid[ID_MAX];
            make_id(tid, t->account, t->key);
            if (t->service == NULL || t->cluster == NULL || strmap_get(&s->seen_task, tid, NULL))
                continue;
            strmap_set(&s->seen_task, tid, t->num);
            char key[KEY_MAX];
            snprintf(key, sizeof key, "%.255s/%.255s", t->cluster, t->service);
            mark(dirty, t->account, key);
        }
        bool more = n == SCAN_BATCH;
        if (more) { /* page on from the last row */
            snprintf(last, sizeof last, "%s", rows[n - 1].key);
            after = (store_cursor_t){.text = last, .num = rows[n - 1].num};
        }
        store_records_free(rows, n);
        if (!more)
            return 0;
    }
}

/* Forgets stopped tasks older than the scan window: they cannot come back. */
static void prune_seen_tasks(sched_t *s, int64_t since)
{
    const char *k;
    int64_t num;
    for (size_t pos = 0; strmap_next(&s->seen_task, &pos, &k, &num);)
        if (num < since)
            strmap_del(&s->seen_task, k);
}

/* This tick's services: changed, with a stopped task, hot and due, or all. */
static int collect(sched_t *s, int64_t now, bool rung, bool full, strmap_t *dirty, ecs_error_t *err)
{
    store_txn_t *txn = NULL;
    if (store_begin(s->svc->store, STORE_READ, &txn, err) < 0)
        return -1;
    int64_t since = full ? -1 : s->last_scan_ms - (rung ? SCAN_MARGIN_MS : SCAN_MARGIN_QUIET_MS);
    int rc = scan_services(s, txn, "ACTIVE", since, dirty, err);
    if (rc == 0)
        rc = scan_services(s, txn, "DRAINING", since, dirty, err);
    if (rc == 0)
        rc = scan_stopped_tasks(s, txn, full ? now - SCAN_MARGIN_MS : since, dirty, err);
    store_rollback(txn);
    if (rc < 0)
        return -1;
    prune_seen_tasks(s, (full ? now : s->last_scan_ms) - 2 * SCAN_MARGIN_MS);
    const char *id;
    int64_t due;
    for (size_t pos = 0; strmap_next(&s->hot, &pos, &id, &due);)
        if (rung || due <= now)
            strmap_set(dirty, id, 0);
    s->last_scan_ms = now;
    return 0;
}

int sched_tick(sched_t *s, bool rung, sched_tick_stats_t *st)
{
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    *st = (sched_tick_stats_t){0};
    ecs_error_t err;
    int64_t now = clock_now_ms();
    int held = lease_acquire(s->svc->store, &s->lease, now, &err);
    if (held < 0)
        log_warn("scheduler: lease: %s", err.message);
    if (held <= 0) { /* another process acts; when we take over, we look at everything */
        s->next_full_ms = 0;
        host_lost_free(&s->lost);
        strmap_free(&s->hot);
        return held;
    }
    st->leader = true;
    int lost_tasks = 0;
    if (host_lost_sweep(&s->lost, s->svc, &s->lease, now, &lost_tasks, &err) < 0)
        log_warn("scheduler: lost hosts: %s", err.message);
    else if (lost_tasks > 0)
        rung = true; /* their services are looked at in this very tick */
    st->full_pass = now >= s->next_full_ms;
    strmap_t dirty = {0};
    if (collect(s, now, rung, st->full_pass, &dirty, &err) < 0) {
        log_warn("scheduler: %s", err.message);
        strmap_free(&dirty);
        return -1;
    }
    if (st->full_pass)
        s->next_full_ms = now + SCHED_FULL_PASS_MS;
    const char *id;
    for (size_t pos = 0; strmap_next(&dirty, &pos, &id, NULL);) {
        char scope[ID_MAX];
        const char *sep = strchr(id, '\x1f');
        if (sep == NULL)
            continue;
        snprintf(scope, sizeof scope, "%.*s", (int)(sep - id), id);
        svc_outcome_t out;
        if (svc_reconcile(s->svc, &s->lease, scope, sep + 1, clock_now_ms(), &out, &err) < 0) {
            log_warn("scheduler: service %s: %s", sep + 1, err.message);
            strmap_set(&s->hot, id, now + SVC_PLACE_RETRY_MS); /* try again, not at once */
            continue;
        }
        st->looked_at++;
        st->started += out.started;
        st->stopped += out.stopped;
        if (out.gone) {
            strmap_del(&s->hot, id);
            strmap_del(&s->seen_svc, id);
            continue;
        }
        if (out.version > 0)
            strmap_set(&s->seen_svc, id, out.version);
        if (out.steady)
            strmap_del(&s->hot, id);
        else
            strmap_set(&s->hot, id, out.due_ms);
    }
    strmap_free(&dirty);
    st->hot = (int)s->hot.used;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    st->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    st->cpu_ms = (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6;
    return 0;
}

sched_t *sched_new(const model_service_t *svc, int tick_ms)
{
    sched_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->svc = svc;
    s->tick_ms = tick_ms > 0 ? tick_ms : 1000;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    lease_init(&s->lease, svc->advertise_url);
    return s;
}

static void wait_until(sched_t *s, int64_t until_ms)
{
    struct timespec ts = {.tv_sec = until_ms / 1000, .tv_nsec = (long)(until_ms % 1000) * 1000000L};
    pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

static void *sched_main(void *arg)
{
    sched_t *s = arg;
    int64_t next_tick = 0, last_end = 0;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        int64_t now = clock_now_ms();
        if (s->rung ? now < last_end + RING_GAP_MS : now < next_tick) {
            wait_until(s, s->rung ? last_end + RING_GAP_MS : next_tick);
            continue;
        }
        bool rung = s->rung;
        s->rung = false;
        pthread_mutex_unlock(&s->lock);
        sched_tick_stats_t st;
        sched_tick(s, rung, &st);
        if (st.leader)
            log_debug("scheduler: tick %.3f ms (cpu %.3f ms)%s: %d services looked at, %d tasks started, %d stopped, "
                      "%d in flight", st.ms, st.cpu_ms, st.full_pass ? " (full pass)" : "", st.looked_at, st.started,
                      st.stopped, st.hot);
        pthread_mutex_lock(&s->lock);
        last_end = clock_now_ms();
        next_tick = last_end + s->tick_ms;
    }
    pthread_mutex_unlock(&s->lock);
    lease_release(s->svc->store, &s->lease);
    return NULL;
}

int sched_start(sched_t *s)
{
    if (pthread_create(&s->thread, NULL, sched_main, s) != 0)
        return -1;
    s->threaded = true;
    return 0;
}

void sched_ring(void *arg)
{
    sched_t *s = arg;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->rung = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

void sched_stop(sched_t *s)
{
    if (s == NULL || !s->threaded)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->threaded = false;
}

void sched_free(sched_t *s)
{
    if (s == NULL)
        return;
    sched_stop(s);
    if (s->lease.until_ms != 0)
        lease_release(s->svc->store, &s->lease);
    strmap_free(&s->hot);
    strmap_free(&s->seen_svc);
    strmap_free(&s->seen_task);
    host_lost_free(&s->lost);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
