/* op_service_revisions.c - DescribeServiceRevisions and
 * StopServiceDeployment (the revisions and deployments a service keeps:
 * model/service_revision.h, model/service_deployment.h), ListServices'
 * filters and ListServicesByNamespace. */
#include <stdio.h>
#include <string.h>

#include "api/ops.h"
#include "api/paging.h"
#include "common/cleanup.h"
#include "model/params.h"
#include "model/service.h"
#include "model/service_deployment.h"
#include "model/service_revision.h"

#define DESCRIBE_MAX 20

/* The service an ARN of type (service-revision, service-deployment)
 * belongs to; 1 loaded, 0 none. */
static int load_owner(model_ctx_t *ctx, const char *arn, const char *type, store_record_t *svc, ecs_error_t *err)
{
    char cluster[API_NAME_MAX + 1], service[API_NAME_MAX + 1], key[SERVICE_KEY_MAX + 1];
    if (!service_sub_arn_parse(ctx, arn, type, cluster, service, sizeof cluster))
        return 0;
    service_key(key, cluster, service);
    return store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, svc, err);
}

int op_describe_service_revisions(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *arns = json_object_get(in, "serviceRevisionArns");
    size_t n = json_array_size(arns);
    if (n == 0)
        return ecs_invalid_param(err, "serviceRevisionArns can not be empty.");
    if (n > DESCRIBE_MAX)
        return ecs_invalid_param(err, "serviceRevisionArns can have at most 20 items.");
    cleanup_json json_t *list = json_array();
    cleanup_json json_t *failures = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *arn = json_string_value(json_array_get(arns, i));
        store_record_t svc = {0};
        int found = load_owner(ctx, arn, "service-revision", &svc, err);
        const json_t *rev = found > 0 ? service_revision_find(svc.doc, arn) : NULL;
        json_t *view = rev != NULL ? service_revision_view(ctx, rev, err) : NULL;
        store_record_clear(&svc);
        if (found < 0 || (rev != NULL && view == NULL))
            return -1;
        if (view != NULL)
            json_array_append_new(list, view);
        else
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn ? arn : "", "reason", "MISSING"));
    }
    *out = json_pack("{s:O, s:O}", "serviceRevisions", list, "failures", failures);
    return 0;
}

int op_stop_service_deployment(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *arn = param_str(in, "serviceDeploymentArn");
    const char *type = param_str(in, "stopType");
    store_record_t svc = {0};
    int rc = -1;
    int found = load_owner(ctx, arn, "service-deployment", &svc, err);
    if (found < 0)
        goto done;
    json_t *entry = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(found > 0 ? (json_t *)service_deployment_history(svc.doc) : NULL, i, e) {
        const char *a = json_string_value(json_object_get(e, "serviceDeploymentArn"));
        if (a != NULL && arn != NULL && strcmp(a, arn) == 0)
            entry = e;
    }
    if (entry == NULL || strcmp(svc.status ? svc.status : "", "ACTIVE") != 0) {
        ecs_err(err, 400, "ServiceDeploymentNotFoundException", "The service deployment %.300s does not exist.",
                arn ? arn : "");
        goto done;
    }
    /* ROLLBACK unless told otherwise: the one stop type the docs name */
    if (service_deployment_request_stop(ctx, svc.doc, entry, type ? type : "ROLLBACK", err) < 0 ||
        service_put(ctx, &svc, err) < 0)
        goto done;
    ctx->fx.sched_wake = true;
    *out = json_pack("{s:s}", "serviceDeploymentArn", arn);
    rc = 0;
done:
    store_record_clear(&svc);
    return rc;
}

typedef struct list_filter {
    const char *launch_type, *scheduling, *management;
    const char *ns;
} list_filter_t;

static bool str_eq(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static bool keep_service(const store_record_t *row, const void *arg)
{
    const list_filter_t *f = arg;
    const json_t *doc = row->doc;
    const json_t *mgmt = json_object_get(doc, "resourceManagementType");
    if (f->launch_type != NULL && !str_eq(json_object_get(doc, "launchType"), f->launch_type))
        return false; /* a service of a capacity provider strategy has no launchType */
    if (f->scheduling != NULL && !str_eq(json_object_get(doc, "schedulingStrategy"), f->scheduling))
        return false;
    if (f->management != NULL && !(mgmt ? str_eq(mgmt, f->management) : strcmp(f->management, "CUSTOMER") == 0))
        return false;
    if (f->ns != NULL) {
        const json_t *sc = json_object_get(json_object_get(json_object_get(doc, "_ecsd"), "deploy"),
                                           "serviceConnectConfiguration");
        if (!str_eq(json_object_get(sc, "namespace"), f->ns))
            return false;
    }
    return true;
}

int service_list_filtered(model_ctx_t *ctx, json_t *in, const char *cluster, json_t **out, ecs_error_t *err)
{
    list_filter_t f = {.launch_type = param_str(in, "launchType"), .scheduling = param_str(in, "schedulingStrategy"),
                       .management = param_str(in, "resourceManagementType")};
    store_query_t q = {.kind = STORE_SERVICE, .account = ctx->scope, .cluster = cluster, .status = "ACTIVE",
                       .order = STORE_ORDER_KEY};
    return api_page_list_where_doc(ctx, in, &q, "serviceArns", "serviceArn", keep_service, &f, out, err);
}

int op_list_services_by_namespace(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *ns = param_str(in, "namespace");
    if (ns == NULL || ns[0] == '\0')
        return ecs_invalid_param(err, "namespace can not be blank.");
    /* every cluster's ACTIVE services whose Service Connect names it;
     * ecsd has no Cloud Map, so an unknown namespace lists nothing */
    list_filter_t f = {.ns = ns};
    store_query_t q = {.kind = STORE_SERVICE, .account = ctx->scope, .status = "ACTIVE", .order = STORE_ORDER_KEY};
    return api_page_list_where_doc(ctx, in, &q, "serviceArns", "serviceArn", keep_service, &f, out, err);
}
