/* service_health.h - tasks of a service whose essential container turned
 * UNHEALTHY (the agent's healthStatus / taskHealthStatus reports,
 * api/op_agent.c, stored by task_put): noted in the service document, "_ecsd": {"sick": [task
 * ids]}, so that the scheduler (sched/svc_health.c) looks at those tasks
 * only, never at every task of a service on every pass. Noting a task
 * stores the service (its num moves: the scheduler notices) and rings the
 * scheduler. */
#ifndef ECSD_MODEL_SERVICE_HEALTH_H
#define ECSD_MODEL_SERVICE_HEALTH_H

#include "model/context.h"

/* task (just stored by task_put): noted when it is a service's, UNHEALTHY
 * and still meant to run (once: a task already noted writes nothing). */
int service_note_health(model_ctx_t *ctx, const store_record_t *task, ecs_error_t *err);

#endif
