/* op_tasks.c - RunTask, StartTask, StopTask (ecs-behavior.md §4.14-4.16).
 *
 * Placement is one transaction: the operation runs in a write transaction,
 * which the store serialises, so choosing an instance and reserving its
 * resources cannot interleave with another placement. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/fargate.h"
#include "model/instance.h"
#include "api/ops.h"
#include "model/params.h"
#include "model/tags.h"
#include "model/task.h"
#include "model/task_launch.h"
#include "model/task_place_cp.h"
#include "model/task_overrides.h"
#include "model/taskdef.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "model/task_placement.h"

#define RUN_COUNT_MAX TASK_PLACE_MAX
#define START_INSTANCES_MAX TASK_PLACE_MAX
#define STARTED_BY_MAX 36

/* What RunTask and StartTask share: the checked request. */
typedef struct run_request {
    store_record_t cluster;
    store_record_t taskdef;
    json_t *tags;      /* the tasks' tags: own, propagated, managed */
    json_t *effective; /* the task definition with the overrides applied */
    task_launch_t launch;
    task_spec_t spec;
} run_request_t;

static void run_request_clear(run_request_t *r)
{
    store_record_clear(&r->cluster);
    store_record_clear(&r->taskdef);
    json_decref(r->tags);
    json_decref(r->effective);
    task_launch_clear(&r->launch);
}

static int run_request_read(model_ctx_t *ctx, json_t *in, bool run_task, run_request_t *r, ecs_error_t *err)
{
    *r = (run_request_t){0};
    const char *started_by = param_str(in, "startedBy");
    if (started_by != NULL &&
        (strlen(started_by) > STARTED_BY_MAX ||
         strspn(started_by, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/-") !=
             strlen(started_by)))
        return ecs_invalid_param(err, "startedBy: up to 36 letters, numbers, hyphens, underscores and slashes "
                                      "are allowed.");
    const json_t *overrides = json_object_get(in, "overrides");
    if (api_load_active_cluster(ctx, in, &r->cluster, err) < 0 ||
        taskdef_load_for_run(ctx, param_str(in, "taskDefinition"), &r->taskdef, err) < 0 ||
        task_launch_read(in, run_task, r->cluster.doc, r->taskdef.doc, &r->launch, err) < 0 ||
        task_overrides_check(overrides, r->taskdef.doc, err) < 0 ||
        tags_for_run(in, run_task, r->taskdef.doc, r->cluster.key, &r->tags, err) < 0)
        return -1;
    r->effective = task_overrides_apply(r->taskdef.doc, overrides);
    if (r->effective == NULL)
        return ecs_server_err(err, "out of memory");
    const task_launch_t *l = &r->launch;
    r->spec = (task_spec_t){.cluster = r->cluster.key, .taskdef = r->taskdef.doc, .overrides = overrides,
                            .started_by = started_by, .tags = r->tags, .effective = r->effective,
                            .group = l->group, .launch_type = l->launch_type, .reference_id = l->reference_id,
                            .network = l->network, .strategy = l->strategy, .execute_command = l->execute_command,
                            .platform_version = l->platform_version};
    if (strcmp(l->launch_type, "FARGATE") == 0 && fargate_check_run(in, r->effective, err) < 0)
        return -1;
    /* what the task reserves: its own sizes, the overrides' where given */
    res_task_need(r->effective, &r->spec.need);
    return 0;
}

/* Tasks that cannot be placed whatever the instances (task_launch.h):
 * one failure each, naming the member that asks for what ecsd lacks; a
 * RunTask's name the cluster, a StartTask's each instance it named. */
static int launch_failures(model_ctx_t *ctx, const run_request_t *r, size_t n, const json_t *instances,
                           json_t *failures, ecs_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        cleanup_free char *arn = NULL;
        const char *given = json_string_value(json_array_get(instances, i));
        char id[INSTANCE_ID_MAX + 1];
        if (given == NULL)
            arn = api_arn(ctx, "cluster", r->cluster.key);
        else if (instance_id_from_param(ctx, "containerInstances", given, r->cluster.key, id, err) < 0)
            return -1;
        else
            arn = arn_is_arn(given) ? strdup(given) : api_id_arn(ctx, "container-instance", r->cluster.key, id);
        json_array_append_new(failures, json_pack("{s:s, s:s, s:s}", "arn", arn ? arn : "", "reason",
                                                  r->launch.fail_reason, "detail", r->launch.fail_detail));
    }
    return 0;
}

/* RunTask and StartTask answer the tasks they started with their tags (a
 * new reference to tasks). */
static json_t *tasks_with_tags(json_t *tasks, const json_t *tags)
{
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t)
        json_object_set_new(t, "tags", json_deep_copy(tags));
    return json_incref(tasks);
}

/* A task as its RunTask answered it: with its tags. */
static json_t *task_view_tags(const store_record_t *task)
{
    json_t *v = task_view(task);
    tags_show(v, task->doc, TAGS_HIDDEN_EMPTY);
    return v;
}

/* The request without its clientToken, hashed: two calls with one token
 * must be the same call. */
