#include "agent/agent.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_fs.h"
#include "agent/agent_int.h"
#include "common/log.h"
#include "common/clock.h"

#define CLOSE_WAIT_MS 60000 /* Docker calls in flight at shutdown (a docker stop may take 30 s) */

bool agent_stopping(agent_t *a)
{
    pthread_mutex_lock(&a->lock);
    bool s = a->stopping;
    pthread_mutex_unlock(&a->lock);
    return s;
}

bool agent_sleep(agent_t *a, int ms)
{
    struct timespec ts;
    clock_deadline(&ts, ms);
    pthread_mutex_lock(&a->lock);
    while (!a->stopping && pthread_cond_timedwait(&a->cond, &a->lock, &ts) == 0)
        ;
    bool go_on = !a->stopping;
    pthread_mutex_unlock(&a->lock);
    return go_on;
}

void agent_backoff_init(agent_backoff_t *b, int max_ms) { *b = (agent_backoff_t){.next_ms = 250, .max_ms = max_ms}; }

int agent_backoff_next(agent_backoff_t *b)
{
    int base = b->next_ms;
    b->next_ms = base * 3 / 2 > b->max_ms ? b->max_ms : base * 3 / 2;
    int jitter = base / 5;
    return base - jitter + (jitter > 0 ? rand() % (2 * jitter + 1) : 0);
}

/* The engine's keep hook: a container whose awslogs output is still
 * being read or sent is not removed yet. */
static bool keep_for_logs(void *arg, const char *docker_id)
{
    agent_t *a = arg;
    return agent_logs_busy(a->logs, docker_id);
}

static int start_thread(pthread_t *th, bool *on, void *(*fn)(void *), agent_t *a, ecs_error_t *err)
{
    int rc = pthread_create(th, NULL, fn, a);
    if (rc != 0)
        return ecs_server_err(err, "cannot start a thread: %s", strerror(rc));
    *on = true;
    return 0;
}

int agent_start(const agent_opts_t *opts, agent_t **out, ecs_error_t *err)
{
    agent_t *a = calloc(1, sizeof *a);
    if (a == NULL)
        return ecs_server_err(err, "out of memory");
    a->opts = *opts;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    srand((unsigned)time(NULL) ^ (unsigned)(uintptr_t)a);
    char path[4200];
    if (agent_fs_mkdirs(opts->data_dir, 0700, err) < 0)
        goto fail;
    if (realpath(opts->data_dir, a->data_dir) == NULL) {
        ecs_server_err(err, "cannot resolve %.300s: %s", opts->data_dir, strerror(errno));
        goto fail;
    }
    a->opts.data_dir = a->data_dir;
    snprintf(path, sizeof path, "%s/agent-queue.log", a->data_dir);
    if (agent_queue_open(path, &a->queue, err) < 0)
        goto fail;
    a->docker = docker_new(opts->docker_host);
    a->client = agent_client_new(opts->endpoint, opts->region, opts->access_key, opts->secret_key);
    if (a->docker == NULL || a->client == NULL) {
        ecs_server_err(err, "cannot set up the %s client", a->docker ? "server" : "Docker");
        goto fail;
    }
    a->rt = agent_runtime_docker(a->docker);
    agent_engine_cfg_t ecfg = {.cluster = opts->cluster, .data_dir = a->data_dir,
                               .stop_timeout_s = opts->stop_timeout_s, .cleanup_delay_ms = opts->cleanup_delay_ms,
                               .awsvpc_subnet = opts->awsvpc_subnet,
                               .client = a->client, .env_files_dir = opts->env_files_dir,
                               .keep = keep_for_logs, .keep_arg = a, .region = opts->region};
    a->engine = agent_engine_new(a->rt, a->queue, &ecfg);
    if (a->engine == NULL) {
        ecs_server_err(err, "out of memory");
        goto fail;
    }
    if (opts->introspection[0] != '\0' && agent_introspect_start(a, opts->introspection, err) < 0)
        goto fail;
    ecs_error_t terr;
    if (agent_tmds_start(a, &terr) < 0) /* containers then run without it */
        log_error("%s", terr.message);
    agent_logs_cfg_t lcfg = {.cluster = opts->cluster, .data_dir = a->data_dir,
                             .endpoint = opts->logs_endpoint && opts->logs_endpoint[0] ? opts->logs_endpoint : opts->endpoint,
                             .region = opts->region, .access_key = opts->access_key,
                             .secret_key = opts->secret_key, .docker = a->docker};
    if ((a->logs = agent_logs_start(&lcfg, err)) == NULL)
        goto fail;
    if (start_thread(&a->sender_th, &a->sender_on, agent_sender_main, a, err) < 0 ||
        start_thread(&a->events_th, &a->events_on, agent_events_main, a, err) < 0 ||
        start_thread(&a->house_th, &a->house_on, agent_house_main, a, err) < 0 ||
        start_thread(&a->poll_th, &a->poll_on, agent_poll_main, a, err) < 0)
        goto fail;
    log_info("ecsd agent %s: cluster %s, server %s, Docker %s, data in %s", opts->version, opts->cluster,
             opts->endpoint, opts->docker_host, a->data_dir);
    *out = a;
    return 0;
fail:
    agent_stop(a);
    return -1;
}

void agent_stop(agent_t *a)
{
    if (a == NULL)
        return;
    pthread_mutex_lock(&a->lock);
    a->stopping = true;
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    __atomic_store_n(&a->events_stop, true, __ATOMIC_RELEASE); /* docker_events polls it */
    if (a->client != NULL)
        agent_client_cancel(a->client);
    if (a->queue != NULL)
        agent_queue_wake(a->queue);
    if (a->poll_on)
        pthread_join(a->poll_th, NULL);
    if (a->events_on)
        pthread_join(a->events_th, NULL);
    if (a->house_on)
        pthread_join(a->house_th, NULL);
    if (a->sender_on)
        pthread_join(a->sender_th, NULL);
    agent_introspect_stop(a);
    agent_tmds_stop(a);
    agent_logs_stop(a->logs);
    bool engine_idle = a->engine == NULL || agent_engine_close(a->engine, CLOSE_WAIT_MS) == 0;
    if (!engine_idle) {
        log_warn("agent: leaving without waiting longer for Docker");
        return; /* threads still use the engine: nothing may be freed */
    }
    agent_engine_free(a->engine);
    agent_client_free(a->client);
    docker_free(a->docker);
    agent_queue_close(a->queue);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
