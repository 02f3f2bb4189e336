#include "model/instance.h"

#include <string.h>

#include "model/params.h"
#include "common/arn.h"
#include "model/capacity.h"
#include "model/capacity_provider.h"
#include "model/tags.h"

int instance_id_from_param(const model_ctx_t *ctx, const char *field, const char *value, const char *cluster,
                           char id[INSTANCE_ID_MAX + 1], ecs_error_t *err)
{
    (void)ctx, (void)cluster; /* ids are looked up in ctx's scope and cluster by the caller */
    const char *p = value;
    size_t len = strlen(value);
    if (arn_is_arn(value)) {
        arn_parts_t a;
        if (arn_parse(value, &a) < 0 || !arn_part_eq(a.type, a.type_len, "container-instance"))
            return ecs_invalid_param(err, "%s: '%.300s' is not a container-instance ARN.", field, value);
        /* An ARN of another account or region is not refused: its id is
         * looked up in the caller's account, where it is not found. */
        p = a.path;
        len = a.path_len;
        const char *slash = memchr(p, '/', len);
        if (slash != NULL) { /* long form: container-instance/<cluster>/<id> */
            /* Its cluster is not compared here: the caller compares the
             * record's, and another cluster's instance is not found there. */
            len -= (size_t)(slash - p) + 1;
            p = slash + 1;
        }
    }
    if (len == 0 || len > INSTANCE_ID_MAX || strspn(p, "0123456789abcdefABCDEF-") < len)
        return ecs_invalid_param(err, "%s: '%.300s' is not a container instance id or ARN.", field, value);
    memcpy(id, p, len);
    id[len] = '\0';
    return 0;
}

bool instance_agent_connected(const model_ctx_t *ctx, const store_record_t *rec)
{
    return strcmp(rec->status, "INACTIVE") != 0 && /* DRAINING: connected, it takes no new tasks */
           ctx->now_ms - rec->num < (int64_t)ctx->svc->agent_timeout_s * 1000;
}

void instance_get_avail(const store_record_t *rec, res_t *avail)
{
    res_from_json(json_object_get(json_object_get(rec->doc, "_ecsd"), "avail"), avail);
}

void instance_set_avail(store_record_t *rec, const res_t *avail)
{
    json_object_set_new(json_object_get(rec->doc, "_ecsd"), "avail", res_to_json(avail));
}

void instance_groups_add(store_record_t *rec, const char *group, int delta)
{
    json_t *ecsd = json_object_get(rec->doc, "_ecsd"), *groups = json_object_get(ecsd, "groups");
    if (group == NULL || !json_is_object(groups))
        return; /* not kept for this record: placement reads the tasks */
    json_int_t n = json_integer_value(json_object_get(groups, group)) + delta;
    if (n > 0)
        json_object_set_new(groups, group, json_integer(n));
    else
        json_object_del(groups, group);
}

const json_t *instance_groups(const json_t *doc)
{
    const json_t *g = json_object_get(json_object_get(doc, "_ecsd"), "groups");
    return json_is_object(g) ? g : NULL;
}

void instance_touch(model_ctx_t *ctx, store_record_t *rec)
{
    json_t *ecsd = json_object_get(rec->doc, "_ecsd");
    json_object_set_new(ecsd, "index", json_integer(json_integer_value(json_object_get(ecsd, "index")) + 1));
    model_wake_instance(ctx, rec->key);
}

int instance_put(model_ctx_t *ctx, store_record_t *rec, ecs_error_t *err)
{
    if (store_put(ctx->txn, STORE_INSTANCE, ctx->scope, rec, err) < 0)
        return -1;
    rec->version++; /* what the put made it */
    model_wake_instance(ctx, rec->key); /* also the list to reset should the transaction roll back */
    if (ctx->svc->cap != NULL)
        cap_update(ctx->svc->cap, ctx->scope, rec);
    return 0;
}

static int count_tasks(const model_ctx_t *ctx, const store_record_t *rec, const char *status, int64_t *n,
                       ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = ctx->scope, .instance = rec->key, .status = status};
    return store_count(ctx->txn, &q, n, err);
}

json_t *instance_view(const model_ctx_t *ctx, const store_record_t *rec, ecs_error_t *err)
{
    int64_t running = 0, pending = 0;
    if (count_tasks(ctx, rec, "RUNNING", &running, err) < 0 || count_tasks(ctx, rec, "PENDING", &pending, err) < 0)
        return NULL;
    res_t avail, total;
    instance_get_avail(rec, &avail);
    res_from_json(json_object_get(json_object_get(rec->doc, "_ecsd"), "total"), &total);
    json_t *v = json_copy(rec->doc); /* shallow: members are shared, not changed */
    json_object_del(v, "_ecsd");
    tags_hide(v, TAGS_HIDDEN_ABSENT); /* shown where asked for: tags_show */
    /* both lists are made from the compact "_ecsd" form, which placement
     * reads: the stored document stays small */
    json_object_set_new(v, "registeredResources", res_to_resources(&total));
    json_object_set_new(v, "remainingResources", res_to_resources(&avail));
    json_object_set_new(v, "agentConnected", json_boolean(instance_agent_connected(ctx, rec)));
    json_object_set_new(v, "runningTasksCount", json_integer(running));
    json_object_set_new(v, "pendingTasksCount", json_integer(pending));
    /* the capacity provider its agent names (model/capacity_provider.h) */
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(rec->doc, "attributes"), i, a) {
        const char *name = json_string_value(json_object_get(a, "name"));
        if (name != NULL && strcmp(name, CP_ATTR) == 0 && json_is_string(json_object_get(a, "value")))
            json_object_set(v, "capacityProviderName", json_object_get(a, "value"));
    }
    return v;
}
