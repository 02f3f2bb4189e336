/* instance_lost.c - see instance_lost.h. */
#include "model/instance_lost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/instance.h"
#include "model/service.h"
#include "model/task.h"

int64_t instance_lost_after_ms(const model_service_t *svc)
{
    return svc->host_lost_after_s <= 0 ? 0 : ((int64_t)svc->agent_timeout_s + svc->host_lost_after_s) * 1000;
}

int64_t instance_lost_at(const json_t *doc)
{
    return json_integer_value(json_object_get(json_object_get(doc, "_ecsd"), "lost"));
}

bool instance_clear_lost(json_t *doc)
{
    json_t *ecsd = json_object_get(doc, "_ecsd");
    return json_object_get(ecsd, "lost") != NULL && json_object_del(ecsd, "lost") == 0;
}

/* One event per service that had a task on the lost host, in ECS's manner
 * of naming the service and the instance. */
static int tell_services(model_ctx_t *ctx, const char *cluster, const char *id, store_record_t *tasks, size_t n,
                         ecs_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (tasks[i].service == NULL)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = tasks[k].service != NULL && strcmp(tasks[k].service, tasks[i].service) == 0;
        if (seen)
            continue;
        char key[SERVICE_KEY_MAX + 1], msg[1024];
        service_key(key, cluster, tasks[i].service);
        store_record_t svc = {0};
        int found = store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &svc, err);
        if (found == 1) {
            snprintf(msg, sizeof msg,
                     "(service %.255s) (container-instance %s) was lost: its agent has not been heard from for %lld "
                     "seconds; its tasks were stopped and are being replaced.",
                     tasks[i].service, id, (long long)(instance_lost_after_ms(ctx->svc) / 1000));
            service_event(ctx, svc.doc, msg);
            found = service_put(ctx, &svc, err) < 0 ? -1 : 1;
        }
        store_record_clear(&svc);
        if (found < 0)
            return -1;
    }
    return 0;
}

int instance_mark_lost(model_ctx_t *ctx, const char *id, int64_t heard_floor_ms, int *stopped, ecs_error_t *err)
{
    *stopped = 0;
    int64_t lost_after_ms = instance_lost_after_ms(ctx->svc);
    store_record_t rec = {0};
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err);
    if (found <= 0)
        return found;
    /* judged again inside the transaction: a poll may have come since the sweep looked */
    if (lost_after_ms <= 0 || strcmp(rec.status, "INACTIVE") == 0 || instance_lost_at(rec.doc) != 0 ||
        ctx->now_ms - (rec.num > heard_floor_ms ? rec.num : heard_floor_ms) < lost_after_ms) {
        store_record_clear(&rec);
        return 0;
    }
    char *cluster = strdup(rec.cluster);
    store_record_clear(&rec);
    if (cluster == NULL)
        return ecs_server_err(err, "out of memory");
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .instance = id, .status_not = "STOPPED"};
    store_record_t *tasks = NULL;
    size_t n = 0;
    int rc = store_query(ctx->txn, &q, &tasks, &n, err);
    char reason[512];
    snprintf(reason, sizeof reason,
             "Host lost: container instance %s was not heard from for %lld seconds.", id,
             (long long)(lost_after_ms / 1000));
    for (size_t i = 0; i < n && rc == 0; i++) {
        /* the host's word, not an earlier StopTask's, is why it stopped now */
        json_object_set_new(tasks[i].doc, "stopCode", json_string(INSTANCE_LOST_STOP_CODE));
        json_object_set_new(tasks[i].doc, "stoppedReason", json_string(reason));
        rc = task_mark_stopped(ctx, &tasks[i], reason, err);
        if (rc == 0)
            (*stopped)++;
    }
    if (rc == 0)
        rc = tell_services(ctx, cluster, id, tasks, n, err);
    store_records_free(tasks, n);
    /* the stops changed the stored instance: read it again, then mark it */
    if (rc == 0 && (found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err)) <= 0)
        rc = found < 0 ? -1 : ecs_server_err(err, "container instance %s vanished", id);
    if (rc == 0) {
        json_object_set_new(json_object_get(rec.doc, "_ecsd"), "lost", json_integer(ctx->now_ms));
        rc = instance_put(ctx, &rec, err);
    }
    store_record_clear(&rec);
    free(cluster);
    return rc < 0 ? -1 : 1;
}
