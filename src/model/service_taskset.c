/* service_taskset.c - see service_taskset.h. */
#include "model/service_taskset.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "model/service.h"
#include "model/tags.h"

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

bool service_is_external(const json_t *doc)
{
    return str_is(json_object_get(json_object_get(doc, "deploymentController"), "type"), "EXTERNAL");
}

int taskset_computed(const json_t *doc, const json_t *ts)
{
    if (str_is(json_object_get(ts, "status"), "DRAINING") || !str_is(json_object_get(doc, "status"), "ACTIVE"))
        return 0;
    double pct = json_number_value(json_object_get(json_object_get(ts, "scale"), "value"));
    double n = (double)json_integer_value(json_object_get(doc, "desiredCount")) * pct / 100.0;
    /* rounded up (1.2 -> 2), with room for the float's noise (0.1 x 30 is 3, not 4) */
    int k = (int)n;
    return n - (double)k > 1e-9 ? k + 1 : k;
}

json_t *taskset_find(const json_t *doc, const char *id_or_arn)
{
    size_t i;
    json_t *ts;
    if (id_or_arn == NULL)
        return NULL;
    json_array_foreach(json_object_get(doc, "taskSets"), i, ts)
        if (str_is(json_object_get(ts, "id"), id_or_arn) || str_is(json_object_get(ts, "taskSetArn"), id_or_arn))
            return ts;
    return NULL;
}

void taskset_new_id(const json_t *doc, int64_t now_ms, char out[32])
{
    for (int64_t n = INT64_MAX - now_ms;; n--) { /* ECS's ecs-svc numbers: newer sorts first */
        snprintf(out, 32, "ecs-svc/%019" PRId64, n);
        if (taskset_find(doc, out) == NULL)
            return;
    }
}

json_t *taskset_arn(const json_t *doc, const char *id)
{
    const char *svc = json_string_value(json_object_get(doc, "serviceArn"));
    const char *name = json_string_value(json_object_get(doc, "serviceName"));
    const char *cluster_arn = json_string_value(json_object_get(doc, "clusterArn"));
    const char *cslash = cluster_arn ? strrchr(cluster_arn, '/') : NULL, *colon = svc ? strstr(svc, ":service/") : NULL;
    if (name == NULL || cslash == NULL || colon == NULL)
        return json_string("");
    return json_sprintf("%.*s:task-set/%s/%s/%s", (int)(colon - svc), svc, cslash + 1, name, id);
}

static int count(const model_ctx_t *ctx, const char *cluster, const char *service, const char *id,
                 const char *desired, const char *status, int *n, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster, .service = service,
                       .started_by = id, .desired = desired, .status = status};
    int64_t v = 0;
    if (store_count(ctx->txn, &q, &v, err) < 0)
        return -1;
    *n = (int)v;
    return 0;
}

int taskset_counts(const model_ctx_t *ctx, const char *cluster, const char *service, const char *id, int *running,
                   int *pending, int *stopping, ecs_error_t *err)
{
    int sr = 0, sp = 0;
    /* equalities only: the service-tasks index serves them */
    if (count(ctx, cluster, service, id, "RUNNING", "RUNNING", running, err) < 0 ||
        count(ctx, cluster, service, id, "RUNNING", "PENDING", pending, err) < 0 ||
        count(ctx, cluster, service, id, "STOPPED", "RUNNING", &sr, err) < 0 ||
        count(ctx, cluster, service, id, "STOPPED", "PENDING", &sp, err) < 0)
        return -1;
    *stopping = sr + sp;
    return 0;
}

json_t *taskset_view(const model_ctx_t *ctx, const store_record_t *svc, const json_t *ts, bool with_tags,
                     ecs_error_t *err)
{
    const char *name = json_string_value(json_object_get(svc->doc, "serviceName"));
    const char *id = json_string_value(json_object_get(ts, "id"));
    int running = 0, pending = 0, stopping = 0;
    if (taskset_counts(ctx, svc->cluster, name, id ? id : "", &running, &pending, &stopping, err) < 0)
        return NULL;
    json_t *v = json_deep_copy(ts);
    json_object_del(v, "_token");
    if (!with_tags) /* shown with include=["TAGS"] only (model/tags.h) */
        json_object_del(v, "tags");
    json_object_set_new(v, "computedDesiredCount", json_integer(taskset_computed(svc->doc, ts)));
    json_object_set_new(v, "runningCount", json_integer(running));
    json_object_set_new(v, "pendingCount", json_integer(pending));
    return v;
}

int taskset_fill_service(const model_ctx_t *ctx, const store_record_t *svc, json_t *view, int64_t *running,
                         int64_t *pending, ecs_error_t *err)
{
    const json_t *sets = json_object_get(svc->doc, "taskSets");
    if (sets == NULL)
        return 0;
    json_t *out = json_array();
    size_t i;
    json_t *ts;
    json_array_foreach(sets, i, ts) {
        json_t *v = taskset_view(ctx, svc, ts, false, err);
        if (v == NULL) {
            json_decref(out);
            return -1;
        }
        *running += json_integer_value(json_object_get(v, "runningCount"));
        *pending += json_integer_value(json_object_get(v, "pendingCount"));
        json_array_append_new(out, v);
    }
    json_object_set_new(view, "taskSets", out);
    return 0;
}

void taskset_make_primary(const model_ctx_t *ctx, json_t *doc, json_t *ts)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(doc, "taskSets"), i, x) {
        const char *want = x == ts ? "PRIMARY" : "ACTIVE";
        if (str_is(json_object_get(x, "status"), "DRAINING") || str_is(json_object_get(x, "status"), want))
            continue;
        json_object_set_new(x, "status", json_string(want));
        json_object_set_new(x, "updatedAt", json_timestamp(ctx->now_ms));
    }
    /* the service shows its primary task set's members (ECS) */
    static const char *const members[] = {"taskDefinition", "launchType", "capacityProviderStrategy",
                                          "platformVersion", "platformFamily", "networkConfiguration",
                                          "loadBalancers", "serviceRegistries"};
    for (size_t k = 0; k < sizeof members / sizeof members[0]; k++) {
        json_t *v = json_object_get(ts, members[k]);
        if (v != NULL)
            json_object_set_new(doc, members[k], json_deep_copy(v));
        else if (strcmp(members[k], "loadBalancers") != 0 && strcmp(members[k], "serviceRegistries") != 0)
            json_object_del(doc, members[k]);
    }
}
