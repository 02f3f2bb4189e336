/* op_task_sets.c - CreateTaskSet, UpdateTaskSet, DeleteTaskSet,
 * DescribeTaskSets and UpdateServicePrimaryTaskSet: the task sets of a
 * service of the EXTERNAL deployment controller (model/service_taskset.h).
 * The operations record what the caller wants; the scheduler
 * (sched/svc_tasksets.c) starts and stops the tasks. */
#include <stdio.h>
#include <string.h>

#include "api/ops.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "model/params.h"
#include "model/service.h"
#include "model/service_taskset.h"
#include "model/tags.h"
#include "model/taskdef.h"

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* The request's ACTIVE service of the EXTERNAL deployment controller. */
static int load_external(model_ctx_t *ctx, const json_t *in, store_record_t *cluster, store_record_t *svc,
                         ecs_error_t *err)
{
    char name[API_NAME_MAX + 1], key[SERVICE_KEY_MAX + 1];
    if (api_load_active_cluster(ctx, in, cluster, err) < 0)
        return -1;
    int foreign = service_name_from_param(ctx, "service", param_str(in, "service"), cluster->key, name, err);
    if (foreign < 0)
        return -1;
    service_key(key, cluster->key, name);
    int found = foreign ? 0 : store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, svc, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return ecs_err(err, 400, "ServiceNotFoundException", "Service not found.");
    if (strcmp(svc->status, "ACTIVE") != 0)
        return ecs_err(err, 400, "ServiceNotActiveException", "Service was not ACTIVE.");
    if (!service_is_external(svc->doc))
        return ecs_invalid_param(err, "Amazon ECS does not support task set management on services where "
                                      "deployments are controlled by ECS or CODE_DEPLOY: the service's "
                                      "deploymentController must be EXTERNAL.");
    return 0;
}

static json_t *find_or_fail(const json_t *doc, const char *ref, ecs_error_t *err)
{
    json_t *ts = taskset_find(doc, ref);
    if (ts == NULL)
        ecs_err(err, 400, "TaskSetNotFoundException", "The specified task set %.300s does not exist.", ref ? ref : "");
    return ts;
}

/* scale {value 0..100, unit PERCENT}, ECS's default 100 percent. */
static int read_scale(const json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *scale = json_object_get(in, "scale"), *value = json_object_get(scale, "value");
    double v = value ? json_number_value(value) : 100.0;
    if (scale != NULL && value == NULL)
        return ecs_invalid_param(err, "scale.value must be specified.");
    if (v < 0.0 || v > 100.0)
        return ecs_invalid_param(err, "scale.value must be between 0 and 100 (got %g).", v);
    *out = json_pack("{s:f, s:s}", "value", v, "unit", "PERCENT");
    return 0;
}

static int answer(model_ctx_t *ctx, const store_record_t *svc, const json_t *ts, bool tags, json_t **out,
                  ecs_error_t *err)
{
    json_t *v = taskset_view(ctx, svc, ts, tags, err);
    if (v == NULL)
        return -1;
    *out = json_pack("{s:o}", "taskSet", v);
    return 0;
}

