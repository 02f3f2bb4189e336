/* op_poll.c - answers an agent's blocking poll (docs/agent-protocol.md):
 * the whole desired state of its container instance. The waiting itself is
 * done by the HTTP layer with the poll hub (poll.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/instance.h"
#include "model/instance_lost.h"
#include "common/log.h"
#include "model/params.h"
#include "api/poll.h"
#include "api/role_creds.h"
#include "model/task.h"
#include "model/task_overrides.h"
#include "model/tags.h"
#include "model/taskdef.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/json_write.h"
#include "model/capacity.h"

/* The heartbeat is stored at most every 5 s, and always well within the
 * agent timeout, so that a polling agent never reads disconnected. */
static int64_t heartbeat_every_ms(const model_service_t *svc)
{
    int64_t quarter = (int64_t)svc->agent_timeout_s * 1000 / 4;
    return quarter < 5000 ? quarter : 5000;
}

typedef struct poll_params {
    const char *cluster;
    const char *instance;
    long long index;
    long long wait_s;
} poll_params_t;

static int read_params(const json_t *in, poll_params_t *p, ecs_error_t *err)
{
    json_t *idx = json_object_get(in, "index"), *wait = json_object_get(in, "waitSeconds");
    json_t *cluster = json_object_get(in, "cluster"), *inst = json_object_get(in, "containerInstance");
    if ((cluster != NULL && !json_is_string(cluster)) || !json_is_string(inst) ||
        (idx != NULL && !json_is_integer(idx)) || (wait != NULL && !json_is_integer(wait)))
        return ecs_err(err, 400, "SerializationException",
                       "A poll is {\"cluster\": string, \"containerInstance\": string, \"index\": integer, "
                       "\"waitSeconds\": integer}.");
    p->cluster = cluster ? json_string_value(cluster) : "default";
    p->instance = json_string_value(inst);
    p->index = idx ? json_integer_value(idx) : 0;
    p->wait_s = wait ? json_integer_value(wait) : POLL_WAIT_MAX_S;
    if (p->wait_s < 1 || p->wait_s > POLL_WAIT_MAX_S)
        return ecs_invalid_param(err, "waitSeconds must be between 1 and 20.");
    return 0;
}

/* Records that the agent was heard from, in its own short transaction,
 * beside the other writers (STORE_WRITE_ROW): every agent's heartbeat
 * every few seconds would otherwise take turns with the placements of
 * all servers (docs/postgresql.md, "The writers' lock"). */
static int heartbeat_once(const model_service_t *svc, const char *scope, const char *id, ecs_error_t *err)
{
    model_ctx_t ctx = {.scope = scope, .now_ms = clock_now_ms(), .svc = svc};
    if (store_begin(svc->store, STORE_WRITE_ROW, &ctx.txn, err) < 0)
        return -1;
    store_record_t rec = {0};
    int found = store_get(ctx.txn, STORE_INSTANCE, scope, id, &rec, err);
    if (found == 1) {
        if (instance_clear_lost(rec.doc)) /* its old tasks are gone from its poll: the agent stops them */
            log_info("container instance %s is heard from again after it was lost", id);
        rec.num = ctx.now_ms;
        found = store_put(ctx.txn, STORE_INSTANCE, scope, &rec, err) < 0 ? -1 : 1;
        /* Other servers' capacity indexes learn the heartbeat, or they
         * would count an agent that polls only this one as disconnected. */
        if (found == 1 && store_notify(ctx.txn, scope, id, false, err) < 0)
            found = -1;
    }
    if (found < 0 || store_commit(ctx.txn, err) < 0) {
        if (found < 0)
            store_rollback(ctx.txn);
        store_record_clear(&rec);
        return -1;
    }
    if (found == 1 && svc->cap != NULL) {
        rec.version++; /* what the put made it */
        cap_update(svc->cap, scope, &rec);
    }
    store_record_clear(&rec);
    return 0;
}

/* Again while it loses a race with another server's write of the instance
 * (a placement there): bounded, as api/dispatch.c does. */
static int heartbeat(const model_service_t *svc, const char *scope, const char *id, ecs_error_t *err)
{
    for (int attempt = 1;; attempt++) {
        int rc = heartbeat_once(svc, scope, id, err);
        if (rc == 0 || attempt == 8 || !store_conflicted(svc->store))
            return rc;
    }
}

/* The tasks of the instance that are not STOPPED, each with its effective
 * task definition: the revision with the task's overrides of sizes, roles,
 * resource requirements and environment files applied, so the agent limits
 * each container by what placement reserved for it (command and
 * environment overrides stay in "overrides": the agent applies them). */
