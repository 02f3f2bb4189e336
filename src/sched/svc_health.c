/* svc_health.c - see svc_health.h. */
#include "sched/svc_health.h"

#include <stdio.h>
#include <string.h>

#include "model/service.h"
#include "model/task.h"
#include "model/taskdef.h"
#include "sched/svc_rollout.h"

#define HEALTH_REASON "Task failed container health checks"
#define HEALTH_RECHECK_MS 1000 /* a rollout waiting for its tasks' first health verdict looks again this often */

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* True when an essential container of the task definition has a healthCheck. */
static bool checks_health(const json_t *taskdef)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c)
        if (json_object_get(c, "healthCheck") != NULL && !json_is_false(json_object_get(c, "essential")))
            return true;
    return false;
}

int health_unproven(model_ctx_t *ctx, const json_t *doc, const char *cluster, const char *name, int *n,
                    ecs_error_t *err)
{
    *n = 0;
    const json_t *prim = json_array_get(json_object_get(doc, "deployments"), 0);
    const char *dep = json_string_value(json_object_get(prim, "id"));
    const char *td_arn = json_string_value(json_object_get(prim, "taskDefinition"));
    if (dep == NULL || td_arn == NULL || !str_is(json_object_get(prim, "rolloutState"), "IN_PROGRESS"))
        return 0;
    store_record_t td = {0};
    int found = taskdef_load(ctx, td_arn, &td, err);
    bool checked = found > 0 && checks_health(td.doc);
    store_record_clear(&td);
    if (found < 0)
        return -1;
    if (!checked)
        return 0;
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster, .service = name,
                       .started_by = dep, .desired = "RUNNING", .status = "RUNNING"};
    store_record_t *rows = NULL;
    size_t k = 0;
    if (store_query(ctx->txn, &q, &rows, &k, err) < 0)
        return -1;
    for (size_t i = 0; i < k; i++)
        *n += !str_is(json_object_get(rows[i].doc, "healthStatus"), "HEALTHY");
    store_records_free(rows, k);
    return 0;
}

int health_check(model_ctx_t *ctx, json_t *doc, const char *cluster, const char *name, bool write, int64_t *due_ms,
                 ecs_error_t *err)
{
    int unproven = 0;
    if (health_unproven(ctx, doc, cluster, name, &unproven, err) < 0)
        return -1;
    if (unproven > 0 && (*due_ms == 0 || ctx->now_ms + HEALTH_RECHECK_MS < *due_ms))
        *due_ms = ctx->now_ms + HEALTH_RECHECK_MS; /* the rollout completes once they are HEALTHY */
    json_t *sick = json_object_get(json_object_get(doc, "_ecsd"), "sick");
    if (json_array_size(sick) == 0)
        return 0;
    int64_t grace_ms = json_integer_value(json_object_get(doc, "healthCheckGracePeriodSeconds")) * 1000;
    for (size_t i = 0; i < json_array_size(sick);) {
        const char *id = json_string_value(json_array_get(sick, i));
        store_record_t t = {0};
        int found = id ? store_get(ctx->txn, STORE_TASK, ctx->scope, id, &t, err) : 0;
        if (found < 0)
            return -1;
        bool keep = false;
        if (found > 0 && t.service != NULL && strcmp(t.service, name) == 0 && t.cluster != NULL &&
            strcmp(t.cluster, cluster) == 0 && strcmp(t.status, "RUNNING") == 0 && t.desired != NULL &&
            strcmp(t.desired, "RUNNING") == 0 && str_is(json_object_get(t.doc, "healthStatus"), "UNHEALTHY")) {
            const json_t *started = json_object_get(t.doc, "startedAt");
            int64_t until = (json_is_number(started) ? (int64_t)(json_number_value(started) * 1000.0) : 0) + grace_ms;
            if (ctx->now_ms < until) { /* still in its grace period: looked at again when it ends */
                keep = true;
                if (*due_ms == 0 || until < *due_ms)
                    *due_ms = until;
            } else {
                if (write && task_request_stop(ctx, &t, TASK_STOP_SCHEDULER, HEALTH_REASON, err) < 0) {
                    store_record_clear(&t);
                    return -1;
                }
                rollout_count_failure(ctx, doc, t.started_by); /* asked to stop: not counted again later */
                char msg[256];
                snprintf(msg, sizeof msg, "(service %s) (task %s) failed container health checks.", name, id);
                service_event(ctx, doc, msg);
            }
        }
        store_record_clear(&t);
        if (keep)
            i++;
        else
            json_array_remove(sick, i);
    }
    return 0;
}
