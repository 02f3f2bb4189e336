/* task_place_cp.c - see task_place_cp.h. */
#include "model/task_place_cp.h"

#include <string.h>

#include "model/capacity_provider.h"
#include "model/task_placement.h"

/* The unstopped tasks of spec's service deployment (spec->started_by) by
 * provider of strategy; zeros for a standalone task. */
static int count_have(model_ctx_t *ctx, const task_spec_t *spec, const json_t *strategy, int64_t *have,
                      ecs_error_t *err)
{
    size_t k = json_array_size(strategy);
    memset(have, 0, sizeof(int64_t) * CP_STRATEGY_MAX);
    if (spec->service == NULL)
        return 0;
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .cluster = spec->cluster, .service = spec->service,
                       .started_by = spec->started_by, .status_not = "STOPPED", .desired = "RUNNING"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t r = 0; r < n; r++) {
        const char *cp = json_string_value(json_object_get(rows[r].doc, "capacityProviderName"));
        for (size_t i = 0; cp != NULL && i < k && i < CP_STRATEGY_MAX; i++)
            if (strcmp(cp, json_string_value(json_object_get(json_array_get(strategy, i), "capacityProvider"))) == 0)
                have[i]++;
    }
    store_records_free(rows, n);
    return 0;
}

int task_place_strategy(model_ctx_t *ctx, const task_spec_t *spec, int count, json_t *tasks, json_t *failures,
                        bool *no_instances, ecs_error_t *err)
{
    const json_t *strategy = spec->strategy;
    size_t k = json_array_size(strategy);
    *no_instances = false;
    if (cp_strategy_check(strategy, "capacityProviderStrategy", err) < 0)
        return -1;
    if (k > CP_STRATEGY_MAX)
        return ecs_invalid_param(err, "capacityProviderStrategy can have at most %d items.", CP_STRATEGY_MAX);
    int64_t have[CP_STRATEGY_MAX], parts[CP_STRATEGY_MAX] = {0};
    if (count_have(ctx, spec, strategy, have, err) < 0)
        return -1;
    cp_plan(strategy, have, count, parts);
    for (size_t i = 0; i < k; i++) {
        if (parts[i] == 0)
            continue;
        task_spec_t one = *spec;
        one.capacity_provider = json_string_value(json_object_get(json_array_get(strategy, i), "capacityProvider"));
        bool none = false;
        if (task_place_random(ctx, &one, (int)parts[i], tasks, failures, &none, err) < 0)
            return -1;
        if (none) { /* no instance in the cluster at all: the same for every provider */
            *no_instances = true;
            return 0;
        }
    }
    return 0;
}
