#include "sched/logs_janitor.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"

struct logs_janitor {
    logs_store_t *store;
    int64_t max_bytes;
    int interval_s;
    pthread_mutex_t lock; /* guards stopping */
    pthread_cond_t cond;
    bool stopping;
    pthread_t thread;
};

static void *logs_janitor_main(void *arg)
{
    logs_janitor_t *j = arg;
    pthread_mutex_lock(&j->lock);
    while (!j->stopping) {
        pthread_mutex_unlock(&j->lock);
        ecs_error_t err;
        int64_t n = logs_store_sweep(j->store, clock_now_ms(), j->max_bytes, &err);
        if (n < 0)
            log_warn("logs janitor: %s", err.message);
        else if (n > 0)
            log_info("logs janitor: removed %lld log events", (long long)n);
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

logs_janitor_t *logs_janitor_start(logs_store_t *store, int64_t max_bytes, int interval_s)
{
    logs_janitor_t *j = calloc(1, sizeof *j);
    if (j == NULL)
        return NULL;
    j->store = store;
    j->max_bytes = max_bytes;
    j->interval_s = interval_s > 0 ? interval_s : 60;
    pthread_mutex_init(&j->lock, NULL);
    pthread_cond_init(&j->cond, NULL);
    if (pthread_create(&j->thread, NULL, logs_janitor_main, j) != 0) {
        pthread_mutex_destroy(&j->lock);
        pthread_cond_destroy(&j->cond);
        free(j);
        return NULL;
    }
    return j;
}

void logs_janitor_stop(logs_janitor_t *j)
{
    if (j == NULL)
        return;
    pthread_mutex_lock(&j->lock);
    j->stopping = true;
    pthread_cond_signal(&j->cond);
    pthread_mutex_unlock(&j->lock);
    pthread_join(j->thread, NULL);
    pthread_mutex_destroy(&j->lock);
    pthread_cond_destroy(&j->cond);
    free(j);
}
