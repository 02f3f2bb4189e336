/* op_task_protection.c - GetTaskProtection and UpdateTaskProtection
 * (model/task_protection.h): the scale-in protection of a service's
 * tasks; a standalone task is a TASK_NOT_VALID failure, an unknown one
 * MISSING, as ECS answers them. */
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "model/params.h"
#include "model/task.h"
#include "model/task_protection.h"

#define GET_MAX 100
#define UPDATE_MAX 10

/* Each task named by the request, loaded: fn(task) for the service tasks
 * of the cluster, failures for the others. */
static int each_task(model_ctx_t *ctx, const json_t *in, size_t max,
                     int (*fn)(model_ctx_t *ctx, store_record_t *task, const json_t *in, json_t *protected_tasks,
                               ecs_error_t *err),
                     json_t **out, ecs_error_t *err)
{
    const json_t *items = json_object_get(in, "tasks");
    size_t n = json_array_size(items);
    if (n > max)
        return ecs_invalid_param(err, "tasks can have at most %zu items.", max);
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0) {
        store_record_clear(&cluster);
        return -1;
    }
    cleanup_json json_t *done = json_array();
    cleanup_json json_t *failures = json_array();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char id[TASK_ID_MAX + 1];
        const char *item = json_string_value(json_array_get(items, i));
        if (task_id_from_param(ctx, "tasks", item, cluster.key, id, err) < 0) {
            rc = -1;
            break;
        }
        store_record_t task = {0};
        int found = store_get(ctx->txn, STORE_TASK, ctx->scope, id, &task, err);
        cleanup_free char *arn = arn_is_arn(item) ? strdup(item) : api_id_arn(ctx, "task", cluster.key, id);
        if (found < 0)
            rc = -1;
        else if (found == 0 || strcmp(task.cluster, cluster.key) != 0)
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
        else if (task.service == NULL)
            json_array_append_new(failures, json_pack("{s:s, s:s, s:s}", "arn", arn, "reason", "TASK_NOT_VALID",
                                                      "detail", "The task is not part of a service: only the tasks "
                                                                "of a service can be protected from scale-in."));
        else
            rc = fn(ctx, &task, in, done, err);
        store_record_clear(&task);
    }
    store_record_clear(&cluster);
    if (rc == 0)
        *out = json_pack("{s:O, s:O}", "protectedTasks", done, "failures", failures);
    return rc;
}

static int get_one(model_ctx_t *ctx, store_record_t *task, const json_t *in, json_t *done, ecs_error_t *err)
{
    (void)in, (void)err;
    json_array_append_new(done, task_protection_view(task->doc, ctx->now_ms));
    return 0;
}

int op_get_task_protection(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    return each_task(ctx, in, GET_MAX, get_one, out, err);
}

static int update_one(model_ctx_t *ctx, store_record_t *task, const json_t *in, json_t *done, ecs_error_t *err)
{
    bool on = json_is_true(json_object_get(in, "protectionEnabled"));
    long long minutes = param_int(in, "expiresInMinutes", TASK_PROTECT_DEFAULT_MIN);
    /* a stopped task keeps what it had: nothing can scale it in any more */
    if (strcmp(task->status, "STOPPED") != 0) {
        task_protect(task->doc, on ? ctx->now_ms + minutes * 60000 : 0);
        if (task_put(ctx, task, err) < 0)
            return -1;
    }
    json_array_append_new(done, task_protection_view(task->doc, ctx->now_ms));
    return 0;
}

int op_update_task_protection(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *enabled = json_object_get(in, "protectionEnabled");
    if (!json_is_boolean(enabled))
        return ecs_invalid_param(err, "protectionEnabled: true or false is required.");
    const json_t *minutes = json_object_get(in, "expiresInMinutes");
    if (minutes != NULL && !json_is_null(minutes) &&
        (json_integer_value(minutes) < 1 || json_integer_value(minutes) > TASK_PROTECT_MAX_MIN))
        return ecs_invalid_param(err, "expiresInMinutes must be between 1 and %d.", TASK_PROTECT_MAX_MIN);
    if (json_array_size(json_object_get(in, "tasks")) == 0)
        return ecs_invalid_param(err, "tasks: at least one task is required.");
    return each_task(ctx, in, UPDATE_MAX, update_one, out, err);
}
