/* svc_tasksets.h - the scheduler's pass over a service of the EXTERNAL
 * deployment controller (model/service_taskset.h): each task set is kept
 * at its computedDesiredCount (tasks started through the same
 * transactional placement as RunTask, the extra ones stopped, pending
 * first, then the oldest), a DRAINING task set's tasks are stopped and it
 * leaves the service once they have, its stabilityStatus follows
 * (STEADY_STATE when runningCount = computedDesiredCount with nothing
 * pending or stopping, else STABILIZING), a DRAINING service turns
 * INACTIVE once no task is left. Called by sched/svc_reconcile.c in its
 * transaction, read-only first (write false: only whether there is work). */
#ifndef ECSD_SCHED_SVC_TASKSETS_H
#define ECSD_SCHED_SVC_TASKSETS_H

#include <stdbool.h>

#include "model/context.h"
#include "sched/svc_reconcile.h"

int tasksets_reconcile(model_ctx_t *ctx, store_record_t *rec, const char *name, bool write, svc_outcome_t *out,
                       bool *act, ecs_error_t *err);

#endif
