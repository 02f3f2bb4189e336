#include "model/task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/fargate.h"
#include "model/instance.h"
#include "model/service_health.h"
#include "model/params.h"
#include "model/tags.h"
#include "model/task_overrides.h"
#include "model/settings.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/ids.h"

int task_id_from_param(const model_ctx_t *ctx, const char *field, const char *value, const char *cluster,
                       char id[TASK_ID_MAX + 1], ecs_error_t *err)
{
    (void)ctx, (void)cluster; /* ids are looked up in ctx's scope and cluster by the caller */
    const char *p = value;
    size_t len = strlen(value);
    if (arn_is_arn(value)) {
        arn_parts_t a;
        if (arn_parse(value, &a) < 0 || !arn_part_eq(a.type, a.type_len, "task"))
            return ecs_invalid_param(err, "%s: '%.300s' is not a task ARN.", field, value);
        /* An ARN of another account or region is not refused: its id is
         * looked up in the caller's account, where it is not found. */
        p = a.path;
        len = a.path_len;
        const char *slash = memchr(p, '/', len);
        if (slash != NULL) { /* long form: task/<cluster>/<id> */
            /* Its cluster is not compared here: the caller compares the
             * record's, and another cluster's task is not found there. */
            len -= (size_t)(slash - p) + 1;
            p = slash + 1;
        }
    }
    if (len == 0 || len > TASK_ID_MAX || strspn(p, "0123456789abcdefABCDEF-") < len)
        return ecs_invalid_param(err, "%s: '%.300s' is not a task id or ARN.", field, value);
    memcpy(id, p, len);
    id[len] = '\0';
    return 0;
}

json_t *task_view(const store_record_t *rec)
{
    json_t *v = json_copy(rec->doc);
    json_object_del(v, "_ecsd");
    tags_hide(v, TAGS_HIDDEN_EMPTY); /* shown where asked for: tags_show */
    /* ECS's defaults on tasks stored by an older ecsd */
    if (json_object_get(v, "enableExecuteCommand") == NULL)
        json_object_set_new(v, "enableExecuteCommand", json_false());
    json_t *ov = json_object_get(v, "overrides");
    if (json_is_object(ov) && json_object_get(ov, "inferenceAcceleratorOverrides") == NULL) {
        ov = json_copy(ov); /* the copy above shares it with the record */
        json_object_set_new(ov, "inferenceAcceleratorOverrides", json_array());
        json_object_set_new(v, "overrides", ov);
    }
    return v;
}

int task_status_rank(const char *status)
{
    if (status == NULL)
        return -1;
    if (strcmp(status, "PENDING") == 0)
        return 0;
    if (strcmp(status, "RUNNING") == 0)
        return 1;
    if (strcmp(status, "STOPPED") == 0)
        return 2;
    return -1;
}

/* A container's cpu, memory and memoryReservation as ECS shows them in a
 * task: strings, cpu "0" when the definition gives none. */
static void show_container_sizes(json_t *container, const json_t *def)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(json_object_get(def, "cpu")));
    json_object_set_new(container, "cpu", json_string(buf));
    static const char *const sizes[] = {"memory", "memoryReservation"};
    for (size_t k = 0; k < 2; k++) {
        json_int_t v = json_integer_value(json_object_get(def, sizes[k]));
        if (v > 0) {
            snprintf(buf, sizeof buf, "%lld", (long long)v);
            json_object_set_new(container, sizes[k], json_string(buf));
        }
    }
}

/* The task-level cpu or memory of the effective definition, as a string. */
static void show_task_size(json_t *doc, const json_t *effective, const char *key)
{
    const json_t *v = json_object_get(effective, key);
    char buf[32];
    if (json_is_integer(v) && json_integer_value(v) > 0) { /* documents of an older ecsd */
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        json_object_set_new(doc, key, json_string(buf));
    } else if (json_is_string(v) && json_string_length(v) > 0) {
        json_object_set_new(doc, key, json_string(json_string_value(v)));
    }
}