static void request_digest(const json_t *in, char hex[65])
{
    cleanup_json json_t *copy = json_copy((json_t *)in);
    json_object_del(copy, "clientToken");
    cleanup_free char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(text ? text : "", text ? strlen(text) : 0, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* A RunTask retried with its clientToken answers what the first call did
 * (with the tasks as they are now) instead of starting more tasks.
 * 1 answered from the token, 0 a new call, -1 error. */
static int run_task_replay(model_ctx_t *ctx, const json_t *in, const char *key, const char *digest, json_t **out,
                           ecs_error_t *err)
{
    store_record_t tok = {0};
    int found = store_get(ctx->txn, STORE_TOKEN, ctx->scope, key, &tok, err);
    if (found <= 0)
        return found;
    int rc = -1;
    if (strcmp(json_string_value(json_object_get(tok.doc, "digest")), digest) != 0) {
        ecs_invalid_param(err, "clientToken %.64s was already used with different parameters.",
                          param_str(in, "clientToken"));
        goto done;
    }
    json_t *tasks = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(tok.doc, "tasks"), i, id) {
        store_record_t task = {0};
        if (store_get(ctx->txn, STORE_TASK, ctx->scope, json_string_value(id), &task, err) == 1)
            json_array_append_new(tasks, task_view_tags(&task));
        store_record_clear(&task);
    }
    *out = json_pack("{s:o, s:O}", "tasks", tasks, "failures", json_object_get(tok.doc, "failures"));
    rc = 1;
done:
    store_record_clear(&tok);
    return rc;
}

static int run_task_remember(model_ctx_t *ctx, const char *key, const char *digest, const json_t *tasks,
                             const json_t *failures, ecs_error_t *err)
{
    json_t *ids = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t) {
        const char *arn = json_string_value(json_object_get(t, "taskArn"));
        const char *slash = arn ? strrchr(arn, '/') : NULL;
        json_array_append_new(ids, json_string(slash ? slash + 1 : ""));
    }
    store_record_t tok = {.key = (char *)key, .num = ctx->now_ms, .status = "USED",
                          .doc = json_pack("{s:s, s:o, s:O}", "digest", digest, "tasks", ids, "failures", failures)};
    int rc = store_put(ctx->txn, STORE_TOKEN, ctx->scope, &tok, err);
    json_decref(tok.doc);
    return rc;
}

int op_run_task(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *token = param_str(in, "clientToken");
    char token_key[128], digest[65];
    if (token != NULL) {
        if (strlen(token) > 64)
            return ecs_invalid_param(err, "clientToken: at most 64 characters.");
        snprintf(token_key, sizeof token_key, "RunTask/%s", token);
        request_digest(in, digest);
        int replayed = run_task_replay(ctx, in, token_key, digest, out, err);
        if (replayed != 0)
            return replayed < 0 ? -1 : 0;
    }
    long long count = param_int(in, "count", 1);
    if (count < 1 || count > RUN_COUNT_MAX)
        return ecs_invalid_param(err, "Count must be between 1 and 10.");
    run_request_t r;
    if (run_request_read(ctx, in, true, &r, err) < 0) {
        run_request_clear(&r);
        return -1;
    }
    r.spec.constraints = json_object_get(in, "placementConstraints"); /* checked by placement */
    r.spec.strategies = json_object_get(in, "placementStrategy");
    cleanup_json json_t *tasks = json_array();
    cleanup_json json_t *failures = json_array();
    bool no_instances = false;
    int rc = 0;
    if (r.launch.fail_reason != NULL)
        rc = launch_failures(ctx, &r, (size_t)count, NULL, failures, err);
    else if (r.spec.strategy != NULL && strcmp(r.launch.launch_type, "EC2") == 0) /* Auto Scaling group providers */
        rc = task_place_strategy(ctx, &r.spec, (int)count, tasks, failures, &no_instances, err);
    else
        rc = task_place_random(ctx, &r.spec, (int)count, tasks, failures, &no_instances, err);
    if (rc == 0 && no_instances)
        rc = ecs_invalid_param(err, "No Container Instances were found in your cluster.");
    if (rc == 0 && token != NULL)
        rc = run_task_remember(ctx, token_key, digest, tasks, failures, err);
    if (rc == 0)
        *out = json_pack("{s:o, s:O}", "tasks", tasks_with_tags(tasks, r.tags), "failures", failures);
    run_request_clear(&r);
    return rc;
}

int op_start_task(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "containerInstances");
    size_t n = json_array_size(items);
    if (n == 0)
        return ecs_client_err(err, "Container Instances cannot be empty.");
    if (n > START_INSTANCES_MAX)
        return ecs_invalid_param(err, "containerInstances can have at most 10 items.");
    run_request_t r;
    if (run_request_read(ctx, in, false, &r, err) < 0) {
        run_request_clear(&r);
        return -1;
    }
    cleanup_json json_t *tasks = json_array();
    cleanup_json json_t *failures = json_array();
    int rc = 0;
    if (r.launch.fail_reason != NULL)
        rc = launch_failures(ctx, &r, n, items, failures, err);
    else
        rc = task_place_on(ctx, &r.spec, items, tasks, failures, err);
    if (rc == 0)
        *out = json_pack("{s:o, s:O}", "tasks", tasks_with_tags(tasks, r.tags), "failures", failures);
    run_request_clear(&r);
    return rc;
}

int op_stop_task(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, task = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    int rc = -1;
    char id[TASK_ID_MAX + 1];
    const char *reason = param_str(in, "reason");
    if (reason != NULL && strlen(reason) > 255) {
        ecs_invalid_param(err, "reason: at most 255 characters.");
        goto done;
    }
    if (task_id_from_param(ctx, "task", param_str(in, "task"), cluster.key, id, err) < 0)
        goto done;
    int found = store_get(ctx->txn, STORE_TASK, ctx->scope, id, &task, err);
    if (found < 0)
        goto done;
    if (found == 0 || strcmp(task.cluster, cluster.key) != 0) {
        ecs_invalid_param(err, "The referenced task was not found.");
        goto done;
    }
    if (task_request_stop(ctx, &task, TASK_STOP_USER, reason ? reason : "Task stopped by user", err) < 0)
        goto done;
    *out = json_pack("{s:o}", "task", task_view(&task));
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&task);
    return rc;
}
