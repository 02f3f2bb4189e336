/* svc_reconcile.h - one reconciliation of one service: load it and its
 * tasks, plan (sched/sched_plan.h), carry the plan out, write down what
 * happened (deployments, events, the launch throttle).
 *
 * It looks in a read transaction first and takes a write transaction only
 * when there is something to do, so reconciling a service that is fine
 * costs no write lock and writes nothing ("running it twice changes
 * nothing"). Placement goes through task_place_random, the same
 * transactional placement as RunTask; the write transaction is checked
 * against the scheduler's lease before it commits. */
#ifndef ECSD_SCHED_SVC_RECONCILE_H
#define ECSD_SCHED_SVC_RECONCILE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/context.h"
#include "sched/sched_lease.h"

typedef struct svc_outcome {
    bool gone;          /* no such service any more, or INACTIVE: nothing to watch */
    bool steady;        /* nothing to do until something changes */
    int64_t due_ms;     /* when to look again at the latest (0: next tick) */
    int64_t version;    /* the service record's store version after this pass (0: unknown) */
    bool wrote;         /* the service record was written */
    int started, stopped;
} svc_outcome_t;

/* Reconciles the service with this store key in this scope
 * ("ACCOUNT:REGION", model/context.h): its tasks get the ARNs of that
 * account and region. A scope of before regions (a bare account) is read
 * as being in the default region. */
int svc_reconcile(const model_service_t *svc, const sched_lease_t *lease, const char *scope, const char *key,
                  int64_t now_ms, svc_outcome_t *out, ecs_error_t *err);

/* How long a service whose tasks could not be placed waits before trying
 * again (a registered instance or a stopped task rings it sooner). */
#define SVC_PLACE_RETRY_MS 5000

#endif
