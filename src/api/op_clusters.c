/* op_clusters.c - CreateCluster, DeleteCluster, DescribeClusters,
 * ListClusters (ecs-behavior.md §4.1-4.4, §5.6), UpdateCluster,
 * UpdateClusterSettings, PutClusterCapacityProviders.
 *
 * What a cluster record keeps, and how today's members are checked and
 * shown: model/cluster.h. Its counters are counted from the instances,
 * tasks and services when it is shown, so they cannot drift. */
#include <string.h>

#include <stdlib.h>

#include "api/ops.h"
#include "api/paging.h"
#include "common/cleanup.h"
#include "model/capacity_provider.h"
#include "model/cluster.h"
#include "model/params.h"
#include "model/tags.h"

#define DESCRIBE_MAX 100

/* Stores rec (its status and document as they are). */
static int cluster_put(const model_ctx_t *ctx, store_record_t *rec, ecs_error_t *err)
{
    return store_put(ctx->txn, STORE_CLUSTER, ctx->scope, rec, err);
}

static int answer(const model_ctx_t *ctx, const store_record_t *rec, bool tags, json_t **out, ecs_error_t *err)
{
    cluster_show_t show = cluster_show_written(tags);
    json_t *view = cluster_view(ctx, rec, &show, err);
    if (view == NULL)
        return -1;
    *out = json_pack("{s:o}", "cluster", view);
    return 0;
}

int op_create_cluster(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = param_str(in, "clusterName");
    if (name == NULL)
        name = "default";
    if (!api_name_valid(name))
        return ecs_invalid_param(err, "Invalid cluster name. Up to 255 letters (uppercase and lowercase), "
                                      "numbers, underscores, and hyphens are allowed.");
    store_record_t rec = {0};
    cluster_spec_t spec = {0};
    cleanup_json json_t *doc = NULL;
    int rc = -1;
    int found = store_get(ctx->txn, STORE_CLUSTER, ctx->scope, name, &rec, err);
    if (found < 0)
        goto done;
    bool active = found && strcmp(rec.status, "ACTIVE") == 0;
    doc = cluster_doc_new(ctx, name, err);
    if (doc == NULL || cluster_spec_read(ctx, in, active ? rec.doc : NULL, &spec, err) < 0 || tags_take(in, doc, true, err) < 0)
        goto done;
    if (active) {
        /* An ACTIVE cluster is answered as it is, unless the request asks
         * for other capacity providers. */
        if (cluster_spec_conflicts(&spec, rec.doc)) {
            ecs_invalid_param(err, "Arguments on this idempotent request are inconsistent with arguments used in "
                                   "previous request(s).");
            goto done;
        }
    } else {
        /* New, or an INACTIVE one coming back: the request's members only
         * (a deleted cluster's tags went with it). */
        cluster_spec_apply(&spec, doc);
        store_record_clear(&rec);
        rec = (store_record_t){.key = strdup(name), .cluster = strdup(name), .status = strdup("ACTIVE"),
                               .num = ctx->now_ms, .doc = steal_pointer(&doc)};
        if (cluster_put(ctx, &rec, err) < 0)
            goto done;
    }
    rc = answer(ctx, &rec, true, out, err);
done:
    cluster_spec_clear(&spec);
    store_record_clear(&rec);
    return rc;
}

static int refuse_if_any(const model_ctx_t *ctx, store_kind_t kind, const char *cluster, const char *status_not,
                         const char *exception, const char *message, ecs_error_t *err)
{
    store_query_t q = {.kind = kind, .account = ctx->scope, .cluster = cluster, .status_not = status_not,
                       .limit = 1};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    store_records_free(rows, n);
    return n > 0 ? ecs_err(err, 400, exception, "%s", message) : 0;
}

/* Deleted: INACTIVE, and its tags are deleted with it. */
static int mark_inactive(const model_ctx_t *ctx, store_record_t *rec, ecs_error_t *err)
{
    free(rec->status);
    rec->status = strdup("INACTIVE");
    json_object_set_new(rec->doc, "status", json_string("INACTIVE"));
    tags_put(rec->doc, NULL);
    return cluster_put(ctx, rec, err);
}

int op_delete_cluster(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[API_NAME_MAX + 1];
    bool foreign;
    if (api_resolve_name(ctx, "cluster", "cluster", param_str(in, "cluster"), name, &foreign, err) < 0)
        return -1;
    store_record_t rec = {0};
    int found = foreign ? 0 : store_get(ctx->txn, STORE_CLUSTER, ctx->scope, name, &rec, err);
    if (found <= 0)
        return found < 0 ? -1 : ecs_err(err, 400, "ClusterNotFoundException", "Cluster not found.");
    if (strcmp(rec.status, "ACTIVE") == 0 &&
        (refuse_if_any(ctx, STORE_INSTANCE, name, "INACTIVE", "ClusterContainsContainerInstancesException",
                       "The Cluster cannot be deleted while Container Instances are active or draining.",
                       err) < 0 ||
         refuse_if_any(ctx, STORE_SERVICE, name, "INACTIVE", "ClusterContainsServicesException",
                       "The Cluster cannot be deleted while Services are active.", err) < 0 ||
         refuse_if_any(ctx, STORE_TASK, name, "STOPPED", "ClusterContainsTasksException",
                       "The Cluster cannot be deleted while Tasks are active.", err) < 0 ||
         mark_inactive(ctx, &rec, err) < 0)) {
        store_record_clear(&rec);
        return -1;
    }
    int rc = answer(ctx, &rec, false, out, err);
    store_record_clear(&rec);
    return rc;
}

