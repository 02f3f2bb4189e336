/* task_placement.h - starting tasks on instances, in the caller's
 * transaction: RunTask's random placement (also the service scheduler's)
 * and StartTask's placement on named instances (ecs-behavior.md §6.3).
 *
 * Choosing an instance and reserving its resources happen in the one
 * write transaction of the operation, which the store serialises, so two
 * placements can never over-commit an instance. */
#ifndef ECSD_MODEL_TASK_PLACEMENT_H
#define ECSD_MODEL_TASK_PLACEMENT_H

#include <stdbool.h>

#include "model/task.h"

#define TASK_PLACE_MAX 10 /* tasks (or named instances) per call */

/* Places up to count (1..10) tasks of spec at random among the instances
 * of spec->cluster that fit. Each placed task is stored and its Task view
 * appended to tasks; each one that does not fit appends a Failure (arn of
 * the closest instance, reason). *no_instances tells that the cluster has
 * no ACTIVE instance at all (nothing is appended then). */
int task_place_random(model_ctx_t *ctx, const task_spec_t *spec, int count, json_t *tasks, json_t *failures,
                      bool *no_instances, ecs_error_t *err);

/* Places one task of spec on each instance named in `instances` (ids or
 * ARNs, at most 10); per-instance failures MISSING, INACTIVE, AGENT or
 * RESOURCE:*. */
int task_place_on(model_ctx_t *ctx, const task_spec_t *spec, const json_t *instances, json_t *tasks,
                  json_t *failures, ecs_error_t *err);

#endif
