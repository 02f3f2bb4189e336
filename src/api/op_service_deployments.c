/* op_service_deployments.c - ListServiceDeployments and
 * DescribeServiceDeployments: the service deployments a service keeps
 * (model/service_deployment.h), as the newest Terraform provider polls
 * them until SUCCESSFUL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "api/paging.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "model/params.h"
#include "model/service.h"
#include "model/service_deployment.h"

#define DESCRIBE_MAX 20
#define LIST_DEFAULT 20

static bool str_in(const json_t *list, const json_t *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
        if (json_equal(x, (json_t *)s))
            return true;
    return false;
}

/* A timestamp member (epoch seconds, as botocore sends them) in ms. */
static bool ts_ms(const json_t *v, int64_t *ms)
{
    if (json_is_number(v)) {
        *ms = (int64_t)(json_number_value(v) * 1000.0);
        return true;
    }
    return false;
}

static bool created_within(const json_t *entry, const json_t *range)
{
    int64_t at, before, after;
    if (!ts_ms(json_object_get(entry, "createdAt"), &at))
        return false;
    if (ts_ms(json_object_get(range, "before"), &before) && at > before)
        return false;
    if (ts_ms(json_object_get(range, "after"), &after) && at < after)
        return false;
    return true;
}

int op_list_service_deployments(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, rec = {0};
    api_page_t page = {0};
    char name[API_NAME_MAX + 1], key[SERVICE_KEY_MAX + 1];
    int rc = -1;
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0 || api_page_read(in, LIST_DEFAULT, &page, err) < 0)
        goto done;
    int foreign = service_name_from_param(ctx, "service", param_str(in, "service"), cluster.key, name, err);
    if (foreign < 0)
        goto done;
    service_key(key, cluster.key, name);
    int found = foreign ? 0 : store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &rec, err);
    if (found < 0)
        goto done;
    if (found == 0) {
        ecs_err(err, 400, "ServiceNotFoundException", "Service not found.");
        goto done;
    }
    const json_t *statuses = json_object_get(in, "status"), *range = json_object_get(in, "createdAt");
    int64_t skip = page.has_after ? page.after.num : 0, seen = 0;
    json_t *list = json_array();
    bool more = false;
    size_t i;
    json_t *e;
    json_array_foreach(service_deployment_history(rec.doc), i, e) { /* newest first */
        if ((json_array_size(statuses) > 0 && !str_in(statuses, json_object_get(e, "status"))) ||
            (range != NULL && !created_within(e, range)))
            continue;
        if (seen++ < skip)
            continue;
        if ((int)json_array_size(list) == page.max_results) {
            more = true;
            break;
        }
        json_array_append_new(list, service_deployment_brief(e));
    }
    *out = json_pack("{s:o}", "serviceDeployments", list);
    if (more) {
        store_cursor_t c = {.text = "", .num = skip + page.max_results};
        cleanup_free char *token = api_page_token_encode(&c);
        json_object_set_new(*out, "nextToken", json_string(token ? token : ""));
    }
    rc = 0;
done:
    api_page_clear(&page);
    store_record_clear(&cluster);
    store_record_clear(&rec);
    return rc;
}

/* The entry of arn in its service's history; 1 found (*svc loaded), 0 not. */
static int find_deployment(model_ctx_t *ctx, const char *arn, store_record_t *svc, const json_t **entry,
                           ecs_error_t *err)
{
    char cluster[API_NAME_MAX + 1], service[API_NAME_MAX + 1], key[SERVICE_KEY_MAX + 1];
    if (!service_deployment_arn_parse(ctx, arn, cluster, service, sizeof cluster))
        return 0;
    service_key(key, cluster, service);
    int found = store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, svc, err);
    if (found <= 0)
        return found;
    size_t i;
    json_t *e;
    json_array_foreach(service_deployment_history(svc->doc), i, e) {
        const char *a = json_string_value(json_object_get(e, "serviceDeploymentArn"));
        if (a != NULL && strcmp(a, arn) == 0) {
            *entry = e;
            return 1;
        }
    }
    return 0;
}

int op_describe_service_deployments(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *arns = json_object_get(in, "serviceDeploymentArns");
    size_t n = json_array_size(arns);
    if (n == 0)
        return ecs_invalid_param(err, "serviceDeploymentArns can not be empty.");
    if (n > DESCRIBE_MAX)
        return ecs_invalid_param(err, "serviceDeploymentArns can have at most 20 items.");
    cleanup_json json_t *list = json_array();
    cleanup_json json_t *failures = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *arn = json_string_value(json_array_get(arns, i));
        store_record_t svc = {0};
        const json_t *entry = NULL;
        int found = find_deployment(ctx, arn, &svc, &entry, err);
        json_t *view = found > 0 ? service_deployment_view(ctx, &svc, entry, err) : NULL;
        store_record_clear(&svc);
        if (found < 0 || (found > 0 && view == NULL))
            return -1;
        if (view != NULL)
            json_array_append_new(list, view);
        else
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn ? arn : "", "reason", "MISSING"));
    }
    *out = json_pack("{s:O, s:O}", "serviceDeployments", list, "failures", failures);
    return 0;
}
