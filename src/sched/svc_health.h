/* svc_health.h - replacing a service's tasks that failed their container
 * health checks (ECS: a task whose essential container is UNHEALTHY is
 * stopped and replaced once the service's healthCheckGracePeriodSeconds
 * since it started are over, and counts as a failed task for the
 * deployment circuit breaker). Reads the tasks model/service_health.h
 * noted; in the reconciler's transaction (sched/svc_reconcile.c). */
#ifndef ECSD_SCHED_SVC_HEALTH_H
#define ECSD_SCHED_SVC_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/context.h"

/* Looks at the noted tasks of the service doc (cluster, name): the ones
 * that no longer run or are no longer UNHEALTHY are forgotten; the ones
 * past their grace period are asked to stop (write: for real, with
 * stoppedReason "Task failed container health checks" and ECS's event;
 * read: only the document changes, so the caller sees there is work), and
 * counted as failed; *due_ms is lowered to the end of the earliest grace
 * period still running (left alone when none). */
int health_check(model_ctx_t *ctx, json_t *doc, const char *cluster, const char *name, bool write, int64_t *due_ms,
                 ecs_error_t *err);

/* ECS counts a task whose essential container has a healthCheck as healthy
 * only once it is HEALTHY: *n = the RUNNING tasks of the PRIMARY
 * deployment, while its rollout is IN_PROGRESS and its task definition
 * checks health, that are not HEALTHY yet. The rollout does not complete
 * while there are any (sched/svc_rollout.c), so an UNHEALTHY verdict
 * that comes after RUNNING still counts for the circuit breaker;
 * health_check() has the service looked at again meanwhile. */
int health_unproven(model_ctx_t *ctx, const json_t *doc, const char *cluster, const char *name, int *n,
                    ecs_error_t *err);

#endif