/* The members a task set carries, checked against its task definition. */
static int read_members(const json_t *in, const json_t *service, const json_t *taskdef, json_t *ts, ecs_error_t *err)
{
    const json_t *lt = json_object_get(in, "launchType"), *cps = json_object_get(in, "capacityProviderStrategy");
    if (lt != NULL && cps != NULL)
        return ecs_invalid_param(err, "Specifying both a launch type and capacity provider strategy is not supported. "
                                      "Remove one and try again.");
    if (cps != NULL)
        json_object_set(ts, "capacityProviderStrategy", (json_t *)cps);
    else if (lt != NULL)
        json_object_set(ts, "launchType", (json_t *)lt);
    else if (json_object_get(service, "capacityProviderStrategy") != NULL)
        json_object_set(ts, "capacityProviderStrategy", json_object_get(service, "capacityProviderStrategy"));
    else
        json_object_set_new(ts, "launchType", json_string(param_str(service, "launchType") ? param_str(service,
                                                                                                         "launchType")
                                                                                              : "EC2"));
    const json_t *pv = json_object_get(in, "platformVersion");
    if (pv != NULL && !str_is(json_object_get(ts, "launchType"), "FARGATE") && cps == NULL)
        return ecs_invalid_param(err, "The platform version must be null when specifying an EC2 launch type.");
    if (pv != NULL)
        json_object_set(ts, "platformVersion", (json_t *)pv);
    const json_t *nc = json_object_get(in, "networkConfiguration");
    const json_t *vpc = json_object_get(nc, "awsvpcConfiguration");
    bool awsvpc = str_is(json_object_get(taskdef, "networkMode"), "awsvpc");
    if (vpc != NULL && json_array_size(json_object_get(vpc, "subnets")) == 0)
        return ecs_invalid_param(err, "subnets can not be empty.");
    if (awsvpc && vpc == NULL)
        return ecs_invalid_param(err, "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    if (!awsvpc && vpc != NULL)
        return ecs_invalid_param(err, "Network Configuration is not valid for the given networkMode of this task "
                                      "definition.");
    if (vpc != NULL) {
        json_t *copy = json_deep_copy(nc), *cvpc = json_object_get(copy, "awsvpcConfiguration");
        if (json_object_get(cvpc, "assignPublicIp") == NULL)
            json_object_set_new(cvpc, "assignPublicIp", json_string("DISABLED"));
        json_object_set_new(ts, "networkConfiguration", copy);
    }
    static const char *const lists[] = {"loadBalancers", "serviceRegistries"}; /* kept: no load balancer here */
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_object_get(in, lists[i]);
        json_object_set_new(ts, lists[i], json_is_array(v) ? json_deep_copy(v) : json_array());
    }
    return 0;
}

int op_create_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, svc = {0}, td = {0};
    const char *token = param_str(in, "clientToken");
    cleanup_json json_t *ts = NULL;
    int rc = -1;
    if (token != NULL && (strlen(token) == 0 || strlen(token) > TASKSET_TOKEN_MAX)) {
        ecs_invalid_param(err, "clientToken: up to 36 characters are allowed.");
        goto done;
    }
    if (load_external(ctx, in, &cluster, &svc, err) < 0)
        goto done;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(svc.doc, "taskSets"), i, x)
        if (token != NULL && str_is(json_object_get(x, "_token"), token)) { /* the same request again */
            rc = answer(ctx, &svc, x, true, out, err);
            goto done;
        }
    if (taskdef_load_for_run(ctx, param_str(in, "taskDefinition"), &td, err) < 0)
        goto done;
    char id[32];
    taskset_new_id(svc.doc, ctx->now_ms, id);
    json_t *scale = NULL;
    if (read_scale(in, &scale, err) < 0)
        goto done;
    ts = json_pack("{s:s, s:o, s:O, s:O, s:s, s:O, s:o, s:o, s:o, s:s, s:o}", "id", id,
                                        "taskSetArn", taskset_arn(svc.doc, id), "serviceArn",
                                        json_object_get(svc.doc, "serviceArn"), "clusterArn",
                                        json_object_get(svc.doc, "clusterArn"), "status", "ACTIVE", "taskDefinition",
                                        json_object_get(td.doc, "taskDefinitionArn"), "createdAt",
                                        json_timestamp(ctx->now_ms), "updatedAt", json_timestamp(ctx->now_ms), "scale",
                                        scale, "stabilityStatus", "STABILIZING", "stabilityStatusAt",
                                        json_timestamp(ctx->now_ms));
    const char *ext = param_str(in, "externalId");
    if (ext != NULL)
        json_object_set_new(ts, "externalId", json_string(ext));
    if (token != NULL)
        json_object_set_new(ts, "_token", json_string(token));
    if (read_members(in, svc.doc, td.doc, ts, err) < 0 || tags_take(in, ts, true, err) < 0)
        goto done;
    json_t *sets = json_object_get(svc.doc, "taskSets");
    if (!json_is_array(sets)) {
        sets = json_array();
        json_object_set_new(svc.doc, "taskSets", sets);
    }
    json_array_append(sets, ts);
    if (service_put(ctx, &svc, err) < 0 || answer(ctx, &svc, ts, true, out, err) < 0)
        goto done;
    ctx->fx.sched_wake = true;
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&svc);
    store_record_clear(&td);
    return rc;
}

