/* task_place_cp.h - placing the tasks of a capacity provider strategy of
 * Auto Scaling group providers (model/capacity_provider.h): RunTask's
 * count, or a service's new tasks, split over the providers by base then
 * weight as ECS splits them (a service's split counts the tasks its
 * deployment already runs on each), each provider's share placed on the
 * instances that carry its name (task_place_random with
 * task_spec_t.capacity_provider). */
#ifndef ECSD_MODEL_TASK_PLACE_CP_H
#define ECSD_MODEL_TASK_PLACE_CP_H

#include <stdbool.h>

#include "model/task.h"

/* As task_place_random (count 1..10), for spec->strategy (a checked
 * strategy of the cluster's providers, none of them Fargate's; mixing them
 * is refused with InvalidParameterException). */
int task_place_strategy(model_ctx_t *ctx, const task_spec_t *spec, int count, json_t *tasks, json_t *failures,
                        bool *no_instances, ecs_error_t *err);

#endif
