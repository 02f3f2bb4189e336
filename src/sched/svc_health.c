/* svc_health.c - see svc_health.h. */
#include "sched/svc_health.h"

#include <stdio.h>
#include <string.h>

#include "model/service.h"
#include "model/task.h"
#include "sched/svc_rollout.h"

#define HEALTH_REASON "Task failed container health checks"

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

int health_check(model_ctx_t *ctx, json_t *doc, const char *cluster, const char *name, bool write, int64_t *due_ms,
                 ecs_error_t *err)
{
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
                if (write && task_request_stop(ctx, &t, HEALTH_REASON, err) < 0) {
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
