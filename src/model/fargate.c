/* fargate.c - see fargate.h. */
#include "model/fargate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arn.h"
#include "common/units.h"
#include "model/attributes.h"
#include "model/taskdef_validate.h"

#define DETAIL_VALUE_MAX 255

static bool is_str(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static bool non_empty(const json_t *v) { return json_is_array(v) && json_array_size(v) > 0; }

int fargate_check_run(const json_t *in, const json_t *effective, ecs_error_t *err)
{
    if (non_empty(json_object_get(in, "placementConstraints")))
        return ecs_invalid_param(err, "Placement constraints are not supported with FARGATE launch type.");
    if (non_empty(json_object_get(in, "placementStrategy")))
        return ecs_invalid_param(err, "Placement strategies are not supported with FARGATE launch type.");
    const json_t *cpu_v = json_object_get(effective, "cpu"), *mem_v = json_object_get(effective, "memory");
    int64_t cpu = 0, mem = 0;
    if (!json_is_string(cpu_v) || !json_is_string(mem_v))
        return ecs_invalid_param(err, "Fargate requires that 'cpu' and 'memory' be defined at the task level.");
    if (units_task_cpu(json_string_value(cpu_v), &cpu) < 0 || units_task_memory(json_string_value(mem_v), &mem) < 0 ||
        !taskdef_fargate_size_valid(cpu, mem))
        /* overrides may change a valid definition's sizes into invalid ones */
        return ecs_invalid_param(err, "No Fargate configuration exists for given values: %.20s CPU, %.20s memory. "
                                      "See the Amazon ECS documentation for the valid values.",
                                 json_string_value(cpu_v), json_string_value(mem_v));
    return 0;
}

int fargate_check_service(const json_t *doc, const json_t *taskdef, ecs_error_t *err)
{
    if (!is_str(json_object_get(doc, "launchType"), "FARGATE"))
        return 0;
    bool compatible = false;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(taskdef, "compatibilities"), i, c) compatible |= is_str(c, "FARGATE");
    if (!compatible)
        return ecs_invalid_param(err, "Task definition does not support launch_type FARGATE.");
    if (non_empty(json_object_get(doc, "placementConstraints")))
        return ecs_invalid_param(err, "Placement constraints are not supported with FARGATE launch type.");
    if (non_empty(json_object_get(doc, "placementStrategy")))
        return ecs_invalid_param(err, "Placement strategies are not supported with FARGATE launch type.");
    return 0;
}

json_t *fargate_task_requires(const json_t *taskdef, const char *launch_type)
{
    json_t *out = attr_task_requires(taskdef);
    if (launch_type != NULL && strcmp(launch_type, "FARGATE") == 0)
        json_array_append_new(out, json_pack("{s:s}", "name", FARGATE_ATTR));
    else
        json_array_append_new(out, json_pack("{s:s, s:b}", "name", FARGATE_ONLY_ATTR, "absent", 1));
    return out;
}

/* The attachment id of a task: its id as a UUID (8-4-4-4-12). */
static void attachment_id(const char *task_id, char out[40])
{
    if (strlen(task_id) != 32) { /* the short format's id is a UUID already */
        snprintf(out, 40, "%s", task_id);
        return;
    }
    snprintf(out, 40, "%.8s-%.4s-%.4s-%.4s-%.12s", task_id, task_id + 8, task_id + 12, task_id + 16, task_id + 20);
}

void fargate_task_build(json_t *doc, const char *task_id, const json_t *effective, const char *launch_type,
                        const char *platform_version, const json_t *network)
{
    bool fargate = launch_type != NULL && strcmp(launch_type, "FARGATE") == 0;
    if (is_str(json_object_get(effective, "networkMode"), "awsvpc")) {
        char id[40];
        attachment_id(task_id, id);
        const json_t *subnets = json_object_get(json_object_get(network, "awsvpcConfiguration"), "subnets");
        json_t *details = json_array();
        const char *subnet = json_string_value(json_array_get(subnets, 0));
        if (subnet != NULL)
            json_array_append_new(details, json_pack("{s:s, s:s}", "name", "subnetId", "value", subnet));
        json_object_set_new(doc, "attachments",
                            json_pack("[{s:s, s:s, s:s, s:o}]", "id", id, "type", ENI_TYPE, "status", "PRECREATED",
                                      "details", details));
    }
    if (!fargate)
        return;
    json_object_set_new(doc, "platformVersion",
                        json_string(platform_version != NULL && strcmp(platform_version, "LATEST") != 0
                                        ? platform_version
                                        : FARGATE_PLATFORM_VERSION));
    json_object_set_new(doc, "platformFamily", json_string("Linux"));
    json_int_t gib = json_integer_value(json_object_get(json_object_get(effective, "ephemeralStorage"), "sizeInGiB"));
    if (gib <= 0)
        gib = FARGATE_EPHEMERAL_DEFAULT;
    json_object_set_new(doc, "ephemeralStorage", json_pack("{s:I}", "sizeInGiB", gib));
    json_object_set_new(doc, "fargateEphemeralStorage", json_pack("{s:I}", "sizeInGiB", gib));
}

