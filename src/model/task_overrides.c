/* task_overrides.c - see task_overrides.h. The JSON types of every member
 * were checked against the model by the dispatcher (api/validate.c); what
 * is left are ECS's rules on the values and on what they refer to. */
#include "model/task_overrides.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/units.h"
#include "model/taskdef_validate.h"

#define EPHEMERAL_MIN_GIB 21
#define EPHEMERAL_MAX_GIB 200
#define GPU_MAX 64 /* far above any host's; a bound on a number the agent must refuse anyway */

/* The container-level members an override may give, in ECS's order. */
static const char *const container_members[] = {"command",           "environment", "environmentFiles", "cpu",
                                                 "memory",            "memoryReservation",
                                                 "resourceRequirements"};
/* What task_overrides_apply puts into the definition (command and
 * environment stay with the agent). */
static const char *const applied_members[] = {"environmentFiles", "cpu", "memory", "memoryReservation",
                                              "resourceRequirements"};
/* The task-level members shown as given. */
static const char *const task_members[] = {"cpu", "memory", "taskRoleArn", "executionRoleArn", "ephemeralStorage"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A member; absent and JSON null both give NULL. */
static json_t *member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

static const json_t *find_named(const json_t *list, const char *key, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        const char *n = json_string_value(json_object_get(c, key));
        if (n != NULL && strcmp(n, name) == 0)
            return c;
    }
    return NULL;
}

/* The integer an override gives for key, else the definition's; -1 when neither. */
static json_int_t effective_int(const json_t *ov, const json_t *def, const char *key)
{
    const json_t *v = member(ov, key);
    if (v == NULL)
        v = member(def, key);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

static int check_requirements(const json_t *list, size_t k, const json_t *taskdef, ecs_error_t *err)
{
    size_t i;
    json_t *r;
    json_array_foreach(list, i, r) {
        const char *type = json_string_value(json_object_get(r, "type"));
        const char *value = json_string_value(json_object_get(r, "value"));
        if (type == NULL || value == NULL) /* both required by the model */
            return ecs_invalid_param(err, "overrides.containerOverrides[%zu].resourceRequirements[%zu]: type and "
                                          "value are required.", k, i);
        if (strcmp(type, "GPU") == 0) {
            char *end;
            long n = strtol(value, &end, 10);
            if (*value == '\0' || *end != '\0' || n < 1 || n > GPU_MAX)
                return ecs_invalid_param(err, "overrides.containerOverrides[%zu].resourceRequirements[%zu]: the "
                                              "GPU value '%.20s' is not a number of GPUs.", k, i, value);
        } else if (find_named(json_object_get(taskdef, "inferenceAccelerators"), "deviceName", value) == NULL) {
            return ecs_invalid_param(err, "overrides.containerOverrides[%zu].resourceRequirements[%zu]: '%.255s' "
                                          "is not a deviceName of the task definition's inferenceAccelerators.",
                                     k, i, value);
        }
    }
    return 0;
}

static int check_container(const json_t *o, size_t k, const json_t *taskdef, ecs_error_t *err)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    const json_t *def = name ? find_named(json_object_get(taskdef, "containerDefinitions"), "name", name) : NULL;
    if (def == NULL)
        return ecs_invalid_param(err, "Override for container named %.255s is not a container in the "
                                      "TaskDefinition.", name ? name : "");
    const json_t *cpu = member(o, "cpu"), *mem = member(o, "memory"), *soft = member(o, "memoryReservation");
    if (cpu != NULL && (json_integer_value(cpu) < 0 || json_integer_value(cpu) > TASKDEF_MAX_CPU))
        return ecs_invalid_param(err, "overrides.containerOverrides[%zu].cpu: container %s: it must be from 0 to "
                                      "%d CPU units (got %" JSON_INTEGER_FORMAT ").",
                                 k, name, TASKDEF_MAX_CPU, json_integer_value(cpu));
    if (mem != NULL && (json_integer_value(mem) < TASKDEF_MIN_MEMORY || json_integer_value(mem) > INT32_MAX))
        return ecs_invalid_param(err, "overrides.containerOverrides[%zu].memory: container %s: it must be at least "
                                      "%d MiB, Docker's minimum (got %" JSON_INTEGER_FORMAT ").",
                                 k, name, TASKDEF_MIN_MEMORY, json_integer_value(mem));
    if (soft != NULL && (json_integer_value(soft) < 1 || json_integer_value(soft) > INT32_MAX))
        return ecs_invalid_param(err, "overrides.containerOverrides[%zu].memoryReservation: container %s: it must "
                                      "be a positive number of MiB (got %" JSON_INTEGER_FORMAT ").",
                                 k, name, json_integer_value(soft));
    json_int_t hard = effective_int(o, def, "memory"), reserve = effective_int(o, def, "memoryReservation");
    if ((mem != NULL || soft != NULL) && hard > 0 && reserve > hard)
        return ecs_invalid_param(err,
                                 "overrides.containerOverrides[%zu]: container %s: memoryReservation "
                                 "%" JSON_INTEGER_FORMAT " MiB must not be more than its memory "
                                 "%" JSON_INTEGER_FORMAT " MiB.",
                                 k, name, reserve, hard);
    return check_requirements(member(o, "resourceRequirements"), k, taskdef, err);
}

