/* op_clusters.c - CreateCluster, DeleteCluster, DescribeClusters,
 * ListClusters (ecs-behavior.md §4.1-4.4, §5.6).
 *
 * A cluster record keeps {clusterArn, clusterName, status}; its counters
 * are counted from the instances, tasks and services at describe time, so
 * they cannot drift. */
#include <string.h>

#include "api/ops.h"
#include "api/paging.h"
#include "model/params.h"
#include "common/cleanup.h"

#define DESCRIBE_MAX 100

static int count_where(const model_ctx_t *ctx, store_kind_t kind, const char *cluster, const char *status,
                       const char *status_not, int64_t *n, ecs_error_t *err)
{
    store_query_t q = {.kind = kind, .account = ctx->scope, .cluster = cluster, .status = status,
                       .status_not = status_not};
    return store_count(ctx->txn, &q, n, err);
}

/* The Cluster shape: the stored document plus live counters. */
static json_t *cluster_view(const model_ctx_t *ctx, const store_record_t *rec, ecs_error_t *err)
{
    int64_t instances = 0, running = 0, pending = 0, services = 0;
    if (strcmp(rec->status, "ACTIVE") == 0 &&
        (count_where(ctx, STORE_INSTANCE, rec->key, NULL, "INACTIVE", &instances, err) < 0 ||
         count_where(ctx, STORE_TASK, rec->key, "RUNNING", NULL, &running, err) < 0 ||
         count_where(ctx, STORE_TASK, rec->key, "PENDING", NULL, &pending, err) < 0 ||
         count_where(ctx, STORE_SERVICE, rec->key, "ACTIVE", NULL, &services, err) < 0))
        return NULL;
    json_t *v = json_deep_copy(rec->doc);
    json_object_set_new(v, "registeredContainerInstancesCount", json_integer(instances));
    json_object_set_new(v, "runningTasksCount", json_integer(running));
    json_object_set_new(v, "pendingTasksCount", json_integer(pending));
    json_object_set_new(v, "activeServicesCount", json_integer(services));
    return v;
}

static int put_cluster(const model_ctx_t *ctx, const char *name, const char *status, store_record_t *rec,
                       ecs_error_t *err)
{
    cleanup_free char *arn = api_arn(ctx, "cluster", name);
    json_t *doc = json_pack("{s:s, s:s, s:s}", "clusterArn", arn, "clusterName", name, "status", status);
    store_record_t r = {.key = (char *)name, .cluster = (char *)name, .status = (char *)status,
                        .num = ctx->now_ms, .doc = doc};
    int rc = store_put(ctx->txn, STORE_CLUSTER, ctx->scope, &r, err);
    if (rc == 0 && rec != NULL) {
        store_record_clear(rec);
        *rec = (store_record_t){.key = strdup(name), .status = strdup(status), .doc = doc};
        return 0;
    }
    json_decref(doc);
    return rc;
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
    int found = store_get(ctx->txn, STORE_CLUSTER, ctx->scope, name, &rec, err);
    if (found < 0)
        return -1;
    /* An ACTIVE cluster is returned as it is; an INACTIVE one comes back. */
    if ((found == 0 || strcmp(rec.status, "ACTIVE") != 0) && put_cluster(ctx, name, "ACTIVE", &rec, err) < 0) {
        store_record_clear(&rec);
        return -1;
    }
    json_t *view = cluster_view(ctx, &rec, err);
    store_record_clear(&rec);
    if (view == NULL)
        return -1;
    *out = json_pack("{s:o}", "cluster", view);
    return 0;
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
         put_cluster(ctx, name, "INACTIVE", &rec, err) < 0)) {
        store_record_clear(&rec);
        return -1;
    }
    json_t *view = cluster_view(ctx, &rec, err);
    store_record_clear(&rec);
    if (view == NULL)
        return -1;
    *out = json_pack("{s:o}", "cluster", view);
    return 0;
}

/* One item of DescribeClusters: appended to clusters, or to failures. */
static int describe_one(const model_ctx_t *ctx, const char *item, json_t *clusters, json_t *failures,
                        ecs_error_t *err)
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
    json_t *view = cluster_view(ctx, &rec, err);
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
    if (n == 0) {
        if (describe_one(ctx, "default", clusters, failures, err) < 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *item = json_string_value(json_array_get(items, i));
        if (item == NULL)
            return ecs_err(err, 400, "SerializationException", "clusters[%zu] must be a string.", i);
        if (describe_one(ctx, item, clusters, failures, err) < 0)
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
