/* op_task_queries.c - DescribeTasks and ListTasks (ecs-behavior.md §4.17,
 * §4.18). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/instance.h"
#include "api/ops.h"
#include "api/paging.h"
#include "model/params.h"
#include "model/task.h"
#include "common/arn.h"
#include "common/cleanup.h"

#define DESCRIBE_MAX 100

int op_describe_tasks(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "tasks");
    size_t n = json_array_size(items);
    if (n == 0)
        return ecs_invalid_param(err, "Tasks cannot be empty.");
    if (n > DESCRIBE_MAX)
        return ecs_invalid_param(err, "taskIds can have at most 100 items.");
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    cleanup_json json_t *tasks = json_array();
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
        if (found < 0) {
            rc = -1;
        } else if (found == 0 || strcmp(task.cluster, cluster.key) != 0) {
            /* an ARN is named as given (it may be of another cluster or region) */
            cleanup_free char *arn = arn_is_arn(item) ? strdup(item) : api_id_arn(ctx, "task", cluster.key, id);
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
        } else {
            json_array_append_new(tasks, task_view(&task));
        }
        store_record_clear(&task);
    }
    store_record_clear(&cluster);
    if (rc == 0)
        *out = json_pack("{s:O, s:O}", "tasks", tasks, "failures", failures);
    return rc;
}

/* The service a ListTasks serviceName names must exist (ECS answers
 * ServiceNotFoundException otherwise). */
static int check_service(const model_ctx_t *ctx, const char *cluster, const char *name, ecs_error_t *err)
{
    char key[2 * API_NAME_MAX + 2];
    snprintf(key, sizeof key, "%s/%s", cluster, name);
    store_record_t svc = {0};
    int found = store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &svc, err);
    store_record_clear(&svc);
    if (found < 0)
        return -1;
    return found ? 0 : ecs_err(err, 400, "ServiceNotFoundException", "Service not found.");
}

/* ListTasks launchType: the task's (tasks stored without one ran on EC2). */
static bool launched_as(const store_record_t *row, const void *arg)
{
    const char *lt = json_string_value(json_object_get(row->doc, "launchType"));
    return strcmp(lt ? lt : "EC2", (const char *)arg) == 0;
}

int op_list_tasks(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    const char *desired = param_str(in, "desiredStatus");
    const char *instance = param_str(in, "containerInstance");
    const char *service = param_str(in, "serviceName");
    char instance_id[INSTANCE_ID_MAX + 1];
    int rc = -1;
    if (instance != NULL &&
        instance_id_from_param(ctx, "containerInstance", instance, cluster.key, instance_id, err) < 0)
        goto done;
    if (service != NULL && check_service(ctx, cluster.key, service, err) < 0)
        goto done;
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster.key,
                       .desired = desired ? desired : "RUNNING", .family = param_str(in, "family"),
                       .started_by = param_str(in, "startedBy"), .service = service,
                       .instance = instance ? instance_id : NULL, .order = STORE_ORDER_KEY};
    const char *launch_type = param_str(in, "launchType");
    rc = launch_type == NULL ? api_page_list(ctx, in, &q, "taskArns", "task", out, err)
                             : api_page_list_where(ctx, in, &q, "taskArns", "task", launched_as, launch_type, out, err);
done:
    store_record_clear(&cluster);
    return rc;
}
