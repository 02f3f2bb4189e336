/* svc_drain.c - see svc_drain.h. */
#include "sched/svc_drain.h"

#include <stdlib.h>
#include <string.h>

int drain_load(model_ctx_t *ctx, const char *cluster, drain_set_t *d, ecs_error_t *err)
{
    *d = (drain_set_t){0};
    store_query_t q = {.kind = STORE_INSTANCE, .account = ctx->scope, .cluster = cluster, .status = "DRAINING",
                       .without_doc = true};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    if (n > 0 && (d->ids = calloc(n, sizeof *d->ids)) == NULL) {
        store_records_free(rows, n);
        return ecs_server_err(err, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        d->ids[d->n] = rows[i].key; /* taken over from the row */
        rows[i].key = NULL;
        d->n++;
    }
    store_records_free(rows, n);
    return 0;
}

void drain_clear(drain_set_t *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->ids[i]);
    free(d->ids);
    *d = (drain_set_t){0};
}

bool drain_has(const drain_set_t *d, const char *instance_id)
{
    for (size_t i = 0; instance_id != NULL && i < d->n; i++)
        if (strcmp(d->ids[i], instance_id) == 0)
            return true;
    return false;
}

static int count(model_ctx_t *ctx, const char *cluster, const char *service, const char *dep, const char *instance,
                 const char *status, int *n, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster, .service = service,
                       .started_by = dep, .instance = instance, .desired = "RUNNING", .status = status};
    int64_t v = 0;
    if (store_count(ctx->txn, &q, &v, err) < 0)
        return -1;
    *n = (int)v;
    return 0;
}

int drain_recount(model_ctx_t *ctx, const drain_set_t *d, const char *cluster, const char *service,
                  const json_t *deps, int n_dep, plan_deploy_t *pd, ecs_error_t *err)
{
    for (int k = 0; k < n_dep; k++) {
        const char *dep = json_string_value(json_object_get(json_array_get(deps, (size_t)k), "id"));
        if (dep == NULL || pd[k].running + pd[k].pending == 0)
            continue;
        for (size_t i = 0; i < d->n; i++) {
            int running = 0, pending = 0;
            if (count(ctx, cluster, service, dep, d->ids[i], "RUNNING", &running, err) < 0 ||
                count(ctx, cluster, service, dep, d->ids[i], "PENDING", &pending, err) < 0)
                return -1;
            pd[k].running -= running, pd[k].pending -= pending;
            pd[n_dep].running += running, pd[n_dep].pending += pending;
        }
    }
    return 0;
}
