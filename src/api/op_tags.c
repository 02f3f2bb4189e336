/* op_tags.c - TagResource, UntagResource, ListTagsForResource.
 *
 * The resourceArn names a cluster, a task definition revision, a container
 * instance, a task or a service of the caller's account and region (an ARN
 * of another account or region names nothing the caller can see: the
 * resource's not-found error). Capacity providers and task sets are
 * taggable in ECS too; they come with their own issue (target_resolve is
 * where their types go). The tags live in the resource's stored document
 * (model/tags.h), so deleting the resource deletes them.
 *
 * Both ARN formats are taken: the old task/ID, container-instance/ID and
 * service/NAME, and the long task/CLUSTER/ID, container-instance/CLUSTER/ID
 * and service/CLUSTER/NAME. An old service ARN does not say its cluster;
 * ECS refuses it for tagging ("Long arn format must be used for tagging
 * operations"), ecsd takes it when exactly one cluster has a service of
 * that name and refuses it with ECS's text when several do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "model/instance.h"
#include "model/params.h"
#include "model/service.h"
#include "model/tags.h"
#include "model/task.h"

#define ARN_INVALID "The ARN provided is invalid."
#define NOT_FOUND "The specified resource wasn't found."

/* The resource an ARN names, loaded. */
typedef struct tag_target {
    store_kind_t kind;
    store_record_t rec;
} tag_target_t;

static int cluster_missing(ecs_error_t *err) { return ecs_err(err, 400, "ClusterNotFoundException", "Cluster not found."); }
static int service_missing(ecs_error_t *err) { return ecs_err(err, 400, "ServiceNotFoundException", "Service not found."); }
static int resource_missing(ecs_error_t *err) { return ecs_err(err, 400, "ResourceNotFoundException", NOT_FOUND); }

/* Copies a path part into buf (NUL-terminated); false when it does not fit or is empty. */
static bool part_copy(char *buf, size_t size, const char *p, size_t len)
{
    if (len == 0 || len >= size)
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    return true;
}

/* The cluster a long ARN names must exist: ClusterNotFoundException otherwise. */
static int cluster_exists(model_ctx_t *ctx, const char *name, ecs_error_t *err)
{
    store_record_t c = {0};
    int found = store_get(ctx->txn, STORE_CLUSTER, ctx->scope, name, &c, err);
    store_record_clear(&c);
    return found < 0 ? -1 : found ? 0 : cluster_missing(err);
}

/* The one service of this name in any cluster (an old ARN): its key. */
static int service_key_by_name(model_ctx_t *ctx, const char *name, char key[SERVICE_KEY_MAX + 1], ecs_error_t *err)
{
    /* A scan of the scope's service keys: old ARNs are rare, and keys are
     * read without their documents. */
    store_query_t q = {.kind = STORE_SERVICE, .account = ctx->scope, .without_doc = true};
    store_record_t *rows = NULL;
    size_t n = 0, hits = 0, nlen = strlen(name);
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t klen = strlen(rows[i].key);
        if (klen > nlen && rows[i].key[klen - nlen - 1] == '/' && strcmp(rows[i].key + klen - nlen, name) == 0 &&
            hits++ == 0)
            snprintf(key, SERVICE_KEY_MAX + 1, "%s", rows[i].key);
    }
    store_records_free(rows, n);
    if (hits == 0)
        return service_missing(err);
    if (hits > 1)
        return ecs_invalid_param(err, "Long arn format must be used for tagging operations");
    return 0;
}

/* Loads record `key` of kind into t: 1 found, 0 not found, -1 error. */
static int target_get(model_ctx_t *ctx, store_kind_t kind, const char *key, tag_target_t *t, ecs_error_t *err)
{
    t->kind = kind;
    return store_get(ctx->txn, kind, ctx->scope, key, &t->rec, err);
}

/* A task or container instance: ID or CLUSTER/ID. */
static int target_by_id(model_ctx_t *ctx, store_kind_t kind, const char *path, size_t len, tag_target_t *t,
                        ecs_error_t *err)
{
    char cluster[API_NAME_MAX + 1] = "", id[80];
    const char *slash = memchr(path, '/', len);
    if (slash != NULL) {
        if (!part_copy(cluster, sizeof cluster, path, (size_t)(slash - path)))
            return ecs_invalid_param(err, ARN_INVALID);
        len -= (size_t)(slash - path) + 1;
        path = slash + 1;
        if (cluster_exists(ctx, cluster, err) < 0)
            return -1;
    }
    if (!part_copy(id, sizeof id, path, len) || memchr(id, '/', len) != NULL)
        return ecs_invalid_param(err, ARN_INVALID);
    int found = target_get(ctx, kind, id, t, err);
    if (found < 0)
        return -1;
    if (found == 0 || (cluster[0] != '\0' && strcmp(t->rec.cluster, cluster) != 0))
        return resource_missing(err);
    return 0;
}

