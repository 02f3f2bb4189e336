/* svc_drain.h - a service's tasks on DRAINING container instances
 * (ecs-behavior.md §5.5): the reconciler counts them apart from their
 * deployment, as the oldest deployment, so that the plan replaces them as
 * it replaces an old deployment's: new tasks first within maximumPercent,
 * then the drained ones stopped within minimumHealthyPercent. */
#ifndef ECSD_SCHED_SVC_DRAIN_H
#define ECSD_SCHED_SVC_DRAIN_H

#include "model/context.h"
#include "sched/sched_plan.h"

typedef struct drain_set {
    char **ids; /* the cluster's DRAINING instances */
    size_t n;
} drain_set_t;

/* The DRAINING instances of cluster (none: one cheap query). */
int drain_load(model_ctx_t *ctx, const char *cluster, drain_set_t *d, ecs_error_t *err);
void drain_clear(drain_set_t *d);
bool drain_has(const drain_set_t *d, const char *instance_id);

/* Moves the service's tasks (desiredStatus RUNNING) on d's instances from
 * their deployment's running / pending counts (pd[0..n_dep-1], deployment
 * ids in deps) to pd[n_dep]. */
int drain_recount(model_ctx_t *ctx, const drain_set_t *d, const char *cluster, const char *service,
                  const json_t *deps, int n_dep, plan_deploy_t *pd, ecs_error_t *err);

#endif
