/* capacity_provider.c - see capacity_provider.h. */
#include "model/capacity_provider.h"

#include <stdio.h>
#include <string.h>

#include "common/arn.h"
#include "common/cleanup.h"
#include "model/params.h"
#include "model/tags.h"

bool cp_is_fargate(const char *name)
{
    return name != NULL && (strcmp(name, "FARGATE") == 0 || strcmp(name, "FARGATE_SPOT") == 0);
}

int cp_name_from_param(const char *field, const char *value, char name[CP_NAME_MAX + 1], ecs_error_t *err)
{
    const char *n = value ? value : "";
    if (arn_is_arn(n)) {
        const char *p = strstr(n, ":capacity-provider/");
        if (p == NULL)
            return ecs_invalid_param(err, "%s: '%.300s' is not the ARN of a capacity provider.", field, n);
        n = p + strlen(":capacity-provider/");
    }
    size_t len = strlen(n);
    if (len == 0 || len > CP_NAME_MAX)
        return ecs_invalid_param(err, "%s: the name of a capacity provider has 1 to 255 characters.", field);
    memcpy(name, n, len + 1);
    return 0;
}

int cp_usable(const model_ctx_t *ctx, const char *name, ecs_error_t *err)
{
    if (cp_is_fargate(name))
        return 1;
    store_record_t rec = {0};
    int found = store_get(ctx->txn, STORE_CAPACITY_PROVIDER, ctx->scope, name, &rec, err);
    int rc = found < 0 ? -1 : found > 0 && strcmp(rec.status, "ACTIVE") == 0;
    store_record_clear(&rec);
    return rc;
}

json_t *cp_view(const model_ctx_t *ctx, const store_record_t *rec, const char *name, bool tags)
{
    if (rec == NULL) {
        json_t *v = json_pack("{s:o, s:s, s:s, s:s}", "capacityProviderArn",
                              api_arn_json(ctx, "capacity-provider", name), "name", name, "status", "ACTIVE", "type",
                              name);
        if (v != NULL && tags)
            json_object_set_new(v, "tags", json_array()); /* AWS's own: never tagged */
        return v;
    }
    json_t *v = json_deep_copy(rec->doc);
    if (v != NULL)
        tags_view(v, rec->doc, tags, TAGS_HIDDEN_ABSENT);
    return v;
}

static bool is_switch(const json_t *v)
{
    const char *s = json_string_value(v);
    return s != NULL && (strcmp(s, "ENABLED") == 0 || strcmp(s, "DISABLED") == 0);
}

/* An integer member of managedScaling within lo..hi, or its current /
 * default value. */
static int scaling_int(const json_t *in, const json_t *cur, const char *key, json_int_t lo, json_int_t hi,
                       json_int_t def, json_t *out, ecs_error_t *err)
{
    const json_t *v = json_object_get(in, key);
    if (v == NULL || json_is_null(v))
        v = json_object_get(cur, key);
    json_int_t n = v != NULL ? json_integer_value(v) : def;
    if (v != NULL && (!json_is_integer(v) || n < lo || n > hi))
        return ecs_invalid_param(err, "autoScalingGroupProvider.managedScaling.%s must be between %lld and %lld.", key,
                                 (long long)lo, (long long)hi);
    json_object_set_new(out, key, json_integer(n));
    return 0;
}

static int read_scaling(const json_t *in, const json_t *cur, json_t **out, ecs_error_t *err)
{
    cleanup_json json_t *s = json_object();
    const json_t *status = json_object_get(in, "status");
    if (status == NULL || json_is_null(status))
        status = json_object_get(cur, "status");
    if (status != NULL && !is_switch(status))
        return ecs_invalid_param(err, "autoScalingGroupProvider.managedScaling.status must be ENABLED or DISABLED.");
    json_object_set_new(s, "status", status ? json_deep_copy(status) : json_string("DISABLED"));
    if (scaling_int(in, cur, "targetCapacity", 1, 100, 100, s, err) < 0 ||
        scaling_int(in, cur, "minimumScalingStepSize", 1, 10000, 1, s, err) < 0 ||
        scaling_int(in, cur, "maximumScalingStepSize", 1, 10000, 10000, s, err) < 0 ||
        scaling_int(in, cur, "instanceWarmupPeriod", 0, 10000, 300, s, err) < 0)
        return -1;
    if (json_integer_value(json_object_get(s, "minimumScalingStepSize")) >
        json_integer_value(json_object_get(s, "maximumScalingStepSize")))
        return ecs_invalid_param(err, "autoScalingGroupProvider.managedScaling: minimumScalingStepSize cannot be "
                                      "greater than maximumScalingStepSize.");
    *out = steal_pointer(&s);
    return 0;
}