int task_overrides_check(const json_t *overrides, const json_t *taskdef, ecs_error_t *err)
{
    if (overrides == NULL)
        return 0;
    cleanup_free char *text = json_dumps(overrides, JSON_COMPACT);
    if (text != NULL && strlen(text) > TASK_OVERRIDES_MAX)
        return ecs_invalid_param(err, "Container Overrides length must be at most 8192");
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(overrides, "containerOverrides"), i, o)
        if (check_container(o, i, taskdef, err) < 0)
            return -1;
    int64_t n;
    const char *cpu = json_string_value(member(overrides, "cpu"));
    const char *mem = json_string_value(member(overrides, "memory"));
    if (cpu != NULL && units_task_cpu(cpu, &n) < 0)
        return ecs_invalid_param(err, "overrides.cpu: '%.64s' is not a number of CPU units or vCPUs (e.g. \"256\" "
                                      "or \"1 vCPU\").", cpu);
    if (mem != NULL && units_task_memory(mem, &n) < 0)
        return ecs_invalid_param(err, "overrides.memory: '%.64s' is not a number of MiB or GB (e.g. \"512\" or "
                                      "\"1 GB\").", mem);
    json_array_foreach(member(overrides, "inferenceAcceleratorOverrides"), i, o) {
        const char *dev = json_string_value(json_object_get(o, "deviceName"));
        if (dev == NULL || find_named(json_object_get(taskdef, "inferenceAccelerators"), "deviceName", dev) == NULL)
            return ecs_invalid_param(err, "overrides.inferenceAcceleratorOverrides[%zu]: deviceName '%.255s' is not "
                                          "an inference accelerator of the task definition.", i, dev ? dev : "");
    }
    const json_t *es = member(overrides, "ephemeralStorage");
    json_int_t gib = json_integer_value(json_object_get(es, "sizeInGiB"));
    if (es != NULL && (gib < EPHEMERAL_MIN_GIB || gib > EPHEMERAL_MAX_GIB))
        return ecs_invalid_param(err, "overrides.ephemeralStorage.sizeInGiB: it must be from %d to %d GiB (got %"
                                      JSON_INTEGER_FORMAT ").", EPHEMERAL_MIN_GIB, EPHEMERAL_MAX_GIB, gib);
    return 0;
}

json_t *task_overrides_view(const json_t *overrides, const json_t *taskdef)
{
    json_t *list = json_array();
    size_t i, j;
    json_t *c, *o;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *entry = json_pack("{s:s}", "name", name ? name : "");
        json_array_foreach(json_object_get(overrides, "containerOverrides"), j, o) {
            const char *on = json_string_value(json_object_get(o, "name"));
            if (on == NULL || name == NULL || strcmp(on, name) != 0)
                continue;
            for (size_t k = 0; k < COUNT(container_members); k++) {
                json_t *v = member(o, container_members[k]);
                if (v != NULL)
                    json_object_set_new(entry, container_members[k], json_deep_copy(v));
            }
        }
        json_array_append_new(list, entry);
    }
    json_t *view = json_pack("{s:o}", "containerOverrides", list);
    for (size_t k = 0; k < COUNT(task_members); k++) {
        json_t *v = member(overrides, task_members[k]);
        if (v != NULL)
            json_object_set_new(view, task_members[k], json_deep_copy(v));
    }
    json_t *acc = member(overrides, "inferenceAcceleratorOverrides");
    json_object_set_new(view, "inferenceAcceleratorOverrides", json_is_array(acc) ? json_deep_copy(acc) : json_array());
    return view;
}

/* A task-level size as a registered definition shows it: "1 vCPU" -> "1024". */
static void set_task_size(json_t *td, const char *key, const json_t *given, int (*parse)(const char *, int64_t *))
{
    int64_t n;
    const char *s = json_string_value(given);
    if (s == NULL || parse(s, &n) < 0)
        return; /* refused by task_overrides_check */
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)n);
    json_object_set_new(td, key, json_string(buf));
}

json_t *task_overrides_apply(const json_t *taskdef, const json_t *overrides)
{
    json_t *td = json_deep_copy(taskdef);
    if (td == NULL || overrides == NULL)
        return td;
    set_task_size(td, "cpu", member(overrides, "cpu"), units_task_cpu);
    set_task_size(td, "memory", member(overrides, "memory"), units_task_memory);
    static const char *const plain[] = {"taskRoleArn", "executionRoleArn", "ephemeralStorage"};
    for (size_t k = 0; k < COUNT(plain); k++) {
        json_t *v = member(overrides, plain[k]);
        if (v != NULL)
            json_object_set_new(td, plain[k], json_deep_copy(v));
    }
    size_t i;
    json_t *o;
    json_array_foreach(member(overrides, "inferenceAcceleratorOverrides"), i, o) {
        const char *dev = json_string_value(json_object_get(o, "deviceName"));
        json_t *accs = json_object_get(td, "inferenceAccelerators");
        json_t *acc = dev ? (json_t *)find_named(accs, "deviceName", dev) : NULL;
        json_t *type = member(o, "deviceType");
        if (acc != NULL && type != NULL)
            json_object_set_new(acc, "deviceType", json_deep_copy(type));
    }
    json_array_foreach(json_object_get(overrides, "containerOverrides"), i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        json_t *def = name ? (json_t *)find_named(json_object_get(td, "containerDefinitions"), "name", name) : NULL;
        if (def == NULL)
            continue;
        for (size_t k = 0; k < COUNT(applied_members); k++) {
            json_t *v = member(o, applied_members[k]);
            if (v != NULL)
                json_object_set_new(def, applied_members[k], json_deep_copy(v));
        }
    }
    return td;
}
