/* op_attributes.c - PutAttributes, DeleteAttributes, ListAttributes
 * (ecs-behavior.md §4.27): custom attributes on the container instances
 * of a cluster. The rules of an attribute are model/attributes.h's; the
 * instance's attributes are the "attributes" of its document, which
 * placement and the cluster query language read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "common/cleanup.h"
#include "model/attributes.h"
#include "model/instance.h"
#include "model/params.h"

#define LIST_MAX 100

/* The ACTIVE instance of cluster that attribute i targets, read into rec
 * (0), or -1: TargetNotFoundException / InvalidParameterException. */
static int load_target(model_ctx_t *ctx, const store_record_t *cluster, const json_t *a, size_t i,
                       store_record_t *rec, ecs_error_t *err)
{
    const char *target = param_str(a, "targetId");
    char field[48], id[INSTANCE_ID_MAX + 1];
    snprintf(field, sizeof field, "attributes[%zu].targetId", i);
    if (target == NULL || target[0] == '\0')
        return ecs_invalid_param(err, "%s: the id or ARN of a container instance is required.", field);
    if (instance_id_from_param(ctx, field, target, cluster->key, id, err) < 0)
        return -1;
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, rec, err);
    if (found < 0)
        return -1;
    if (found == 0 || strcmp(rec->cluster, cluster->key) != 0 || strcmp(rec->status, "INACTIVE") == 0) {
        store_record_clear(rec);
        return ecs_err(err, 400, "TargetNotFoundException",
                       "The specified target wasn't found: %.300s. You can view your available container instances "
                       "with ListContainerInstances. Amazon ECS container instances are cluster-specific and "
                       "Region-specific.",
                       target);
    }
    return 0;
}

/* The checks both writing operations make before changing anything. */
static int check_call(const json_t *attrs, ecs_error_t *err)
{
    size_t n = json_array_size(attrs);
    if (n == 0)
        return ecs_invalid_param(err, "attributes: at least one attribute is required.");
    if (n > ATTR_CALL_MAX)
        return ecs_invalid_param(err, "attributes: at most %d attributes can be given in one call.", ATTR_CALL_MAX);
    if (attr_check_list(attrs, "attributes", err) < 0)
        return -1;
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        const char *name = param_str(a, "name");
        if (attr_agent_owned(name))
            return ecs_invalid_param(err,
                                     "attributes[%zu].name: '%.140s': names starting with ecs. or "
                                     "com.amazonaws.ecs. belong to the agent and are set when it registers.",
                                     i, name);
    }
    return 0;
}

/* The attribute as the answers show it. */
static json_t *attr_echo(const json_t *a, json_t *target_id)
{
    json_t *e = json_pack("{s:O, s:s, s:o}", "name", json_object_get(a, "name"), "targetType", "container-instance",
                          "targetId", target_id);
    const json_t *v = json_object_get(a, "value");
    if (e != NULL && json_is_string(v))
        json_object_set(e, "value", (json_t *)v);
    return e;
}

static int change_attributes(model_ctx_t *ctx, json_t *in, json_t **out, bool put, ecs_error_t *err)
{
    const json_t *attrs = json_object_get(in, "attributes");
    if (check_call(attrs, err) < 0)
        return -1;
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    cleanup_json json_t *echo = json_array();
    int rc = 0;
    size_t i;
    json_t *a;
    json_array_foreach(attrs, i, a)
    {
        store_record_t rec = {0};
        if (load_target(ctx, &cluster, a, i, &rec, err) < 0) {
            rc = -1;
            break;
        }
        json_t *list = json_object_get(rec.doc, "attributes");
        if (!json_is_array(list)) {
            list = json_array();
            json_object_set_new(rec.doc, "attributes", list);
        }
        if (put)
            rc = attr_put_custom(list, a, err);
        else
            attr_delete(list, param_str(a, "name")); /* deleting what is not there changes nothing */
        if (rc == 0)
            rc = instance_put(ctx, &rec, err);
        if (rc == 0)
            json_array_append_new(echo, attr_echo(a, json_incref(json_object_get(rec.doc, "containerInstanceArn"))));
        store_record_clear(&rec);
        if (rc < 0)
            break;
    }
    store_record_clear(&cluster);
    if (rc == 0)
        *out = json_pack("{s:O}", "attributes", echo);
    return rc;
}

int op_put_attributes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    return change_attributes(ctx, in, out, true, err);
}

int op_delete_attributes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    return change_attributes(ctx, in, out, false, err);
}

/* ListAttributes pages through the cluster's attributes, instance by
 * instance (in id order), each instance's in its own order; the token is
 * the position of the next one in that order. */
int op_list_attributes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = param_str(in, "attributeName");
    const char *value = param_str(in, "attributeValue");
    const char *token = param_str(in, "nextToken");
    long long max = param_int(in, "maxResults", LIST_MAX);
    if (value != NULL && name == NULL)
        return ecs_invalid_param(err, "attributeValue: can only be given with attributeName.");
    if (max < 1 || max > LIST_MAX)
        return ecs_invalid_param(err, "maxResults: must be between 1 and %d.", LIST_MAX);
    long long skip = 0;
    if (token != NULL) {
        char *end;
        skip = strtoll(token, &end, 10);
        if (token[0] < '0' || token[0] > '9' || *end != '\0' || skip < 0)
            return ecs_invalid_param(err, "nextToken: '%.100s' is not a token ListAttributes gave.", token);
    }
    store_record_t cluster = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    store_query_t q = {.kind = STORE_INSTANCE, .account = ctx->scope, .cluster = cluster.key,
                       .status_not = "INACTIVE", .order = STORE_ORDER_KEY};
    store_record_t *rows = NULL;
    size_t n = 0;
    int rc = store_query(ctx->txn, &q, &rows, &n, err);
    store_record_clear(&cluster);
    if (rc < 0)
        return -1;
    cleanup_json json_t *list = json_array();
    long long seen = 0;
    bool more = false;
    for (size_t r = 0; r < n && !more; r++) {
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(rows[r].doc, "attributes"), i, a)
        {
            const char *an = param_str(a, "name"), *av = param_str(a, "value");
            if (an == NULL || (name != NULL && strcmp(an, name) != 0) ||
                (value != NULL && (av == NULL || strcmp(av, value) != 0)))
                continue;
            if (seen++ < skip)
                continue;
            if ((long long)json_array_size(list) == max) {
                more = true;
                break;
            }
            json_array_append_new(list, attr_echo(a, json_incref(json_object_get(rows[r].doc,
                                                                                  "containerInstanceArn"))));
        }
    }
    store_records_free(rows, n);
    *out = json_pack("{s:O}", "attributes", list);
    if (more) {
        char next[32];
        snprintf(next, sizeof next, "%lld", skip + max);
        json_object_set_new(*out, "nextToken", json_string(next));
    }
    return 0;
}