static json_t *desired_tasks(const model_ctx_t *ctx, const char *id, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .instance = id, .status_not = "STOPPED",
                       .order = STORE_ORDER_KEY};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return NULL;
    json_t *tasks = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *view = task_view(&rows[i]);
        store_record_t td = {0};
        const char *td_arn = json_string_value(json_object_get(rows[i].doc, "taskDefinitionArn"));
        if (taskdef_load(ctx, td_arn ? td_arn : "", &td, err) == 1)
            json_object_set_new(view, "taskDefinition",
                                task_overrides_apply(td.doc, json_object_get(rows[i].doc, "overrides")));
        store_record_clear(&td);
        tags_show(view, rows[i].doc, TAGS_HIDDEN_EMPTY); /* the task metadata endpoint's TaskTags */
        api_poll_add_credentials(ctx->svc, ctx->account, view, ctx->now_ms / 1000);
        json_array_append_new(tasks, view);
    }
    store_records_free(rows, n);
    return tasks;
}

/* One look at the instance: 1 answered, 0 unchanged (caller may wait). */
static int look(const model_service_t *svc, const char *account, const char *region, const poll_params_t *p,
                bool force, api_response_t *resp, poll_waiter_t *w, ecs_error_t *err)
{
    char scope[MODEL_SCOPE_MAX];
    model_scope_make(scope, account, region);
    model_ctx_t ctx = {.region = region, .account = account, .scope = scope, .now_ms = clock_now_ms(), .svc = svc};
    char cluster[API_NAME_MAX + 1], id[INSTANCE_ID_MAX + 1];
    if (api_resolve_name(&ctx, "cluster", "cluster", p->cluster, cluster, NULL, err) < 0 ||
        instance_id_from_param(&ctx, "containerInstance", p->instance, cluster, id, err) < 0)
        return -1;
    if (store_begin(svc->store, STORE_READ, &ctx.txn, err) < 0)
        return -1;
    int rc = -1;
    store_record_t rec = {0};
    cleanup_json json_t *cin = json_pack("{s:s}", "cluster", cluster);
    store_record_t crec = {0};
    if (api_load_active_cluster(&ctx, cin, &crec, err) < 0)
        goto done;
    int found = store_get(ctx.txn, STORE_INSTANCE, ctx.scope, id, &rec, err);
    if (found < 0)
        goto done;
    if (found == 0 || strcmp(rec.cluster, cluster) != 0) {
        ecs_invalid_param(err, "containerInstance: %.300s is not registered in cluster %s.", p->instance, cluster);
        goto done;
    }
    if (strcmp(rec.status, "INACTIVE") == 0) { /* a DRAINING instance's agent still runs and stops tasks */
        ecs_err(err, 400, "InactiveInstanceException", "Container instance %s was deregistered.", id);
        goto done;
    }
    bool stale = ctx.now_ms - rec.num > heartbeat_every_ms(svc);
    long long index = json_integer_value(json_object_get(json_object_get(rec.doc, "_ecsd"), "index"));
    if (index == p->index && !force) {
        snprintf(w->account, sizeof w->account, "%s", ctx.scope);
        snprintf(w->instance, sizeof w->instance, "%s", id);
        /* held at most half the agent timeout: its next poll, its heartbeat,
         * comes in time however short --agent-timeout is */
        int64_t hold_ms = p->wait_s * 1000, cap_ms = (int64_t)svc->agent_timeout_s * 1000 / 2;
        w->deadline_ms = ctx.now_ms + (hold_ms < cap_ms ? hold_ms : cap_ms);
        rc = 0;
    } else {
        json_t *tasks = desired_tasks(&ctx, id, err);
        if (tasks != NULL) {
            cleanup_json json_t *doc = json_pack("{s:I, s:O, s:o}", "index", (json_int_t)index,
                                                 "containerInstanceArn",
                                                 json_object_get(rec.doc, "containerInstanceArn"), "tasks", tasks);
            resp->status = 200;
            resp->body = json_write(doc, &resp->body_len);
            rc = resp->body ? 1 : ecs_server_err(err, "Cannot serialise the answer.");
        }
    }
    store_rollback(ctx.txn); /* read only: nothing to commit */
    ctx.txn = NULL;
    if (rc >= 0 && stale && heartbeat(svc, ctx.scope, id, err) < 0) {
        free(resp->body);
        resp->body = NULL;
        rc = -1;
    }
done:
    if (ctx.txn != NULL)
        store_rollback(ctx.txn);
    store_record_clear(&rec);
    store_record_clear(&crec);
    return rc;
}

int api_poll(const model_service_t *svc, const char *account, const char *region, const char *body, size_t len,
             bool force, api_response_t *resp, poll_waiter_t *w)
{
    ecs_error_t err = {0};
    ids_uuid4(resp->request_id);
    json_error_t jerr;
    cleanup_json json_t *in = json_loadb(body ? body : "", len, 0, &jerr);
    poll_params_t p = {0};
    int rc;
    if (!json_is_object(in))
        rc = ecs_err(&err, 400, "SerializationException", "The poll body must be a JSON object.");
    else if (read_params(in, &p, &err) == 0)
        rc = look(svc, account, region, &p, force, resp, w, &err);
    else
        rc = -1;
    if (rc < 0) {
        api_render_error(&err, resp);
        return 1;
    }
    return rc;
}
