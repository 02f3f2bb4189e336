/* op_capacity_providers.c - CreateCapacityProvider,
 * DescribeCapacityProviders, UpdateCapacityProvider,
 * DeleteCapacityProvider (model/capacity_provider.h): Auto Scaling group
 * providers kept as ECS keeps them, with no Auto Scaling behind them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/ops.h"
#include "api/paging.h"
#include "common/cleanup.h"
#include "model/capacity_provider.h"
#include "model/params.h"
#include "model/tags.h"

#define DESCRIBE_NAMES_MAX 100
#define DESCRIBE_PAGE_MAX 10

static const char NOT_FOUND[] = "The specified capacity provider does not exist. Specify a valid name or ARN and "
                                "try again.";

static bool name_valid(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    return len > 0 && len <= CP_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == len;
}

/* Auto Scaling group providers only: the members of the other kinds are
 * refused by name. */
static int refuse_managed(const json_t *in, ecs_error_t *err)
{
    const json_t *mi = json_object_get(in, "managedInstancesProvider");
    if (mi != NULL && !json_is_null(mi))
        return ecs_invalid_param(err, "managedInstancesProvider: Amazon ECS Managed Instances are not available on "
                                      "ecsd; create an Auto Scaling group capacity provider (autoScalingGroupProvider) "
                                      "and run `ecsd agent --capacity-provider NAME` on its hosts.");
    const char *cluster = param_str(in, "cluster");
    if (cluster != NULL)
        return ecs_invalid_param(err, "cluster: only Amazon ECS Managed Instances capacity providers belong to a "
                                      "cluster; an Auto Scaling group capacity provider is associated with clusters "
                                      "by PutClusterCapacityProviders.");
    return 0;
}

