/* svc_rollout.h - a deployment's rollout as ECS reports it (ecs-behavior.md
 * §7.8): failedTasks, rolloutState IN_PROGRESS -> COMPLETED when the
 * service is steady, or FAILED when the deployment circuit breaker trips
 * (sched_plan.h: plan_rollout), then, with rollback, a new deployment of
 * the task definition of the last deployment that COMPLETED; with ECS's
 * rolloutStateReason texts and service events. The decisions are
 * sched_plan.c's; this file writes them into the service document, in
 * the reconciler's transaction (sched/svc_reconcile.c).
 *
 * The last COMPLETED deployment is remembered in the document's
 * "_ecsd": {"good": {"id", "taskDefinition"}}. */
#ifndef ECSD_SCHED_SVC_ROLLOUT_H
#define ECSD_SCHED_SVC_ROLLOUT_H

#include <stdbool.h>

#include "model/context.h"

/* A task of deployment started_by stopped without anyone asking (it failed
 * to start, or its essential container exited): one more failedTasks for
 * that deployment while its rollout is IN_PROGRESS. */
void rollout_count_failure(const model_ctx_t *ctx, json_t *doc, const char *started_by);

/* Before planning: trips the circuit breaker of the PRIMARY deployment
 * when its failedTasks reached the threshold; with rollback, inserts the
 * new PRIMARY deployment that rolls back. True when the deployments
 * changed (the caller counts them again). */
bool rollout_check_breaker(const model_ctx_t *ctx, json_t *doc, const char *name);

/* After planning: the PRIMARY's rollout COMPLETED when the service is
 * steady. True when it did now. */
bool rollout_check_complete(const model_ctx_t *ctx, json_t *doc, const char *name, bool steady);

/* A FAILED PRIMARY deployment launches no new tasks. */
bool rollout_primary_failed(const json_t *doc);

#endif
