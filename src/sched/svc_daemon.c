/* svc_daemon.c - see svc_daemon.h. */
#include "sched/svc_daemon.h"

#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "model/placement.h"
#include "model/service_config.h"
#include "model/taskdef.h"

/* The memberOf constraints of the service and of the task definition its
 * PRIMARY deployment runs. 0 with rules parsed (maybe none), -1 on error.
 * A stored constraint that no longer parses (it was checked when stored)
 * is logged and left out rather than stopping the daemon. */
static int daemon_rules(const model_ctx_t *ctx, const json_t *svc_doc, place_rules_t *rules, ecs_error_t *err)
{
    const json_t *constraints, *strategy;
    service_config_placement(svc_doc, &constraints, &strategy);
    const char *td_arn =
        json_string_value(json_object_get(json_array_get(json_object_get(svc_doc, "deployments"), 0), "taskDefinition"));
    store_record_t td = {0};
    int found = td_arn != NULL ? taskdef_load(ctx, td_arn, &td, err) : 0;
    if (found < 0)
        return -1;
    ecs_error_t perr = {0};
    int rc = place_rules_parse(found > 0 ? td.doc : NULL, constraints, NULL, rules, &perr);
    store_record_clear(&td);
    if (rc < 0) {
        log_warn("scheduler: daemon service: placement constraints left out: %s", perr.message);
        memset(rules, 0, sizeof *rules);
    }
    return 0;
}

int daemon_instances(const model_ctx_t *ctx, const char *cluster, const json_t *svc_doc, json_t **out,
                     ecs_error_t *err)
{
    place_rules_t rules;
    if (daemon_rules(ctx, svc_doc, &rules, err) < 0)
        return -1;
    /* the documents only when memberOf reads them */
    store_query_t q = {.kind = STORE_INSTANCE, .account = ctx->scope, .cluster = cluster, .status = "ACTIVE",
                       .order = STORE_ORDER_KEY, .without_doc = rules.n_member_of == 0};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0) {
        place_rules_clear(&rules);
        return -1;
    }
    *out = json_array();
    for (size_t i = 0; i < n; i++) {
        if (rules.n_member_of > 0) {
            place_candidate_t c = {.attrs = json_object_get(rows[i].doc, "attributes"), .connected = true,
                                   .id = rows[i].key, .doc = rows[i].doc};
            if (!place_rules_member_of(&rules, &c))
                continue;
        }
        json_array_append_new(*out, json_string(rows[i].key));
    }
    store_records_free(rows, n);
    place_rules_clear(&rules);
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
