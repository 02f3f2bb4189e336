/* task.h - tasks as stored and as shown, and their lifecycle
 * (ecs-behavior.md §3.4, §5.1, §5.3).
 *
 * Record: key = task id (UUID), cluster, status = lastStatus, desired =
 * desiredStatus, family, num = createdAt (epoch ms) until the task stops,
 * then stoppedAt (so the janitor finds old stopped tasks in order),
 * started_by, service, instance = container instance id.
 * Document: the Task shape plus "_ecsd": {"need": res (what the task holds
 * on its instance until it stops), and the request members the Task shape
 * has no place for: "networkConfiguration", "referenceId",
 * "capacityProviderStrategy"}. */
#ifndef ECSD_MODEL_TASK_H
#define ECSD_MODEL_TASK_H

#include "model/context.h"
#include "model/resources.h"

#define TASK_ID_MAX 64

/* Extracts the task id from an id (32 hex digits or a UUID) or a task ARN
 * of either format (task/ID, task/CLUSTER/ID). The caller looks the id up
 * in its scope and compares the record's cluster with `cluster`: a task
 * of another cluster, region or account is not found. */
int task_id_from_param(const model_ctx_t *ctx, const char *field, const char *value, const char *cluster,
                       char id[TASK_ID_MAX + 1], ecs_error_t *err);

/* The Task shape: the document less "_ecsd". */
json_t *task_view(const store_record_t *rec);

/* What to start: the same for RunTask, StartTask and the service scheduler. */
typedef struct task_spec {
    const char *cluster;     /* cluster name */
    const json_t *taskdef;   /* the TaskDefinition document (ACTIVE when checked by the caller) */
    const json_t *overrides; /* TaskOverride or NULL */
    const char *started_by;  /* or NULL */
    const char *service;     /* service name of a service's task, or NULL */
    const json_t *tags;      /* the task's tags (model/tags.h), or NULL */
    res_t need;              /* res_task_need(effective, or taskdef when effective is NULL) */
    /* RunTask/StartTask's members (model/task_launch.h); zero: ECS's defaults */
    const json_t *effective; /* taskdef with overrides applied (task_overrides_apply), or NULL */
    const char *group;       /* or NULL: family:FAMILY, or service:NAME for a service's task */
    const char *launch_type; /* or NULL: EC2 */
    const char *reference_id;
    const json_t *network;   /* networkConfiguration, or NULL */
    const char *platform_version; /* FARGATE's platformVersion, or NULL (LATEST) */
    const json_t *strategy;  /* the capacity provider strategy the task came by, or NULL */
    const char *capacity_provider; /* the Auto Scaling group provider of the strategy the task goes to (its
                                    * instances carry CP_ATTR = it: model/capacity_provider.h), or NULL */
    bool execute_command;    /* enableExecuteCommand */
    /* the call's placementConstraints / placementStrategy (or a service's),
     * NULL for none; the task definition's constraints apply as well */
    const json_t *constraints, *strategies;
} task_spec_t;

/* A new PENDING task of spec on instance. out is filled (caller clears
 * it); the task is not stored yet. */
void task_build(const model_ctx_t *ctx, const task_spec_t *spec, const store_record_t *instance, store_record_t *out);

/* Stores the task; a service's task meant to run whose healthStatus is
 * UNHEALTHY is noted in its service for the scheduler too
 * (model/service_health.h: the agent's health reports land here). */
int task_put(model_ctx_t *ctx, const store_record_t *task, ecs_error_t *err);

/* ECS's Task.stopCode values ecsd gives (TerminationNotice: model/instance_lost.h). */
#define TASK_STOP_USER "UserInitiated"
#define TASK_STOP_SCHEDULER "ServiceSchedulerInitiated"
#define TASK_STOP_ESSENTIAL_EXITED "EssentialContainerExited"
#define TASK_STOP_FAILED_TO_START "TaskFailedToStart"

/* Sets the task's stopCode unless one was set before: the first cause of a
 * stop is the one ECS shows, as with stoppedReason. */
void task_set_stop_code(store_record_t *task, const char *code);

/* desiredStatus -> STOPPED with stop_code and reason (each kept if one was
 * set before); the agent is told at its next poll. Stored. */
int task_request_stop(model_ctx_t *ctx, store_record_t *task, const char *stop_code, const char *reason,
                      ecs_error_t *err);
/* lastStatus -> STOPPED: stoppedAt, reason, resources back to the instance.
 * A task stopped without a stopCode (its agent reported it stopped on its
 * own) gets EssentialContainerExited if it had started, TaskFailedToStart
 * if not. Stored. Does nothing to a task already STOPPED. */
int task_mark_stopped(model_ctx_t *ctx, store_record_t *task, const char *reason, ecs_error_t *err);

/* Status order: PENDING < RUNNING < STOPPED; -1 for anything else. */
int task_status_rank(const char *status);

#endif
