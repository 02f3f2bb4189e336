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
 *     "Essential container in task exited");
 *   - a container takes no step before what it links to, takes volumes
 *     from or dependsOn allows it (agent_order.c); a dependency that can
 *     no longer be met, or not within the dependency's startTimeout,
 *     stops it with the reason;
 *   - a container with a healthCheck has a health (UNKNOWN until Docker
 *     says HEALTHY or UNHEALTHY); the server hears it with the container's
 *     reports (healthStatus) beside the task's (taskHealthStatus: HEALTHY
 *     only when every essential container with a health check is);
 *   - a container whose restartPolicy says so is started again after an
 *     exit instead of stopping (nothing is reported).
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

typedef enum agent_health {
    AGENT_HEALTH_NONE = 0, /* no health check */
    AGENT_HEALTH_UNKNOWN,  /* checked, no verdict yet */
    AGENT_HEALTH_HEALTHY,
    AGENT_HEALTH_UNHEALTHY,
} agent_health_t;

/* HEALTHY, UNHEALTHY or UNKNOWN (also for NONE). */
const char *agent_health_name(agent_health_t h);
/* From Docker's State.Health.Status ("starting", "healthy", "unhealthy"). */
agent_health_t agent_health_from_docker(const char *status);

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
    agent_health_t health, health_sent;
    int64_t started_ms;         /* when it was first started (0: never) */
    int64_t restarted_ms;       /* when the agent last started it again (0: never) */
    int restarts;
    bool restart_due;           /* it exited and its restart policy starts it again */
    char endpoint_id[40];       /* its id in the task metadata endpoint's paths (agent_metadata.h) */
    json_t *inspect;            /* Docker's last inspect of it (for the metadata endpoint), or NULL */
    char *arn;                  /* its containerArn from the poll, or NULL */
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
    bool prepared;              /* its cgroup and Docker volumes are made */
    char cgroup_parent[128];    /* HostConfig.CgroupParent of its containers, "" for none */
    json_t *injected;           /* secrets and env files by container (agent_secrets.h); NULL: none; never logged */
    agent_health_t health_sent; /* the task's health as last told */
    int64_t stopped_ms;         /* when its last container stopped */
    /* networkMode awsvpc (agent_awsvpc.h) */
    bool awsvpc;
    bool net_released;          /* its pause container is removed */
    char eni_id[40];            /* its ENI attachment's id from the poll, "" for none */
    char ip[64];                /* its address, "" until known */
    int64_t pull_started_ms, pull_stopped_ms; /* its first pull's start, its last pull's end (0: none) */
    /* The task metadata endpoint's (agent_metadata.h): the credentials
     * id of its task role ("" without one), the credentials of its roles
     * the last poll brought, and what the poll said of the task
     * (launchType, availabilityZone, tags, ...). */
    char creds_id[40];
    json_t *role_creds, *exec_creds, *info;
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
/* The task cannot run: no containers, stopping with this reason (whole,
 * "<Error>: detail"). */
void agent_task_fail(agent_task_t *t, const char *reason);

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
/* The container's health changed (Docker's verdict): reported when the
 * container is RUNNING and it differs from what the server was told. */
void agent_task_container_health(agent_task_t *t, size_t i, agent_health_t h, const agent_sink_t *s);
/* The task's health: HEALTHY when every essential container with a health
 * check is HEALTHY, UNHEALTHY when one is UNHEALTHY, else UNKNOWN (also
 * when none has a check). */
agent_health_t agent_task_health(const agent_task_t *t);

typedef enum agent_action {
    AGENT_ACT_NONE = 0, /* nothing to do now */
    AGENT_ACT_PREPARE,  /* make the task's cgroup and Docker volumes (before its first container step) */
    AGENT_ACT_PULL,     /* pull the image (unless present) */
    AGENT_ACT_CREATE,
    AGENT_ACT_START,
    AGENT_ACT_RESTART,  /* start an exited container again (restart policy) */
    AGENT_ACT_DEPFAIL,  /* its dependency cannot be met: STOPPED with the reason, no Docker call */
    AGENT_ACT_STOP,     /* docker stop a started container */
    AGENT_ACT_ABANDON,  /* never started: STOPPED without a Docker call */
    AGENT_ACT_RELEASE,  /* awsvpc: every container stopped, remove the pause container */
} agent_action_t;

/* The next step for the task at now_ms (dependency timeouts), and on which
 * container (*i). Stopping, a container that others dependsOn waits until
 * they are stopped. */
agent_action_t agent_task_next(const agent_task_t *t, int64_t now_ms, size_t *i);

/* ---- agent_order.c: dependencies and the restart policy ---- */

typedef enum agent_dep {
    AGENT_DEP_MET = 0,
    AGENT_DEP_WAIT,   /* not yet */
    AGENT_DEP_FAILED, /* never: reason says why */
} agent_dep_t;

/* Whether container i may take its next start step: the containers it
 * links to or takes volumes from are started, and each dependsOn
 * condition holds (START: started; COMPLETE: exited; SUCCESS: exited 0;
 * HEALTHY: healthy). FAILED when one can no longer hold (it stopped, exited
 * non-zero, or not within the dependency's startTimeout), with reason
 * "CannotStartContainerError: ..." (reason may be NULL). */
agent_dep_t agent_order_ready(const agent_task_t *t, size_t i, int64_t now_ms, char *reason, size_t size);
/* Whether container i may be stopped: no container that dependsOn it is
 * still to stop. */
bool agent_order_may_stop(const agent_task_t *t, size_t i);
/* The restart policy: whether container i, which exited (exit_code, NULL
 * when unknown), is to be started again: enabled, the task not stopping,
 * the code not ignored, and it ran restartAttemptPeriod (default 300 s)
 * since its last (re)start. */
bool agent_order_should_restart(const agent_task_t *t, size_t i, const int *exit_code, int64_t now_ms);

/* The introspection view: {"Arn","DesiredStatus","KnownStatus","Family",
 * "Version","Containers":[{"DockerId","DockerName","Name"}]}. */
json_t *agent_task_view(const agent_task_t *t);

#endif
