/* service_revision.c - see service_revision.h. */
#include "model/service_revision.h"

#include <stdio.h>
#include <string.h>

#include "common/arn.h"
#include "common/clock.h"
#include "model/service.h"
#include "model/service_deployment.h"
#include "model/taskdef.h"

static json_t *revisions(json_t *doc)
{
    json_t *priv = service_private(doc), *r = json_object_get(priv, "revisions");
    if (!json_is_array(r)) {
        r = json_array();
        json_object_set_new(priv, "revisions", r);
    }
    return r;
}

void service_revision_record(const model_ctx_t *ctx, json_t *doc, const json_t *dep, const json_t *arn)
{
    if (!json_is_string(arn) || service_revision_find(doc, json_string_value(arn)) != NULL)
        return;
    json_t *rev = json_pack("{s:O, s:O, s:O, s:O, s:o, s:b}", "serviceRevisionArn", arn, "serviceArn",
                            json_object_get(doc, "serviceArn"), "clusterArn", json_object_get(doc, "clusterArn"),
                            "taskDefinition", json_object_get(dep, "taskDefinition"), "createdAt",
                            json_timestamp(ctx->now_ms), "guardDutyEnabled", 0);
    /* what the deployment carries (service_config_to_deployment), then the
     * service's own members of the revision */
    static const char *const from_dep[] = {"launchType", "capacityProviderStrategy", "platformVersion",
                                           "platformFamily", "networkConfiguration", "serviceConnectConfiguration",
                                           "volumeConfigurations", "vpcLatticeConfigurations"};
    static const char *const from_doc[] = {"loadBalancers", "serviceRegistries"};
    for (size_t i = 0; i < sizeof from_dep / sizeof from_dep[0]; i++) {
        json_t *v = json_object_get(dep, from_dep[i]);
        if (v != NULL)
            json_object_set_new(rev, from_dep[i], json_deep_copy(v));
    }
    for (size_t i = 0; i < sizeof from_doc / sizeof from_doc[0]; i++) {
        json_t *v = json_object_get(doc, from_doc[i]);
        if (v != NULL)
            json_object_set_new(rev, from_doc[i], json_deep_copy(v));
    }
    json_t *list = revisions(doc);
    json_array_insert_new(list, 0, rev);
    while (json_array_size(list) > SERVICE_DEPLOYMENTS_KEPT)
        json_array_remove(list, json_array_size(list) - 1);
}

const json_t *service_revision_find(const json_t *doc, const char *arn)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(json_object_get(doc, "_ecsd"), "revisions"), i, r) {
        const char *a = json_string_value(json_object_get(r, "serviceRevisionArn"));
        if (a != NULL && arn != NULL && strcmp(a, arn) == 0)
            return r;
    }
    return NULL;
}

json_t *service_revision_view(const model_ctx_t *ctx, const json_t *rev, ecs_error_t *err)
{
    json_t *v = json_deep_copy(rev);
    const char *td_arn = json_string_value(json_object_get(rev, "taskDefinition"));
    store_record_t td = {0};
    int found = taskdef_load(ctx, td_arn ? td_arn : "", &td, err);
    if (found < 0) {
        json_decref(v);
        return NULL;
    }
    json_t *images = json_array();
    size_t i;
    json_t *c;
    /* a deleted task definition: no images to tell */
    json_array_foreach(found > 0 ? json_object_get(td.doc, "containerDefinitions") : NULL, i, c)
        json_array_append_new(images, json_pack("{s:O?, s:O?}", "containerName", json_object_get(c, "name"), "image",
                                                json_object_get(c, "image")));
    json_object_set_new(v, "containerImages", images);
    store_record_clear(&td);
    return v;
}

bool service_sub_arn_parse(const model_ctx_t *ctx, const char *arn, const char *type, char *cluster, char *service,
                           size_t cap)
{
    arn_parts_t a;
    if (arn == NULL || !arn_is_arn(arn) || arn_parse(arn, &a) < 0 || !arn_part_eq(a.type, a.type_len, type) ||
        !arn_part_eq(a.region, a.region_len, ctx->region) || !arn_part_eq(a.account, a.account_len, ctx->account))
        return false;
    const char *p = a.path, *end = a.path + a.path_len;
    const char *s1 = memchr(p, '/', (size_t)(end - p));
    const char *s2 = s1 ? memchr(s1 + 1, '/', (size_t)(end - s1 - 1)) : NULL;
    if (s1 == NULL || s2 == NULL || s1 == p || s2 == s1 + 1 || s2 + 1 >= end || (size_t)(s1 - p) >= cap ||
        (size_t)(s2 - s1 - 1) >= cap)
        return false;
    snprintf(cluster, cap, "%.*s", (int)(s1 - p), p);
    snprintf(service, cap, "%.*s", (int)(s2 - s1 - 1), s1 + 1);
    return true;
}
