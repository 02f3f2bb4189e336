/* taskdef_validate.h - validation and normalisation of a
 * RegisterTaskDefinition request (2015-05 API surface). A pure function:
 * no store, no HTTP.
 */
#ifndef ECSD_MODEL_TASKDEF_VALIDATE_H
#define ECSD_MODEL_TASKDEF_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* Limits (docs/ecs-behavior.md Appendix B). */
#define TASKDEF_MAX_CONTAINERS 10
#define TASKDEF_MAX_SIZE 65536      /* bytes of the compact serialised request */
#define TASKDEF_MAX_NAME 255        /* family, container and volume names */
#define TASKDEF_MAX_IMAGE 255
#define TASKDEF_MAX_PATH 4096       /* host sourcePath, mount containerPath */
#define TASKDEF_MIN_MEMORY 4        /* MiB, Docker's minimum */
#define TASKDEF_MAX_CPU 10240

/* Validates a RegisterTaskDefinition request `in` (members family,
 * containerDefinitions, volumes; anything else is ignored) and builds the
 * normalised task definition body as ECS echoes it:
 *   {"family", "containerDefinitions": [...], "volumes": [...]}
 * (the caller adds taskDefinitionArn, revision, status). Defaults are filled
 * in (cpu 0, essential true, protocol "tcp", readOnly false, empty lists),
 * members the 2015 API does not define are dropped. The result shares no
 * node with `in`.
 * Returns 0 with *out owned by the caller, or -1 with err filled (out
 * untouched): ClientException (400) for any invalid request,
 * ServerException (500) only if memory runs out. */
int taskdef_normalize(const json_t *in, json_t **out, ecs_error_t *err);

/* taskdef_modern.c: task-level cpu/memory (shown as numbers), networkMode
 * (bridge by default), Fargate's requirements when requiresCompatibilities
 * has FARGATE, and compatibilities, set on body; *task_memory tells that
 * the task has a memory size (containers then need none of their own). */
int taskdef_task_level(const json_t *in, json_t *body, bool *task_memory, ecs_error_t *err);
/* Every member of the request that body lacks (but tags), as sent. */
void taskdef_keep_members(const json_t *in, json_t *body);

/* taskdef_check.c: today's members (healthCheck, dependsOn, start/stop
 * timeouts, port mapping names, ranges and network-mode rules, volume
 * configurations, ulimits, linuxParameters, memoryReservation,
 * ephemeralStorage) checked as ECS checks them: 0, or -1 with a
 * ClientException naming the member. Called by taskdef_normalize after
 * the 2015 checks. */
int taskdef_check_modern(const json_t *in, ecs_error_t *err);

/* Whether task-level cpu units and memory MiB are one of Fargate's task
 * sizes. */
bool taskdef_fargate_size_valid(int64_t cpu, int64_t mem);

/* taskdef_requires.c: the requiresAttributes ECS computes for the
 * normalised task definition td (capabilities its members need of an
 * instance, each {"name": ...} once). New list, NULL without memory. */
json_t *taskdef_requires_attributes(const json_t *td);

#endif
