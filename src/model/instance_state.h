/* instance_state.h - UpdateContainerInstancesState's change of one
 * container instance (ecs-behavior.md §5.5): ACTIVE <-> DRAINING.
 *
 * A DRAINING instance gets no new tasks (placement and the capacity index
 * take ACTIVE instances only); its PENDING service tasks are stopped at
 * once; its RUNNING service tasks are replaced elsewhere by the service
 * scheduler within minimumHealthyPercent / maximumPercent
 * (sched/svc_drain.c); standalone tasks keep running. */
#ifndef ECSD_MODEL_INSTANCE_STATE_H
#define ECSD_MODEL_INSTANCE_STATE_H

#include "model/context.h"

#define INSTANCE_DRAIN_REASON "Container instance is draining; the service task was replaced elsewhere."

/* Sets the instance (id, of cluster, ACTIVE or DRAINING) to status and
 * re-reads it into rec (caller clears). Nothing changes when it has that
 * status already. */
int instance_set_state(model_ctx_t *ctx, const char *id, const char *status, store_record_t *rec, ecs_error_t *err);

#endif