/* The one place an ARN is read: what it names, loaded into t. */
static int target_resolve(model_ctx_t *ctx, const char *arn, tag_target_t *t, ecs_error_t *err)
{
    arn_parts_t a;
    if (arn == NULL || !arn_is_arn(arn) || arn_parse(arn, &a) < 0)
        return ecs_invalid_param(err, ARN_INVALID);
    bool mine = arn_part_eq(a.region, a.region_len, ctx->region) && arn_part_eq(a.account, a.account_len, ctx->account);
    char buf[2 * API_NAME_MAX + 2];
    if (arn_part_eq(a.type, a.type_len, "cluster")) {
        if (!part_copy(buf, sizeof buf, a.path, a.path_len) || !api_name_valid(buf))
            return ecs_invalid_param(err, ARN_INVALID);
        int found = mine ? target_get(ctx, STORE_CLUSTER, buf, t, err) : 0;
        return found < 0 ? -1 : found ? 0 : cluster_missing(err);
    }
    if (arn_part_eq(a.type, a.type_len, "task-definition")) {
        const char *colon = memchr(a.path, ':', a.path_len);
        if (!part_copy(buf, sizeof buf, a.path, a.path_len) || colon == NULL || colon == a.path ||
            colon[1] == '\0' || strspn(colon + 1, "0123456789") != strlen(colon + 1))
            return ecs_invalid_param(err, ARN_INVALID);
        int found = mine ? target_get(ctx, STORE_TASKDEF, buf, t, err) : 0;
        return found < 0 ? -1 : found ? 0 : resource_missing(err);
    }
    if (arn_part_eq(a.type, a.type_len, "task") || arn_part_eq(a.type, a.type_len, "container-instance")) {
        store_kind_t kind = a.type_len == 4 ? STORE_TASK : STORE_INSTANCE;
        return mine ? target_by_id(ctx, kind, a.path, a.path_len, t, err) : resource_missing(err);
    }
    if (arn_part_eq(a.type, a.type_len, "service")) {
        if (!mine)
            return service_missing(err);
        char key[SERVICE_KEY_MAX + 1];
        if (!part_copy(buf, sizeof buf, a.path, a.path_len))
            return ecs_invalid_param(err, ARN_INVALID);
        char *slash = strchr(buf, '/');
        if (slash == NULL) { /* old format: service/NAME */
            if (!api_name_valid(buf))
                return ecs_invalid_param(err, ARN_INVALID);
            if (service_key_by_name(ctx, buf, key, err) < 0)
                return -1;
        } else { /* long format: service/CLUSTER/NAME */
            *slash = '\0';
            if (!api_name_valid(buf) || !api_name_valid(slash + 1))
                return ecs_invalid_param(err, ARN_INVALID);
            if (cluster_exists(ctx, buf, err) < 0)
                return -1;
            service_key(key, buf, slash + 1);
        }
        int found = target_get(ctx, STORE_SERVICE, key, t, err);
        return found < 0 ? -1 : found ? 0 : service_missing(err);
    }
    if (arn_part_eq(a.type, a.type_len, "capacity-provider")) { /* an account's own (CreateCapacityProvider) */
        if (!part_copy(buf, sizeof buf, a.path, a.path_len))
            return ecs_invalid_param(err, ARN_INVALID);
        int found = mine ? target_get(ctx, STORE_CAPACITY_PROVIDER, buf, t, err) : 0;
        if (found > 0 && strcmp(t->rec.status, "ACTIVE") != 0)
            found = 0; /* deleted: its tags went with it */
        return found < 0 ? -1 : found ? 0 : resource_missing(err);
    }
    /* Taggable in ECS, not served yet: nothing of this type exists here. */
    if (arn_part_eq(a.type, a.type_len, "task-set"))
        return resource_missing(err);
    return ecs_invalid_param(err, ARN_INVALID);
}

/* A resource being deleted keeps no tags and takes no new ones. */
static int target_writable(const tag_target_t *t, ecs_error_t *err)
{
    if (t->kind == STORE_CLUSTER && strcmp(t->rec.status, "ACTIVE") != 0)
        return ecs_err(err, 400, "ClusterNotFoundException", "The referenced cluster was inactive.");
    if (t->kind == STORE_SERVICE && strcmp(t->rec.status, "INACTIVE") == 0)
        return service_missing(err);
    return 0;
}

static int target_save(model_ctx_t *ctx, tag_target_t *t, json_t *tags, ecs_error_t *err)
{
    tags_put(t->rec.doc, tags);
    if (t->kind == STORE_INSTANCE) /* keeps the capacity index in step with the record */
        return instance_put(ctx, &t->rec, err);
    return store_put(ctx->txn, t->kind, ctx->scope, &t->rec, err);
}

int op_tag_resource(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *tags = json_object_get(in, "tags");
    tag_target_t t = {0};
    json_t *merged = NULL;
    int rc = -1;
    if (tags_check(tags, "tags", err) < 0 || target_resolve(ctx, param_str(in, "resourceArn"), &t, err) < 0 ||
        target_writable(&t, err) < 0 || tags_merge(tags_get(t.rec.doc), tags, &merged, err) < 0)
        goto done;
    if (target_save(ctx, &t, steal_pointer(&merged), err) < 0)
        goto done;
    *out = json_object();
    rc = 0;
done:
    json_decref(merged);
    store_record_clear(&t.rec);
    return rc;
}

int op_untag_resource(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *keys = json_object_get(in, "tagKeys");
    tag_target_t t = {0};
    int rc = -1;
    if (tags_check_keys(keys, "tagKeys", err) < 0 ||
        target_resolve(ctx, param_str(in, "resourceArn"), &t, err) < 0 || target_writable(&t, err) < 0)
        goto done;
    if (target_save(ctx, &t, tags_remove(tags_get(t.rec.doc), keys), err) < 0)
        goto done;
    *out = json_object();
    rc = 0;
done:
    store_record_clear(&t.rec);
    return rc;
}

int op_list_tags_for_resource(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    tag_target_t t = {0};
    if (target_resolve(ctx, param_str(in, "resourceArn"), &t, err) < 0) {
        store_record_clear(&t.rec);
        return -1;
    }
    /* A deleted cluster or service has no tags: they went with it. */
    bool gone = (t.kind == STORE_CLUSTER || t.kind == STORE_SERVICE) && strcmp(t.rec.status, "INACTIVE") == 0;
    const json_t *tags = gone ? NULL : tags_get(t.rec.doc);
    *out = json_pack("{s:o}", "tags", tags ? json_deep_copy(tags) : json_array());
    store_record_clear(&t.rec);
    return 0;
}