/* One item of DescribeClusters: appended to clusters, or to failures. */
static int describe_one(const model_ctx_t *ctx, const char *item, const cluster_show_t *show, json_t *clusters,
                        json_t *failures, ecs_error_t *err)
{
    char name[API_NAME_MAX + 1];
    bool foreign;
    if (api_resolve_name(ctx, "clusters", "cluster", item, name, &foreign, err) < 0)
        return -1;
    store_record_t rec = {0};
    int found = foreign ? 0 : store_get(ctx->txn, STORE_CLUSTER, ctx->scope, name, &rec, err);
    if (found < 0)
        return -1;
    if (found == 0) {
        cleanup_free char *arn = foreign ? strdup(item) : api_arn(ctx, "cluster", name);
        json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
        return 0;
    }
    json_t *view = cluster_view(ctx, &rec, show, err);
    store_record_clear(&rec);
    if (view == NULL)
        return -1;
    json_array_append_new(clusters, view);
    return 0;
}

int op_describe_clusters(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "clusters");
    size_t n = json_array_size(items);
    if (n > DESCRIBE_MAX)
        return ecs_invalid_param(err, "clusters can have at most 100 items.");
    cleanup_json json_t *clusters = json_array();
    cleanup_json json_t *failures = json_array();
    cluster_show_t show = cluster_show_from_include(in);
    if (n == 0) {
        if (describe_one(ctx, "default", &show, clusters, failures, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *item = json_string_value(json_array_get(items, i));
        if (item == NULL)
            return ecs_err(err, 400, "SerializationException", "clusters[%zu] must be a string.", i);
        if (describe_one(ctx, item, &show, clusters, failures, err) < 0)
            return -1;
    }
    *out = json_pack("{s:O, s:O}", "clusters", clusters, "failures", failures);
    return 0;
}

int op_list_clusters(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_CLUSTER, .account = ctx->scope, .status = "ACTIVE", .order = STORE_ORDER_KEY};
    return api_page_list(ctx, in, &q, "clusterArns", "cluster", out, err);
}

/* UpdateCluster, UpdateClusterSettings, PutClusterCapacityProviders: the
 * members the request sets, over the ACTIVE cluster's. */
static int update(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t rec = {0};
    cluster_spec_t spec = {0};
    int rc = -1;
    if (api_load_active_cluster(ctx, in, &rec, err) < 0 || cluster_spec_read(ctx, in, rec.doc, &spec, err) < 0)
        goto done;
    cluster_spec_apply(&spec, rec.doc);
    if (cluster_put(ctx, &rec, err) < 0)
        goto done;
    rc = answer(ctx, &rec, false, out, err);
done:
    cluster_spec_clear(&spec);
    store_record_clear(&rec);
    return rc;
}

int op_update_cluster(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    /* Only settings, configuration and serviceConnectDefaults are UpdateCluster's. */
    cleanup_json json_t *req = json_pack("{s:O?, s:O?, s:O?, s:O?}", "cluster", json_object_get(in, "cluster"),
                                         "settings", json_object_get(in, "settings"), "configuration",
                                         json_object_get(in, "configuration"), "serviceConnectDefaults",
                                         json_object_get(in, "serviceConnectDefaults"));
    return update(ctx, req, out, err);
}

int op_update_cluster_settings(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    cleanup_json json_t *req = json_pack("{s:O?, s:O?}", "cluster", json_object_get(in, "cluster"), "settings",
                                         json_object_get(in, "settings"));
    return update(ctx, req, out, err);
}

/* ResourceInUseException when the request drops a provider of the
 * cluster that its services or tasks use (ECS's rule). */
static int check_removed(model_ctx_t *ctx, const json_t *in, ecs_error_t *err)
{
    store_record_t rec = {0};
    if (api_load_active_cluster(ctx, in, &rec, err) < 0) {
        store_record_clear(&rec);
        return -1;
    }
    const json_t *keep = json_object_get(in, "capacityProviders");
    int rc = 0;
    size_t i, j;
    json_t *p, *k;
    json_array_foreach(json_object_get(rec.doc, "capacityProviders"), i, p) {
        bool kept = false;
        json_array_foreach(keep, j, k)
            kept |= json_equal(p, k);
        int used = kept || rc != 0 ? 0 : cp_in_use(ctx, rec.key, json_string_value(p), err);
        if (used < 0)
            rc = -1;
        else if (used > 0)
            rc = ecs_err(err, 400, "ResourceInUseException",
                         "The specified capacity provider is in use and cannot be removed.");
    }
    store_record_clear(&rec);
    return rc;
}

int op_put_cluster_capacity_providers(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    /* Both lists are required by the model (the generic check). */
    cleanup_json json_t *req = json_pack("{s:O?, s:O?, s:O?}", "cluster", json_object_get(in, "cluster"),
                                         "capacityProviders", json_object_get(in, "capacityProviders"),
                                         "defaultCapacityProviderStrategy",
                                         json_object_get(in, "defaultCapacityProviderStrategy"));
    if (check_removed(ctx, req, err) < 0)
        return -1;
    return update(ctx, req, out, err);
}