int cp_read_asg(const json_t *asg, const json_t *current, json_t **out, ecs_error_t *err)
{
    *out = NULL;
    if (!json_is_object(asg))
        return ecs_invalid_param(err, "autoScalingGroupProvider: the Auto Scaling group of the capacity provider is "
                                      "required.");
    cleanup_json json_t *p = json_object();
    const json_t *arn = current != NULL ? json_object_get(current, "autoScalingGroupArn")
                                        : json_object_get(asg, "autoScalingGroupArn");
    if (json_string_length(arn) == 0 || json_string_length(arn) > 1600)
        return ecs_invalid_param(err, "autoScalingGroupProvider.autoScalingGroupArn: the ARN or name of an Auto "
                                      "Scaling group (1 to 1600 characters) is required.");
    json_object_set_new(p, "autoScalingGroupArn", json_deep_copy(arn));
    json_t *scaling = NULL;
    if (read_scaling(json_object_get(asg, "managedScaling"), json_object_get(current, "managedScaling"), &scaling,
                     err) < 0)
        return -1;
    json_object_set_new(p, "managedScaling", scaling);
    static const char *const switches[] = {"managedTerminationProtection", "managedDraining"};
    static const char *const defaults[] = {"DISABLED", "ENABLED"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_object_get(asg, switches[i]);
        if (v == NULL || json_is_null(v))
            v = json_object_get(current, switches[i]);
        if (v != NULL && !is_switch(v))
            return ecs_invalid_param(err, "autoScalingGroupProvider.%s must be ENABLED or DISABLED.", switches[i]);
        json_object_set_new(p, switches[i], v ? json_deep_copy(v) : json_string(defaults[i]));
    }
    if (strcmp(json_string_value(json_object_get(p, "managedTerminationProtection")), "ENABLED") == 0 &&
        strcmp(json_string_value(json_object_get(scaling, "status")), "ENABLED") != 0)
        return ecs_invalid_param(err, "The managed termination protection setting for the capacity provider is "
                                      "invalid. To enable managed termination protection for a capacity provider, "
                                      "managed scaling must also be enabled.");
    *out = steal_pointer(&p);
    return 0;
}

void cp_split(const int64_t *base, const int64_t *weight, size_t k, int64_t total, int64_t *out)
{
    int64_t left = total > 0 ? total : 0, wsum = 0;
    int64_t by_weight[CP_STRATEGY_MAX] = {0};
    if (k > CP_STRATEGY_MAX)
        k = CP_STRATEGY_MAX;
    for (size_t i = 0; i < k; i++) {
        int64_t b = base[i] < left ? base[i] : left;
        out[i] = b > 0 ? b : 0;
        left -= out[i];
        wsum += weight[i] > 0 ? weight[i] : 0;
    }
    while (left > 0 && k > 0) {
        size_t best = k;
        for (size_t i = 0; i < k; i++) {
            int64_t w = wsum > 0 ? weight[i] : 1;
            if (w <= 0)
                continue;
            /* the one whose next task leaves it least over its share:
             * (n_i + 1) / w_i smallest */
            if (best == k) {
                best = i;
                continue;
            }
            int64_t wb = wsum > 0 ? weight[best] : 1;
            if ((by_weight[i] + 1) * wb < (by_weight[best] + 1) * w)
                best = i;
        }
        if (best == k)
            break;
        by_weight[best]++;
        out[best]++;
        left--;
    }
}

void cp_plan(const json_t *strategy, const int64_t *have, int64_t want, int64_t *out)
{
    size_t k = json_array_size(strategy);
    if (k > CP_STRATEGY_MAX)
        k = CP_STRATEGY_MAX;
    int64_t base[CP_STRATEGY_MAX] = {0}, weight[CP_STRATEGY_MAX] = {0}, target[CP_STRATEGY_MAX] = {0}, total = want;
    for (size_t i = 0; i < k; i++) {
        const json_t *item = json_array_get(strategy, i);
        base[i] = json_integer_value(json_object_get(item, "base"));
        weight[i] = json_integer_value(json_object_get(item, "weight"));
        total += have[i];
        out[i] = 0;
    }
    cp_split(base, weight, k, total, target);
    /* each next task to the provider furthest below its target (ties to
     * the first), so that a shortfall shared by several is shared */
    for (int64_t left = want; left > 0; left--) {
        size_t best = 0;
        for (size_t i = 1; i < k; i++)
            if (target[i] - have[i] - out[i] > target[best] - have[best] - out[best])
                best = i;
        if (k > 0)
            out[best]++;
    }
}

int cp_strategy_check(const json_t *strategy, const char *field, ecs_error_t *err)
{
    size_t i, fargate = 0;
    json_t *item;
    json_array_foreach(strategy, i, item)
        fargate += cp_is_fargate(json_string_value(json_object_get(item, "capacityProvider")));
    if (fargate > 0 && fargate < json_array_size(strategy))
        return ecs_invalid_param(err, "%s: a capacity provider strategy cannot contain both Fargate capacity "
                                      "providers (FARGATE, FARGATE_SPOT) and Auto Scaling group capacity providers.",
                                 field);
    return 0;
}

static bool str_eq(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* Whether a service of the cluster that is not INACTIVE has name in its
 * strategy, or an unstopped task of the cluster came by it. */
int cp_in_use(const model_ctx_t *ctx, const char *cluster, const char *name, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_SERVICE, .account = ctx->scope, .cluster = cluster, .status_not = "INACTIVE"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    bool used = false;
    for (size_t i = 0; i < n && !used; i++) {
        size_t j;
        json_t *item;
        json_array_foreach(json_object_get(rows[i].doc, "capacityProviderStrategy"), j, item)
            used |= str_eq(json_object_get(item, "capacityProvider"), name);
    }
    store_records_free(rows, n);
    if (used)
        return 1;
    store_query_t t = {.kind = STORE_TASK, .account = ctx->scope, .cluster = cluster, .status_not = "STOPPED"};
    if (store_query(ctx->txn, &t, &rows, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n && !used; i++)
        used = str_eq(json_object_get(rows[i].doc, "capacityProviderName"), name);
    store_records_free(rows, n);
    return used;
}