/* ClientException when another ACTIVE provider has the Auto Scaling group. */
static int check_asg_unused(model_ctx_t *ctx, const json_t *asg, ecs_error_t *err)
{
    const char *want = json_string_value(json_object_get(asg, "autoScalingGroupArn"));
    store_query_t q = {.kind = STORE_CAPACITY_PROVIDER, .account = ctx->scope, .status = "ACTIVE"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    bool used = false;
    for (size_t i = 0; i < n && !used; i++) {
        const char *have = json_string_value(
            json_object_get(json_object_get(rows[i].doc, "autoScalingGroupProvider"), "autoScalingGroupArn"));
        used = have != NULL && want != NULL && strcmp(have, want) == 0;
    }
    store_records_free(rows, n);
    if (used)
        return ecs_client_err(err, "The specified Auto Scaling group ARN is already being used by another capacity "
                                   "provider. Specify a unique Auto Scaling group ARN and try again.");
    return 0;
}

int op_create_capacity_provider(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = param_str(in, "name");
    if (!name_valid(name))
        return ecs_invalid_param(err, "name: up to 255 letters (uppercase and lowercase), numbers, underscores and "
                                      "hyphens are allowed.");
    if (strncasecmp(name, "aws", 3) == 0 || strncasecmp(name, "ecs", 3) == 0 || strncasecmp(name, "fargate", 7) == 0)
        return ecs_invalid_param(err, "name: the name of a capacity provider cannot begin with 'aws', 'ecs' or "
                                      "'fargate'.");
    if (refuse_managed(in, err) < 0)
        return -1;
    cleanup_json json_t *asg = NULL;
    if (cp_read_asg(json_object_get(in, "autoScalingGroupProvider"), NULL, &asg, err) < 0)
        return -1;
    store_record_t rec = {0};
    int rc = -1;
    int found = store_get(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, name, &rec, err);
    if (found < 0)
        goto done;
    /* a deleted (INACTIVE) provider's name can be used again */
    if (found > 0 && strcmp(rec.status, "ACTIVE") == 0) {
        ecs_client_err(err, "The specified capacity provider already exists. To change the configuration of an "
                            "existing capacity provider, update the capacity provider.");
        goto done;
    }
    if (check_asg_unused(ctx, asg, err) < 0)
        goto done;
    json_t *doc = json_pack("{s:o, s:s, s:s, s:O, s:s}", "capacityProviderArn",
                            api_arn_json(ctx, "capacity-provider", name), "name", name, "status", "ACTIVE",
                            "autoScalingGroupProvider", asg, "type", "EC2_AUTOSCALING");
    if (doc == NULL) {
        ecs_server_err(err, "out of memory");
        goto done;
    }
    if (tags_take(in, doc, true, err) < 0) {
        json_decref(doc);
        goto done;
    }
    store_record_clear(&rec);
    rec = (store_record_t){.key = strdup(name), .status = strdup("ACTIVE"), .num = ctx->now_ms, .doc = doc};
    if (store_put(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, &rec, err) < 0)
        goto done;
    *out = json_pack("{s:o}", "capacityProvider", cp_view(ctx, &rec, NULL, true));
    rc = 0;
done:
    store_record_clear(&rec);
    return rc;
}

/* The ACTIVE stored provider a name or ARN names, into rec; ClientException
 * when there is none, InvalidParameterException for AWS's own. */
static int load_active(model_ctx_t *ctx, const char *field, const char *given, const char *verb, store_record_t *rec,
                       ecs_error_t *err)
{
    char name[CP_NAME_MAX + 1];
    if (given == NULL)
        return ecs_invalid_param(err, "%s: the name or ARN of a capacity provider is required.", field);
    if (cp_name_from_param(field, given, name, err) < 0)
        return -1;
    if (cp_is_fargate(name))
        return ecs_invalid_param(err, "%s: %s is one of AWS's Fargate capacity providers, which cannot be %s.", field,
                                 name, verb);
    int found = store_get(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, name, rec, err);
    if (found < 0)
        return -1;
    if (found == 0 || strcmp(rec->status, "ACTIVE") != 0)
        return ecs_client_err(err, "%s", NOT_FOUND);
    return 0;
}

int op_update_capacity_provider(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    if (refuse_managed(in, err) < 0)
        return -1;
    store_record_t rec = {0};
    int rc = -1;
    cleanup_json json_t *asg = NULL;
    if (load_active(ctx, "name", param_str(in, "name"), "updated", &rec, err) < 0 ||
        cp_read_asg(json_object_get(in, "autoScalingGroupProvider"),
                    json_object_get(rec.doc, "autoScalingGroupProvider"), &asg, err) < 0)
        goto done;
    json_object_set(rec.doc, "autoScalingGroupProvider", asg);
    /* applied at once: nothing to wait for without Auto Scaling */
    json_object_set_new(rec.doc, "updateStatus", json_string("UPDATE_COMPLETE"));
    json_object_del(rec.doc, "updateStatusReason");
    if (store_put(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, &rec, err) < 0)
        goto done;
    *out = json_pack("{s:o}", "capacityProvider", cp_view(ctx, &rec, NULL, false));
    rc = 0;
done:
    store_record_clear(&rec);
    return rc;
}

/* The ACTIVE cluster the provider is associated with, into cluster (1), or 0. */
static int associated_cluster(model_ctx_t *ctx, const char *name, char **cluster, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_CLUSTER, .account = ctx->scope, .status = "ACTIVE", .order = STORE_ORDER_KEY};
    store_record_t *rows = NULL;
    size_t n = 0;
    *cluster = NULL;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n && *cluster == NULL; i++) {
        size_t j;
        json_t *p;
        json_array_foreach(json_object_get(rows[i].doc, "capacityProviders"), j, p)
            if (*cluster == NULL && json_is_string(p) && strcmp(json_string_value(p), name) == 0)
                *cluster = strdup(rows[i].key);
    }
    store_records_free(rows, n);
    return *cluster != NULL;
}

int op_delete_capacity_provider(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    if (param_str(in, "cluster") != NULL)
        return ecs_invalid_param(err, "cluster: only Amazon ECS Managed Instances capacity providers belong to a "
                                      "cluster; an Auto Scaling group capacity provider is deleted without one.");
    store_record_t rec = {0};
    int rc = -1;
    cleanup_free char *cluster = NULL;
    if (load_active(ctx, "capacityProvider", param_str(in, "capacityProvider"), "deleted", &rec, err) < 0)
        goto done;
    int assoc = associated_cluster(ctx, rec.key, &cluster, err);
    if (assoc < 0)
        goto done;
    if (assoc > 0) {
        /* ECS's answer: not an error, the provider says why it stays */
        char why[512];
        snprintf(why, sizeof why, "The capacity provider cannot be deleted because it is associated with cluster: "
                                  "%.255s. Remove the capacity provider from the cluster and try again.", cluster);
        json_object_set_new(rec.doc, "updateStatus", json_string("DELETE_FAILED"));
        json_object_set_new(rec.doc, "updateStatusReason", json_string(why));
    } else {
        json_object_set_new(rec.doc, "status", json_string("INACTIVE"));
        json_object_set_new(rec.doc, "updateStatus", json_string("DELETE_COMPLETE"));
        json_object_del(rec.doc, "updateStatusReason");
        tags_put(rec.doc, NULL); /* deleted with it */
        free(rec.status);
        rec.status = strdup("INACTIVE");
    }
    if (store_put(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, &rec, err) < 0)
        goto done;
    *out = json_pack("{s:o}", "capacityProvider", cp_view(ctx, &rec, NULL, false));
    rc = 0;
done:
    store_record_clear(&rec);
    return rc;
}

