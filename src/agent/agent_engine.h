/* agent_engine.h - the task engine: turns the server's desired state into
 * Docker containers and their fate into reports.
 *
 * The poll thread hands over every poll answer (agent_engine_apply); a
 * worker thread per task that has Docker work pulls, creates and starts its
 * containers in link / volumesFrom order, or stops them (one short thread
 * per docker stop, so containers stop together); the events thread reports
 * exits (agent_engine_on_event); the housekeeping thread catches exits the
 * event stream missed (agent_engine_sweep) and removes stopped containers
 * after the cleanup delay (agent_engine_cleanup). Every report goes into
 * the on-disk queue while the engine's mutex is held, so a task's reports
 * are queued in the order they happened.
 *
 * Restart: agent_engine_scan, before the first poll answer, lists the
 * containers of the cluster in Docker; the first answer then adopts them
 * (the same Docker ids keep running; a created one is started; exits that
 * happened meanwhile are reported) and stops those of tasks the server no
 * longer wants.
 *
 * Threads: one mutex guards the task list and every task in it, `closing`
 * and the thread count. Docker and queue writes other than the report
 * pushes happen with the mutex released.
 */
#ifndef ECSD_AGENT_ENGINE_H
#define ECSD_AGENT_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/agent_caps.h"
#include "agent/agent_queue.h"
#include "agent/agent_runtime.h"
#include "common/error.h"

typedef struct agent_engine agent_engine_t;

typedef struct agent_engine_cfg {
    const char *cluster;
    const char *data_dir;     /* agent-managed volumes go to <data_dir>/volumes/<task id>/<volume> */
    int stop_timeout_s;       /* a container's own stopTimeout wins */
    int64_t cleanup_delay_ms;
    const char *cgroup_root;  /* where the tasks' cgroups go; NULL: /sys/fs/cgroup */
    const char *awsvpc_subnet; /* the awsvpc network's subnet (agent_awsvpc.h); NULL: its default */
    struct agent_client *client; /* fetches tasks' secrets (agent_secrets.h); borrowed, NULL: none */
    const char *env_files_dir;   /* environmentFiles' folder; NULL or "": none */
    /* Whether a stopped container must stay a while longer (its awslogs
     * output is still being shipped): its removal waits, at most
     * AGENT_KEEP_MAX_MS past the cleanup delay. NULL: never. */
    bool (*keep)(void *arg, const char *docker_id);
    void *keep_arg;
    const char *region;        /* the agent's region (awsvpc's privateDnsName); NULL: us-east-1 */
} agent_engine_cfg_t;

#define AGENT_KEEP_MAX_MS (10 * 60 * 1000)

/* The engine keeps rt and queue (both stay the caller's) and a copy of cfg's strings. */
agent_engine_t *agent_engine_new(agent_runtime_t rt, agent_queue_t *queue, const agent_engine_cfg_t *cfg);
/* Lists and inspects the cluster's containers in Docker, for the first
 * apply to adopt. */
int agent_engine_scan(agent_engine_t *e, ecs_error_t *err);
/* What the host's engine can do (before the first apply): the tasks it
 * cannot run fail at once, and the task cgroups follow its cgroup version. */
void agent_engine_set_caps(agent_engine_t *e, const agent_caps_t *caps);
/* A poll answer's "tasks". */
void agent_engine_apply(agent_engine_t *e, const json_t *tasks);
/* A Docker event (docker_event_fn): "die" reports the exit (or restarts the
 * container, as its restartPolicy says), "health_status: ..." its health. */
void agent_engine_on_event(void *engine, const json_t *event);
/* Every second: lets tasks waiting on a dependency see their timeouts. */
void agent_engine_tick(agent_engine_t *e);
/* Inspects the containers believed running; reports those that are not,
 * and health verdicts the event stream did not bring. */
void agent_engine_sweep(agent_engine_t *e);
/* Removes the containers of tasks stopped more than the cleanup delay ago
 * and forgets tasks the server no longer lists. */
void agent_engine_cleanup(agent_engine_t *e, int64_t now_ms);
/* {"Tasks": [agent_task_view...]} */
json_t *agent_engine_tasks_json(agent_engine_t *e);
/* How many tasks are known (for logs and tests). */
size_t agent_engine_count(agent_engine_t *e);
/* Stops starting new work and waits up to timeout_ms for the Docker calls
 * in flight. Returns 0, or -1 when some are still running (then the
 * engine must not be freed). */
int agent_engine_close(agent_engine_t *e, int timeout_ms);
void agent_engine_free(agent_engine_t *e);

#endif
