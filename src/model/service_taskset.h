/* service_taskset.h - task sets of a service of the EXTERNAL deployment
 * controller (CreateTaskSet ... UpdateServicePrimaryTaskSet,
 * api/op_task_sets.c): each runs its own task definition at
 * computedDesiredCount = ceil(the service's desiredCount x scale / 100);
 * the scheduler (sched/svc_tasksets.c) starts and stops their tasks.
 *
 * Kept in the service document as the Service shape shows them,
 * "taskSets": [TaskSet without its counts], status PRIMARY | ACTIVE |
 * DRAINING (a DRAINING one leaves the list once its tasks stopped), its
 * "tags" (model/tags.h: shown when asked for), plus "_token" (its
 * clientToken). So task sets are written in the service's transaction and need no
 * record, table or migration of their own. Counts (runningCount,
 * pendingCount, computedDesiredCount) are counted when shown. Their tasks:
 * started_by = the task set's id ("ecs-svc/" + 19 digits), as a
 * deployment's. ARN: task-set/CLUSTER/SERVICE/ID. */
#ifndef ECSD_MODEL_SERVICE_TASKSET_H
#define ECSD_MODEL_SERVICE_TASKSET_H

#include <stdbool.h>

#include "model/context.h"

#define TASKSET_TOKEN_MAX 36

bool service_is_external(const json_t *doc);

/* computedDesiredCount of task set ts in service doc (0 for a DRAINING
 * one or a DRAINING service). */
int taskset_computed(const json_t *doc, const json_t *ts);

/* The task set named by id or ARN in doc (borrowed), NULL when none. */
json_t *taskset_find(const json_t *doc, const char *id_or_arn);

/* A new task set id of doc at now (no collision with its task sets). */
void taskset_new_id(const json_t *doc, int64_t now_ms, char out[32]);
/* Its ARN: the service ARN's prefix, task-set/CLUSTER/SERVICE/ID. */
json_t *taskset_arn(const json_t *doc, const char *id);

/* The TaskSet shape of ts (counts from the tasks; tags when with_tags).
 * NULL on error. */
json_t *taskset_view(const model_ctx_t *ctx, const store_record_t *svc, const json_t *ts, bool with_tags,
                     ecs_error_t *err);

/* Live tasks of task set id: running, pending (desired RUNNING) and the
 * ones asked to stop that have not yet. */
int taskset_counts(const model_ctx_t *ctx, const char *cluster, const char *service, const char *id, int *running,
                   int *pending, int *stopping, ecs_error_t *err);

/* For service_view: the service's taskSets with their counts, and the sum
 * of their running and pending counts. */
int taskset_fill_service(const model_ctx_t *ctx, const store_record_t *svc, json_t *view, int64_t *running,
                         int64_t *pending, ecs_error_t *err);

/* The task set ts became PRIMARY: the others ACTIVE, and the service
 * shows its task definition, launch type, network and load balancers. */
void taskset_make_primary(const model_ctx_t *ctx, json_t *doc, json_t *ts);

#endif