/* DescribeCapacityProviders: the names asked for (or AWS's two and every
 * ACTIVE one), those of the cluster when one is named, a page of them. */
static int describe_names(model_ctx_t *ctx, const json_t *in, json_t *names, json_t *failures, ecs_error_t *err)
{
    const json_t *asked = json_object_get(in, "capacityProviders");
    if (json_array_size(asked) > DESCRIBE_NAMES_MAX)
        return ecs_invalid_param(err, "capacityProviders can have at most %d items.", DESCRIBE_NAMES_MAX);
    size_t i;
    json_t *v;
    if (json_array_size(asked) > 0) {
        json_array_foreach(asked, i, v) {
            char name[CP_NAME_MAX + 1], field[48];
            snprintf(field, sizeof field, "capacityProviders[%zu]", i);
            if (cp_name_from_param(field, json_string_value(v), name, err) < 0)
                return -1;
            store_record_t rec = {0};
            int found = cp_is_fargate(name) ? 1 : store_get(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, name, &rec, err);
            store_record_clear(&rec);
            if (found < 0)
                return -1;
            if (found > 0)
                json_array_append_new(names, json_string(name));
            else
                json_array_append_new(failures, json_pack("{s:o, s:s}", "arn",
                                                          api_arn_json(ctx, "capacity-provider", name), "reason",
                                                          "MISSING"));
        }
        return 0;
    }
    json_array_append_new(names, json_string("FARGATE"));
    json_array_append_new(names, json_string("FARGATE_SPOT"));
    store_query_t q = {.kind = STORE_CAPACITY_PROVIDER, .account = ctx->scope, .status = "ACTIVE",
                       .order = STORE_ORDER_KEY, .without_doc = true};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        json_array_append_new(names, json_string(rows[k].key));
    store_records_free(rows, n);
    return 0;
}

static bool list_has(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    return false;
}

int op_describe_capacity_providers(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    long long max = param_int(in, "maxResults", DESCRIBE_PAGE_MAX);
    if (max < 1 || max > DESCRIBE_PAGE_MAX)
        return ecs_invalid_param(err, "maxResults must be between 1 and %d.", DESCRIBE_PAGE_MAX);
    api_page_t page;
    if (api_page_read(in, (int)max, &page, err) < 0)
        return -1;
    int rc = -1;
    store_record_t cluster = {0};
    cleanup_json json_t *names = json_array();
    cleanup_json json_t *failures = json_array();
    cleanup_json json_t *providers = json_array();
    bool tags = tags_included(in);
    if (param_str(in, "cluster") != NULL && api_load_active_cluster(ctx, in, &cluster, err) < 0)
        goto done;
    if (describe_names(ctx, in, names, failures, err) < 0)
        goto done;
    /* the page: the index of its first name is the token's number */
    size_t from = page.has_after ? (size_t)(page.after.num > 0 ? page.after.num : 0) : 0, shown = 0, i;
    json_t *v;
    json_array_foreach(names, i, v) {
        const char *name = json_string_value(v);
        if (i < from || (cluster.doc != NULL && !list_has(json_object_get(cluster.doc, "capacityProviders"), name)))
            continue;
        if (shown == (size_t)page.max_results) {
            store_cursor_t c = {.num = (int64_t)i, .text = "cp"};
            cleanup_free char *token = api_page_token_encode(&c);
            *out = json_pack("{s:O, s:O, s:s}", "capacityProviders", providers, "failures", failures, "nextToken",
                             token);
            rc = 0;
            goto done;
        }
        store_record_t rec = {0};
        json_t *view = NULL;
        if (cp_is_fargate(name)) {
            view = cp_view(ctx, NULL, name, tags);
        } else {
            int found = store_get(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, name, &rec, err);
            if (found < 0)
                goto done;
            view = found > 0 ? cp_view(ctx, &rec, NULL, tags) : NULL;
            store_record_clear(&rec);
        }
        if (view != NULL) {
            json_array_append_new(providers, view);
            shown++;
        }
    }
    *out = json_pack("{s:O, s:O}", "capacityProviders", providers, "failures", failures);
    rc = 0;
done:
    api_page_clear(&page);
    store_record_clear(&cluster);
    return rc;
}
