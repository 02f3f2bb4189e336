/* attributes.h - container-instance attributes (ecs-behavior.md §8.3):
 * what an agent registers (ecs.os-type, ecs.capability.*, ...), how they
 * are kept on the instance document ("attributes": [{name, value?}]), and
 * what a task definition requires of an instance for placement (failure
 * reason ATTRIBUTE). */
#ifndef ECSD_MODEL_ATTRIBUTES_H
#define ECSD_MODEL_ATTRIBUTES_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define ATTR_MAX 256 /* per instance */
#define ATTR_NAME_MAX 128
#define ATTR_VALUE_MAX 128
#define ATTR_CUSTOM_MAX 10 /* custom attributes per instance (ECS's limit) */
#define ATTR_CALL_MAX 10   /* attributes per PutAttributes / DeleteAttributes */

/* The attribute placement finds missing for networkMode awsvpc. */
#define ATTR_TASK_ENI "ecs.capability.task-eni"

/* Checks a list of Attribute as ECS does: name 1-128 letters, digits,
 * hyphens, underscores, slashes, back slashes, periods; value up to 128 of
 * those, '@', ':' and spaces (not at either end); targetType
 * container-instance. -1 with InvalidParameterException naming field. */
int attr_check_list(const json_t *list, const char *field, ecs_error_t *err);

/* The instance's attributes after a registration with `registered`: those
 * (name and value only), plus the custom ones set before (names outside
 * ecs.* and com.amazonaws.ecs.*) that it does not name. New list. */
json_t *attr_after_register(const json_t *old, const json_t *registered);

/* What a task definition requires of an instance: its requiresAttributes,
 * plus ATTR_TASK_ENI for networkMode awsvpc. New list (maybe empty). */
json_t *attr_task_requires(const json_t *taskdef);

/* The first of required (Attribute list) that have (the instance's list)
 * lacks: same name, and same value when the requirement has one; an entry
 * with "absent": true (model/fargate.h) counts as missing when have HAS
 * that name. NULL when none is missing. */
const json_t *attr_first_missing(const json_t *have, const json_t *required);

/* Failure.detail for a missing attribute: names networkMode awsvpc for
 * ATTR_TASK_ENI. Caller frees. */
char *attr_missing_detail(const json_t *missing);

/* Names the agent owns (ecs.*, com.amazonaws.ecs.*): set only by
 * registration, never by PutAttributes / DeleteAttributes. */
bool attr_agent_owned(const char *name);

/* Sets (adds or replaces) the custom attribute a ({name, value?}) on an
 * instance's list. -1 with AttributeLimitExceededException when the
 * instance would have more than ATTR_CUSTOM_MAX custom attributes. */
int attr_put_custom(json_t *list, const json_t *a, ecs_error_t *err);

/* Removes the attribute named name from the list; false when it had none. */
bool attr_delete(json_t *list, const char *name);

#endif
