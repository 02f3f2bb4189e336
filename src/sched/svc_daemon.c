/* svc_daemon.c - see svc_daemon.h. */
#include "sched/svc_daemon.h"

#include <string.h>

#include "common/cleanup.h"

int daemon_instances(const model_ctx_t *ctx, const char *cluster, json_t **out, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_INSTANCE, .account = ctx->scope, .cluster = cluster, .status = "ACTIVE",
                       .order = STORE_ORDER_KEY, .without_doc = true};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, json_string(rows[i].key));
    store_records_free(rows, n);
    return 0;
}

int daemon_free_instances(const model_ctx_t *ctx, const char *cluster, const char *service, const char *dep,
                          const json_t *instances, json_t **out, ecs_error_t *err)
{
    /* full rows: a key-only query leaves the instance column out */
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster, .service = service,
                       .started_by = dep, .desired = "RUNNING"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    *out = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(instances, i, id) {
        bool taken = false;
        for (size_t k = 0; k < n && !taken; k++)
            taken = rows[k].instance != NULL && strcmp(rows[k].instance, json_string_value(id)) == 0;
        if (!taken)
            json_array_append(*out, id);
    }
    store_records_free(rows, n);
    return 0;
}
