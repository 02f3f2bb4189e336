/* task_overrides.h - a RunTask/StartTask's `overrides` (TaskOverride):
 * checked against the task definition as ECS checks them, shown in the
 * task as ECS shows them, and applied to the definition to give the
 * task's effective definition: what placement reserves for it and what
 * the agent runs (the poll hands the agent that definition: op_poll.c).
 *
 * Pure: no store. */
#ifndef ECSD_MODEL_TASK_OVERRIDES_H
#define ECSD_MODEL_TASK_OVERRIDES_H

#include <jansson.h>

#include "common/error.h"

#define TASK_OVERRIDES_MAX 8192 /* characters of the overrides' JSON (ECS's limit) */

/* Checks overrides (NULL: none) against taskdef: the size limit, every
 * containerOverrides entry naming a container of the definition, cpu,
 * memory and memoryReservation in range (and the reservation not above
 * the memory the container ends up with), resourceRequirements,
 * task-level cpu/memory in the forms of a task definition,
 * inferenceAcceleratorOverrides naming accelerators of the definition,
 * ephemeralStorage 21..200 GiB. InvalidParameterException naming the
 * member. */
int task_overrides_check(const json_t *overrides, const json_t *taskdef, ecs_error_t *err);

/* The task's `overrides` as ECS shows them: containerOverrides with one
 * entry per container of the definition (its name, plus every member an
 * override gave it), inferenceAcceleratorOverrides ([] by default), and
 * cpu, memory, taskRoleArn, executionRoleArn, ephemeralStorage as given.
 * New reference. */
json_t *task_overrides_view(const json_t *overrides, const json_t *taskdef);

/* The effective definition of a task of taskdef with overrides (either
 * the request's or the view above): a copy of taskdef where the task-level
 * cpu and memory (as numbers in strings, like a registered definition),
 * taskRoleArn, executionRoleArn, ephemeralStorage, the inference
 * accelerators' deviceType, and each container's cpu, memory,
 * memoryReservation, resourceRequirements and environmentFiles are the
 * overrides' where they give one. command and environment are left to the
 * agent, which applies them from the task's overrides (agent_map.c).
 * New reference. */
json_t *task_overrides_apply(const json_t *taskdef, const json_t *overrides);

#endif