/* What the request gave that the Task shape does not show. */
static json_t *hidden_members(const task_spec_t *spec)
{
    json_t *h = json_pack("{s:o}", "need", res_to_json(&spec->need));
    if (spec->network != NULL)
        json_object_set_new(h, "networkConfiguration", json_deep_copy(spec->network));
    if (spec->reference_id != NULL)
        json_object_set_new(h, "referenceId", json_string(spec->reference_id));
    if (spec->strategy != NULL)
        json_object_set_new(h, "capacityProviderStrategy", json_deep_copy(spec->strategy));
    return h;
}

void task_build(const model_ctx_t *ctx, const task_spec_t *spec, const store_record_t *instance, store_record_t *out)
{
    const char *cluster = spec->cluster, *started_by = spec->started_by;
    const json_t *taskdef = spec->taskdef, *overrides = spec->overrides;
    /* The long format (the default): a 32-hex-digit id, the cluster in the
     * task's and its containers' ARNs; the short one: UUIDs, no cluster. */
    bool long_arn = settings_long_arn(ctx, SETTINGS_ARN_TASK);
    char id[IDS_UUID_LEN + 1];
    if (long_arn)
        ids_hex32(id);
    else
        ids_uuid4(id);
    cleanup_free char *task_arn = api_id_arn(ctx, "task", cluster, id);
    cleanup_free char *cluster_arn = api_arn(ctx, "cluster", cluster);
    const char *family = json_string_value(json_object_get(taskdef, "family"));
    const json_t *effective = spec->effective ? spec->effective : taskdef;
    char group[API_NAME_MAX + 9];
    if (spec->group != NULL)
        snprintf(group, sizeof group, "%s", spec->group);
    else
        snprintf(group, sizeof group, "%s:%s", spec->service ? "service" : "family",
                 spec->service ? spec->service : family);
    json_t *containers = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(effective, "containerDefinitions"), i, c) {
        char cid[IDS_UUID_LEN + 1], path[API_NAME_MAX + IDS_HEX32_LEN + IDS_UUID_LEN + 3];
        ids_uuid4(cid); /* a container's own id stays a UUID in both formats */
        if (long_arn)
            snprintf(path, sizeof path, "%s/%s/%s", cluster, id, cid);
        else
            snprintf(path, sizeof path, "%s", cid);
        cleanup_free char *container_arn = api_arn(ctx, "container", path);
        json_t *container = json_pack("{s:s, s:s, s:O, s:s, s:O}", "containerArn", container_arn, "taskArn",
                                      task_arn, "name", json_object_get(c, "name"), "lastStatus", "PENDING",
                                      "image", json_object_get(c, "image"));
        show_container_sizes(container, c);
        json_array_append_new(containers, container);
    }
    json_t *doc = json_pack(
        "{s:s, s:s, s:O, s:O, s:o, s:s, s:s, s:o, s:o, s:s, s:s, s:b, s:i, s:o}", "taskArn", task_arn,
        "clusterArn", cluster_arn, "taskDefinitionArn", json_object_get(taskdef, "taskDefinitionArn"),
        "containerInstanceArn", json_object_get(instance->doc, "containerInstanceArn"), "overrides",
        task_overrides_view(overrides, taskdef), "lastStatus", "PENDING", "desiredStatus", "RUNNING",
        "containers", containers, "createdAt", json_timestamp(ctx->now_ms), "group", group, "launchType",
        spec->launch_type ? spec->launch_type : "EC2", "enableExecuteCommand", spec->execute_command, "version", 1,
        "_ecsd", hidden_members(spec));
    show_task_size(doc, effective, "cpu");
    show_task_size(doc, effective, "memory");
    fargate_task_build(doc, id, effective, spec->launch_type, spec->platform_version, spec->network);
    if (started_by != NULL)
        json_object_set_new(doc, "startedBy", json_string(started_by));
    if (spec->capacity_provider != NULL) /* the provider a strategy gave it (model/capacity_provider.h) */
        json_object_set_new(doc, "capacityProviderName", json_string(spec->capacity_provider));
    tags_put(doc, spec->tags ? json_deep_copy(spec->tags) : NULL);
    /* health as ECS shows it before the agent has a verdict (op_agent.c) */
    json_object_set_new(doc, "healthStatus", json_string("UNKNOWN"));
    json_array_foreach(containers, i, c)
        json_object_set_new(c, "healthStatus", json_string("UNKNOWN"));
    *out = (store_record_t){
        .key = strdup(id), .cluster = strdup(cluster), .status = strdup("PENDING"), .desired = strdup("RUNNING"),
        .family = strdup(family), .num = ctx->now_ms, .started_by = started_by ? strdup(started_by) : NULL,
        .service = spec->service ? strdup(spec->service) : NULL, .instance = strdup(instance->key), .doc = doc};
}

