/* taskdef_modern.c - the members of today's task definition that the 2015
 * checks of taskdef_validate.c do not build themselves: task-level cpu and
 * memory, networkMode, compatibilities, and every other member the client
 * sent, kept as sent so that Describe* shows it back (model/taskdef_validate.h). */
#include "model/taskdef_validate.h"

#include <stdio.h>
#include <string.h>

#include "common/units.h"

/* Fargate's task sizes: for each cpu, memory from..to in steps (MiB). */
static const struct fargate_size {
    int64_t cpu, from, to, step;
} fargate_sizes[] = {
    {256, 512, 2048, 512},       {512, 1024, 4096, 1024},     {1024, 2048, 8192, 1024},
    {2048, 4096, 16384, 1024},   {4096, 8192, 30720, 1024},   {8192, 16384, 61440, 4096},
    {16384, 32768, 122880, 8192},
};

bool taskdef_fargate_size_valid(int64_t cpu, int64_t mem)
{
    for (size_t i = 0; i < sizeof fargate_sizes / sizeof fargate_sizes[0]; i++) {
        const struct fargate_size *f = &fargate_sizes[i];
        if (f->cpu == cpu)
            return mem >= f->from && mem <= f->to && (mem - f->from) % f->step == 0 &&
                   !(cpu == 256 && mem == 1536);
    }
    return false;
}

static bool has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    return false;
}

int taskdef_task_level(const json_t *in, json_t *body, bool *task_memory, ecs_error_t *err)
{
    const char *cpu_s = json_string_value(json_object_get(in, "cpu"));
    const char *mem_s = json_string_value(json_object_get(in, "memory"));
    const char *mode = json_string_value(json_object_get(in, "networkMode"));
    const json_t *requires = json_object_get(in, "requiresCompatibilities");
    int64_t cpu = 0, mem = 0;
    char buf[32];
    if (cpu_s != NULL && units_task_cpu(cpu_s, &cpu) < 0)
        return ecs_client_err(err, "Invalid 'cpu' setting for task. '%.64s' is not a number of CPU units or "
                                   "vCPUs (e.g. \"256\" or \"1 vCPU\").",
                              cpu_s);
    if (mem_s != NULL && units_task_memory(mem_s, &mem) < 0)
        return ecs_client_err(err, "Invalid 'memory' setting for task. '%.64s' is not a number of MiB or GB "
                                   "(e.g. \"512\" or \"1 GB\").",
                              mem_s);
    *task_memory = mem_s != NULL;
    /* ECS shows task sizes as plain numbers: "1 vCPU" reads back "1024". */
    if (cpu_s != NULL) {
        snprintf(buf, sizeof buf, "%lld", (long long)cpu);
        json_object_set_new(body, "cpu", json_string(buf));
    }
    if (mem_s != NULL) {
        snprintf(buf, sizeof buf, "%lld", (long long)mem);
        json_object_set_new(body, "memory", json_string(buf));
    }
    if (mode == NULL)
        mode = "bridge";
    json_object_set_new(body, "networkMode", json_string(mode));
    bool fargate_ok = strcmp(mode, "awsvpc") == 0 && cpu_s != NULL && mem_s != NULL &&
                      taskdef_fargate_size_valid(cpu, mem);
    if (has_string(requires, "FARGATE")) {
        if (strcmp(mode, "awsvpc") != 0)
            return ecs_client_err(err, "Fargate only supports network mode 'awsvpc'.");
        if (cpu_s == NULL || mem_s == NULL)
            return ecs_client_err(err, "Fargate requires that 'cpu' and 'memory' be defined at the task level.");
        if (!fargate_ok)
            return ecs_client_err(err, "No Fargate configuration exists for given values: %lld CPU, %lld memory. "
                                       "See the Amazon ECS documentation for the valid values.",
                                  (long long)cpu, (long long)mem);
    }
    json_t *compat = json_array();
    json_array_append_new(compat, json_string("EC2"));
    if (strcmp(mode, "awsvpc") != 0)
        json_array_append_new(compat, json_string("EXTERNAL"));
    if (fargate_ok)
        json_array_append_new(compat, json_string("FARGATE"));
    if (has_string(requires, "MANAGED_INSTANCES"))
        json_array_append_new(compat, json_string("MANAGED_INSTANCES"));
    json_object_set_new(body, "compatibilities", compat);
    return 0;
}

/* Copies into dst every member of src that dst does not have, recursing
 * into objects both have and into arrays of the same length (container
 * definitions, volumes, port mappings ...), so a member the checks did
 * not build is kept as the client sent it. */
static void keep_missing(json_t *dst, const json_t *src, int depth)
{
    if (depth > 16)
        return;
    if (json_is_object(dst) && json_is_object(src)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)src, k, v) {
            json_t *have = json_object_get(dst, k);
            if (have == NULL) {
                if (!json_is_null(v))
                    json_object_set_new(dst, k, json_deep_copy(v));
            } else {
                keep_missing(have, v, depth + 1);
            }
        }
    } else if (json_is_array(dst) && json_is_array(src) && json_array_size(dst) == json_array_size(src)) {
        for (size_t i = 0; i < json_array_size(dst); i++)
            keep_missing(json_array_get(dst, i), json_array_get(src, i), depth + 1);
    }
}

void taskdef_keep_members(const json_t *in, json_t *body)
{
    json_t *copy = json_deep_copy(in);
    if (copy == NULL)
        return;
    /* tags are answered beside the task definition (model/tags.h) */
    json_object_del(copy, "tags");
    keep_missing(body, copy, 0);
    json_decref(copy);
}
