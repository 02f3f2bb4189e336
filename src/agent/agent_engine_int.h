/* agent_engine_int.h - the engine's insides, shared by agent_engine.c
 * (poll answers, events, sweep, cleanup), agent_worker.c (the Docker
 * steps) and agent_adopt.c (restart). Not for other modules. */
#ifndef ECSD_AGENT_ENGINE_INT_H
#define ECSD_AGENT_ENGINE_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "agent/agent_engine.h"
#include "agent/agent_metadata.h"
#include "agent/agent_task.h"

struct agent_engine {
    pthread_mutex_t lock;  /* guards everything below but rt, queue and the config */
    pthread_cond_t idle;   /* signalled when threads goes down */
    agent_task_t *tasks;
    int threads;           /* live worker and stopper threads */
    bool closing;
    bool applied;          /* the first poll answer was applied */
    json_t *found;         /* scan result until the first apply: {arn: {name: info}} */
    agent_sink_t sink;     /* pushes reports into the queue */
    /* set at creation, then read-only */
    agent_runtime_t rt;
    agent_queue_t *queue;
    char *cluster, *data_dir, *cgroup_root;
    char awsvpc_subnet[64];
    struct agent_client *client; /* borrowed: secrets at task start (agent_secrets.h) */
    char *env_files_dir;         /* "" for none */
    char region[64];
    agent_caps_t caps;     /* guarded by lock (set once Docker answers) */
    int stop_timeout_s;
    int64_t cleanup_delay_ms;
    /* the task metadata endpoint's (agent_engine_set_tmds; guarded by lock) */
    agent_tmds_cfg_t tmds;    /* its strings point at the three below */
    char *tmds_url, *tmds_region, *tmds_az;
    bool (*keep)(void *arg, const char *docker_id);
    void *keep_arg;
};

/* Lock held: starts a worker for t when it has Docker work and none runs. */
void agent_engine_kick(agent_engine_t *e, agent_task_t *t);
/* Lock held: the container stopped; starts stopping the task's others when
 * it was essential. */
void agent_engine_stopped(agent_engine_t *e, agent_task_t *t, size_t i, const int *exit_code, const char *reason,
                          bool failed);
/* The exit of an inspected, not running container: exit code, and the
 * OutOfMemoryError reason when Docker killed it for memory. */
void agent_engine_exit_of(const json_t *inspect, int *exit_code, bool *has_exit, const char **reason);

/* agent_prepare.c: lock held (released meanwhile): makes the task's cgroup
 * and Docker volumes; on failure the task stops with the reason. */
void agent_prepare_task(agent_engine_t *e, agent_task_t *t);

/* agent_adopt.c: lock held, first apply: takes over t's containers found
 * in Docker (found_for_task may be NULL). */
void agent_adopt_task(agent_engine_t *e, agent_task_t *t, const json_t *found_for_task);
/* Lock held, first apply: tasks for the found containers of tasks not in
 * the answer, to be stopped without reports. */
void agent_adopt_orphans(agent_engine_t *e, const json_t *tasks);
/* No lock: lists and inspects the cluster's containers. */
json_t *agent_adopt_scan(const agent_runtime_t *rt, const char *cluster, ecs_error_t *err);

#endif