static json_t *eni_of(const json_t *doc)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(doc, "attachments"), i, a) if (is_str(json_object_get(a, "type"), ENI_TYPE))
        return a;
    return NULL;
}

bool fargate_task_has_eni(const json_t *doc) { return eni_of(doc) != NULL; }

int fargate_attachment_task_ids(const char *arn, char dashed[40], char plain[40])
{
    const char *id = arn;
    if (arn_is_arn(arn)) {
        const char *p = strstr(arn, ":attachment/");
        if (p == NULL)
            return -1;
        id = p + strlen(":attachment/");
    }
    size_t len = strlen(id);
    if (len != 36 || strspn(id, "0123456789abcdefABCDEF-") != len)
        return -1;
    snprintf(dashed, 40, "%s", id);
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (id[i] != '-')
            plain[k++] = id[i];
    plain[k] = '\0';
    return 0;
}

static int status_rank(const char *s)
{
    static const char *const order[] = {"PRECREATED", "CREATED", "ATTACHING", "ATTACHED", "DETACHING", "DETACHED",
                                        "DELETED"};
    for (size_t i = 0; s != NULL && i < sizeof order / sizeof order[0]; i++)
        if (strcmp(order[i], s) == 0)
            return (int)i;
    return -1;
}

/* The address members the agent reports; anything else is ignored. */
static bool detail_known(const char *name)
{
    static const char *const names[] = {"networkInterfaceId", "macAddress", "privateIPv4Address", "privateDnsName"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

static void set_detail(json_t *details, const char *name, const char *value)
{
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d) if (is_str(json_object_get(d, "name"), name))
    {
        json_object_set_new(d, "value", json_stringn(value, strnlen(value, DETAIL_VALUE_MAX)));
        return;
    }
    json_array_append_new(details, json_pack("{s:s, s:s%}", "name", name, "value", value,
                                             strnlen(value, DETAIL_VALUE_MAX)));
}

static const char *detail_of(const json_t *details, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach(details, i, d) if (is_str(json_object_get(d, "name"), name)) return json_string_value(
        json_object_get(d, "value"));
    return NULL;
}

bool fargate_apply_attachment(json_t *doc, const json_t *change)
{
    json_t *eni = eni_of(doc);
    const char *arn = json_string_value(json_object_get(change, "attachmentArn"));
    const char *status = json_string_value(json_object_get(change, "status"));
    char dashed[40], plain[40];
    if (eni == NULL || arn == NULL || fargate_attachment_task_ids(arn, dashed, plain) < 0 ||
        !is_str(json_object_get(eni, "id"), dashed))
        return false;
    int to = status_rank(status), was = status_rank(json_string_value(json_object_get(eni, "status")));
    if (to <= was)
        return false; /* late or repeated */
    /* ATTACHED needs its address: a report without one changes nothing */
    json_t *details = json_object_get(eni, "details");
    if (strcmp(status, "ATTACHED") == 0) {
        size_t i;
        json_t *d;
        const char *ip = NULL;
        json_array_foreach(json_object_get(change, "details"), i, d)
        {
            const char *n = json_string_value(json_object_get(d, "name"));
            const char *v = json_string_value(json_object_get(d, "value"));
            if (n != NULL && v != NULL && detail_known(n)) {
                set_detail(details, n, v);
                if (strcmp(n, "privateIPv4Address") == 0)
                    ip = v;
            }
        }
        if (ip == NULL)
            ip = detail_of(details, "privateIPv4Address");
        if (ip == NULL)
            return false;
        json_array_foreach(json_object_get(doc, "containers"), i, d)
            json_object_set_new(d, "networkInterfaces",
                                json_pack("[{s:s, s:s%}]", "attachmentId", dashed, "privateIpv4Address", ip,
                                          strnlen(ip, DETAIL_VALUE_MAX)));
    }
    json_object_set_new(eni, "status", json_string(status));
    return true;
}

void fargate_task_stopped(json_t *doc)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(doc, "attachments"), i, a) json_object_set_new(a, "status",
                                                                                      json_string("DELETED"));
}
