/* agent_task.h - one task as the agent runs it: its containers' known
 * statuses, what the server has been told, and the pure rules that move
 * them (ecs-behavior.md §8.6-8.8). No I/O here: a transition hands the
 * state changes to report to a sink, and agent_task_next says which
 * Docker step comes next; agent_engine.c does the calls.
 *
 * Rules:
 *   - a container's known status only moves forward: NONE -> PULLED ->
 *     CREATED -> RUNNING -> STOPPED (a container may stop from any of them);
 *   - the server hears of containers RUNNING (with networkBindings) and
 *     STOPPED (exitCode, reason), each at most once, and of the task
 *     RUNNING when every container is at least RUNNING and it is not being
 *     stopped, STOPPED when every container is STOPPED, after them;
 *   - an essential container that stops makes the task stop: the others
 *     are stopped. When it stopped because a step failed, that reason
 *     ("CannotPullContainerError: ...") goes with the task's STOPPED;
 *     after a plain exit no reason is sent (the server then says
 *     "Essential container in task exited").
 *
 * Threads: not locked here; the engine's mutex guards every task.
 */
#ifndef ECSD_AGENT_TASK_H
#define ECSD_AGENT_TASK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent_map.h"
#include "agent/docker.h"
#include "common/error.h"

typedef enum agent_cstatus {
    AGENT_NONE = 0,
    AGENT_PULLED,
    AGENT_CREATED,
    AGENT_RUNNING,
    AGENT_STOPPED,
} agent_cstatus_t;

/* The ECS name of a status: PENDING before RUNNING. */
const char *agent_status_name(agent_cstatus_t s);

typedef struct agent_container {
    char *name;
    const json_t *def;          /* its definition (in the task's taskdef), NULL when adopted without one */
    char docker_name[AGENT_DOCKER_NAME_MAX];
    char docker_id[DOCKER_ID_MAX + 1]; /* "" until created */
    agent_cstatus_t known;
    agent_cstatus_t sent;       /* AGENT_NONE, _RUNNING or _STOPPED: what the server was told */
    bool essential;
    bool busy;                  /* a stop of it is in flight */
    bool has_exit_code;
    int exit_code;
    char *reason;               /* "<Error>: detail", NULL for none */
    json_t *bindings;           /* networkBindings once RUNNING */
} agent_container_t;

typedef struct agent_task {
    char *arn;
    char id[64];                /* the ARN's last part */
    char *family;
    long long revision;
    json_t *taskdef, *overrides;
    agent_container_t *c;
    size_t n;
    size_t *order;              /* start order (agent_map_start_order) */
    bool desired_stopped;       /* the server's wish, or the agent's own after an essential stop */
    bool silent;                /* found in Docker, unknown to the server: stopped without reports */
    bool running_sent, stopped_sent;
    char *stop_reason;          /* sent with the task's STOPPED; NULL for none */
    bool worker;                /* a worker thread is on it */
    bool in_poll;               /* listed in the last poll answer */
    bool cleaned;               /* its containers and folders are removed */
    int64_t stopped_ms;         /* when its last container stopped */
    struct agent_task *next;
} agent_task_t;

/* Where transitions send state changes: op is "SubmitContainerStateChange"
 * or "SubmitTaskStateChange", body the request (the sink takes it). */
typedef struct agent_sink {
    void (*fn)(void *arg, const char *op, json_t *body);
    void *arg;
    const char *cluster;
} agent_sink_t;

/* A task from a poll answer's entry (taskArn, taskDefinition, overrides,
 * containers[].lastStatus, desiredStatus). A task it cannot run (no task
 * definition, a link cycle) comes back with no containers, stopping, with
 * the reason in stop_reason. NULL only when out of memory. */
agent_task_t *agent_task_from_poll(const json_t *entry);
/* A task known only from its containers in Docker (after a restart):
 * names and ids, no definitions; silent and stopping. */
agent_task_t *agent_task_orphan(const char *arn, size_t n, const char *const *names);
void agent_task_free(agent_task_t *t);

/* Index of the container named name, or -1. */
int agent_task_find(const agent_task_t *t, const char *name);
/* The container with this Docker id (full or a prefix of 12+), or NULL. */
agent_container_t *agent_task_by_docker_id(agent_task_t *t, const char *id);

/* The container is running (bindings taken). */
void agent_task_container_running(agent_task_t *t, size_t i, json_t *bindings, const agent_sink_t *s);
/* The container stopped: exit_code may be NULL, reason may be NULL;
 * failed says a step (pull, create, start) failed. Returns true when this
 * made the task start stopping (its other containers need stopping). */
bool agent_task_container_stopped(agent_task_t *t, size_t i, const int *exit_code, const char *reason, bool failed,
                                  const agent_sink_t *s);
/* Sends the task's RUNNING or STOPPED when it is due. */
void agent_task_check(agent_task_t *t, const agent_sink_t *s);
/* Desired status STOPPED (from the server, or the agent's own). */
void agent_task_desire_stop(agent_task_t *t);

typedef enum agent_action {
    AGENT_ACT_NONE = 0, /* nothing to do now */
    AGENT_ACT_PULL,     /* pull the image (unless present) */
    AGENT_ACT_CREATE,
    AGENT_ACT_START,
    AGENT_ACT_STOP,     /* docker stop a started container */
    AGENT_ACT_ABANDON,  /* never started: STOPPED without a Docker call */
} agent_action_t;

/* The next step for the task, and on which container (*i). */
agent_action_t agent_task_next(const agent_task_t *t, size_t *i);

/* The introspection view: {"Arn","DesiredStatus","KnownStatus","Family",
 * "Version","Containers":[{"DockerId","DockerName","Name"}]}. */
json_t *agent_task_view(const agent_task_t *t);

#endif
