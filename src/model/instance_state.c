/* instance_state.c - see instance_state.h. */
#include "model/instance_state.h"

#include <stdlib.h>
#include <string.h>

#include "model/instance.h"
#include "model/service.h"
#include "model/task.h"

/* The services of the tasks drained: stored again (num = now), so that the
 * scheduler looks at them at its next pass. */
static int touch_services(model_ctx_t *ctx, const char *cluster, store_record_t *tasks, size_t n, ecs_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (tasks[i].service == NULL)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = tasks[k].service != NULL && strcmp(tasks[k].service, tasks[i].service) == 0;
        if (seen)
            continue;
        char key[SERVICE_KEY_MAX + 1];
        service_key(key, cluster, tasks[i].service);
        store_record_t svc = {0};
        int found = store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &svc, err);
        int rc = found < 0 ? -1 : found == 0 ? 0 : service_put(ctx, &svc, err);
        store_record_clear(&svc);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int instance_set_state(model_ctx_t *ctx, const char *id, const char *status, store_record_t *rec, ecs_error_t *err)
{
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, rec, err);
    if (found <= 0)
        return found < 0 ? -1 : ecs_server_err(err, "container instance %s vanished", id);
    if (strcmp(rec->status, status) == 0)
        return 0;
    char *cluster = strdup(rec->cluster);
    if (cluster == NULL)
        return ecs_server_err(err, "out of memory");
    store_record_t *tasks = NULL;
    size_t n = 0;
    int rc = 0;
    if (strcmp(status, "DRAINING") == 0) {
        store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .instance = id, .desired = "RUNNING"};
        rc = store_query(ctx->txn, &q, &tasks, &n, err);
        for (size_t i = 0; i < n && rc == 0; i++)
            if (tasks[i].service != NULL && strcmp(tasks[i].status, "PENDING") == 0)
                rc = task_request_stop(ctx, &tasks[i], TASK_STOP_SCHEDULER, INSTANCE_DRAIN_REASON, err);
        if (rc == 0)
            rc = touch_services(ctx, cluster, tasks, n, err);
        /* the stops changed the stored instance: read it again */
        store_record_clear(rec);
        if (rc == 0 && (found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, rec, err)) <= 0)
            rc = found < 0 ? -1 : ecs_server_err(err, "container instance %s vanished", id);
    }
    if (rc == 0) {
        free(rec->status);
        rec->status = strdup(status);
        json_object_set_new(rec->doc, "status", json_string(status));
        instance_touch(ctx, rec);
        ctx->fx.sched_wake = true; /* services may place again (ACTIVE) or replace (DRAINING) */
        rc = instance_put(ctx, rec, err);
    }
    store_records_free(tasks, n);
    free(cluster);
    return rc;
}