int task_put(model_ctx_t *ctx, const store_record_t *task, ecs_error_t *err)
{
    if (store_put(ctx->txn, STORE_TASK, ctx->scope, task, err) < 0)
        return -1;
    /* a service's task reported UNHEALTHY: its service notes it for the scheduler */
    return service_note_health(ctx, task, err);
}

static void set_str(char **field, const char *v)
{
    free(*field);
    *field = strdup(v);
}

static void bump_version(store_record_t *task)
{
    json_t *v = json_object_get(task->doc, "version");
    json_object_set_new(task->doc, "version", json_integer(json_integer_value(v) + 1));
}

void task_set_stop_code(store_record_t *task, const char *code)
{
    if (json_object_get(task->doc, "stopCode") == NULL)
        json_object_set_new(task->doc, "stopCode", json_string(code));
}

int task_request_stop(model_ctx_t *ctx, store_record_t *task, const char *stop_code, const char *reason,
                      ecs_error_t *err)
{
    if (strcmp(task->desired, "STOPPED") == 0)
        return 0;
    task_set_stop_code(task, stop_code);
    set_str(&task->desired, "STOPPED");
    json_object_set_new(task->doc, "desiredStatus", json_string("STOPPED"));
    if (json_object_get(task->doc, "stoppedReason") == NULL)
        json_object_set_new(task->doc, "stoppedReason", json_string(reason));
    json_object_set_new(task->doc, "stoppingAt", json_timestamp(ctx->now_ms));
    bump_version(task);
    if (task_put(ctx, task, err) < 0)
        return -1;
    if (task->instance != NULL) { /* the agent learns it at its next poll */
        store_record_t inst = {0};
        int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, task->instance, &inst, err);
        if (found < 0)
            return -1;
        if (found) {
            instance_touch(ctx, &inst);
            int rc = instance_put(ctx, &inst, err);
            store_record_clear(&inst);
            return rc;
        }
    }
    return 0;
}

int task_mark_stopped(model_ctx_t *ctx, store_record_t *task, const char *reason, ecs_error_t *err)
{
    if (strcmp(task->status, "STOPPED") == 0)
        return 0;
    set_str(&task->status, "STOPPED");
    set_str(&task->desired, "STOPPED");
    task->num = ctx->now_ms;
    json_object_set_new(task->doc, "lastStatus", json_string("STOPPED"));
    json_object_set_new(task->doc, "desiredStatus", json_string("STOPPED"));
    json_object_set_new(task->doc, "stoppedAt", json_timestamp(ctx->now_ms));
    json_object_set_new(task->doc, "executionStoppedAt", json_timestamp(ctx->now_ms));
    fargate_task_stopped(task->doc);
    task_set_stop_code(task, json_object_get(task->doc, "startedAt") != NULL ? TASK_STOP_ESSENTIAL_EXITED
                                                                           : TASK_STOP_FAILED_TO_START);
    if (json_object_get(task->doc, "stoppedReason") == NULL)
        json_object_set_new(task->doc, "stoppedReason", json_string(reason));
    bump_version(task);
    if (task_put(ctx, task, err) < 0)
        return -1;
    ctx->fx.sched_wake = true; /* a service may need a replacement */
    if (task->instance == NULL)
        return 0;
    store_record_t inst = {0};
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, task->instance, &inst, err);
    if (found <= 0)
        return found;
    res_t avail, need;
    instance_get_avail(&inst, &avail);
    res_from_json(json_object_get(json_object_get(task->doc, "_ecsd"), "need"), &need);
    res_release(&avail, &need);
    instance_set_avail(&inst, &avail);
    instance_groups_add(&inst, json_string_value(json_object_get(task->doc, "group")), -1);
    instance_touch(ctx, &inst);
    int rc = instance_put(ctx, &inst, err);
    store_record_clear(&inst);
    return rc;
}