int op_update_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, svc = {0};
    int rc = -1;
    json_t *ts, *scale = NULL;
    if (load_external(ctx, in, &cluster, &svc, err) < 0 ||
        (ts = find_or_fail(svc.doc, param_str(in, "taskSet"), err)) == NULL || read_scale(in, &scale, err) < 0)
        goto done;
    if (str_is(json_object_get(ts, "status"), "DRAINING")) {
        json_decref(scale);
        ecs_invalid_param(err, "The task set %s is DRAINING: it can no longer be scaled.",
                          json_string_value(json_object_get(ts, "id")));
        goto done;
    }
    json_object_set_new(ts, "scale", scale);
    json_object_set_new(ts, "updatedAt", json_timestamp(ctx->now_ms));
    if (service_put(ctx, &svc, err) < 0 || answer(ctx, &svc, ts, false, out, err) < 0)
        goto done;
    ctx->fx.sched_wake = true;
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&svc);
    return rc;
}

int op_delete_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, svc = {0};
    int rc = -1;
    json_t *ts;
    if (load_external(ctx, in, &cluster, &svc, err) < 0 ||
        (ts = find_or_fail(svc.doc, param_str(in, "taskSet"), err)) == NULL)
        goto done;
    if (!str_is(json_object_get(ts, "status"), "DRAINING")) {
        if (!json_is_true(json_object_get(in, "force")) && taskset_computed(svc.doc, ts) > 0) {
            ecs_invalid_param(err, "The task set %s cannot be deleted while it is scaled above 0 (its "
                                   "computedDesiredCount is %d); scale it to 0 first or use force.",
                              json_string_value(json_object_get(ts, "id")), taskset_computed(svc.doc, ts));
            goto done;
        }
        json_object_set_new(ts, "status", json_string("DRAINING"));
        json_object_set_new(ts, "updatedAt", json_timestamp(ctx->now_ms));
        if (service_put(ctx, &svc, err) < 0)
            goto done;
        ctx->fx.sched_wake = true;
    }
    rc = answer(ctx, &svc, ts, false, out, err);
done:
    store_record_clear(&cluster);
    store_record_clear(&svc);
    return rc;
}

int op_update_service_primary_task_set(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, svc = {0};
    int rc = -1;
    json_t *ts;
    if (load_external(ctx, in, &cluster, &svc, err) < 0 ||
        (ts = find_or_fail(svc.doc, param_str(in, "primaryTaskSet"), err)) == NULL)
        goto done;
    if (str_is(json_object_get(ts, "status"), "DRAINING")) {
        ecs_invalid_param(err, "The task set %s is DRAINING: it cannot be made the primary task set.",
                          json_string_value(json_object_get(ts, "id")));
        goto done;
    }
    taskset_make_primary(ctx, svc.doc, ts);
    if (service_put(ctx, &svc, err) < 0 || answer(ctx, &svc, ts, false, out, err) < 0)
        goto done;
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&svc);
    return rc;
}

int op_describe_task_sets(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, svc = {0};
    cleanup_json json_t *list = json_array();
    cleanup_json json_t *failures = json_array();
    int rc = -1;
    if (load_external(ctx, in, &cluster, &svc, err) < 0)
        goto done;
    bool tags = false;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(in, "include"), i, x)
        tags = tags || str_is(x, "TAGS");
    const json_t *want = json_object_get(in, "taskSets");
    if (want == NULL) { /* none named: all of them */
        json_array_foreach(json_object_get(svc.doc, "taskSets"), i, x) {
            json_t *v = taskset_view(ctx, &svc, x, tags, err);
            if (v == NULL)
                goto done;
            json_array_append_new(list, v);
        }
    } else {
        json_array_foreach(want, i, x) {
            const json_t *ts = taskset_find(svc.doc, json_string_value(x));
            json_t *v = ts ? taskset_view(ctx, &svc, ts, tags, err) : NULL;
            if (ts != NULL && v == NULL)
                goto done;
            if (v != NULL)
                json_array_append_new(list, v);
            else
                json_array_append_new(failures, json_pack("{s:O, s:s}", "arn", x, "reason", "MISSING"));
        }
    }
    *out = json_pack("{s:O, s:O}", "taskSets", list, "failures", failures);
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&svc);
    return rc;
}
