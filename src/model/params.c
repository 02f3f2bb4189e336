#include "model/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arn.h"
#include "common/ids.h"

const char *param_str(const json_t *in, const char *name)
{
    return json_string_value(json_object_get(in, name));
}

long long param_int(const json_t *in, const char *name, long long def)
{
    json_t *v = json_object_get(in, name);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

bool api_name_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= API_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

char *api_arn(const model_ctx_t *ctx, const char *type, const char *path)
{
    return arn_build(ctx->region, ctx->account, type, path);
}

json_t *api_arn_json(const model_ctx_t *ctx, const char *type, const char *path)
{
    /* Listings make one per row: plain copies, no format parsing. */
    char buf[512];
    const char *parts[] = {"arn:aws:ecs:", ctx->region, ":", ctx->account, ":", type, "/", path};
    size_t n = 0;
    bool fits = true;
    for (size_t i = 0; fits && i < sizeof parts / sizeof parts[0]; i++) {
        size_t len = strlen(parts[i]);
        fits = n + len < sizeof buf;
        if (fits) {
            memcpy(buf + n, parts[i], len);
            n += len;
        }
    }
    if (fits)
        return json_stringn(buf, n);
    char *arn = api_arn(ctx, type, path);
    json_t *j = json_string(arn);
    free(arn);
    return j;
}

char *api_id_arn(const model_ctx_t *ctx, const char *type, const char *cluster, const char *id)
{
    if (!ids_is_hex32(id, strlen(id)))
        return api_arn(ctx, type, id);
    char path[API_NAME_MAX + IDS_HEX32_LEN + 2];
    snprintf(path, sizeof path, "%s/%s", cluster, id);
    return api_arn(ctx, type, path);
}

json_t *api_id_arn_json(const model_ctx_t *ctx, const char *type, const char *cluster, const char *id)
{
    if (!ids_is_hex32(id, strlen(id)))
        return api_arn_json(ctx, type, id);
    char path[API_NAME_MAX + IDS_HEX32_LEN + 2];
    snprintf(path, sizeof path, "%s/%s", cluster, id);
    return api_arn_json(ctx, type, path);
}

int api_resolve_name(const model_ctx_t *ctx, const char *field, const char *type, const char *value,
                     char name[API_NAME_MAX + 1], bool *foreign, ecs_error_t *err)
{
    const char *n = value;
    if (foreign != NULL)
        *foreign = false;
    size_t len = strlen(value);
    if (arn_is_arn(value)) {
        arn_parts_t a;
        if (arn_parse(value, &a) < 0 || !arn_part_eq(a.type, a.type_len, type))
            return ecs_invalid_param(err, "%s: '%.300s' is not a %s ARN.", field, value, type);
        /* Another region's or account's resource is nothing the caller
         * can see: "not found" where the caller can say so. */
        bool other_region = !arn_part_eq(a.region, a.region_len, ctx->region);
        bool other = other_region || !arn_part_eq(a.account, a.account_len, ctx->account);
        if (other && foreign == NULL)
            return other_region ? ecs_invalid_param(err, "%s: the ARN '%.300s' is not in region %s.", field, value,
                                                    ctx->region)
                                : ecs_invalid_param(err, "%s: the ARN '%.300s' is not of this account.", field, value);
        if (other)
            *foreign = true;
        n = a.path;
        len = a.path_len;
    }
    if (len == 0 || len > API_NAME_MAX)
        return ecs_invalid_param(err, "%s: '%.300s' is not a valid %s name.", field, value, type);
    memcpy(name, n, len);
    name[len] = '\0';
    return 0;
}

int api_load_active_cluster(const model_ctx_t *ctx, const json_t *in, store_record_t *rec,
                            ecs_error_t *err)
{
    const char *value = param_str(in, "cluster");
    char name[API_NAME_MAX + 1];
    bool foreign;
    if (api_resolve_name(ctx, "cluster", "cluster", value ? value : "default", name, &foreign, err) < 0)
        return -1;
    if (foreign)
        return ecs_err(err, 400, "ClusterNotFoundException", "Cluster not found.");
    int found = store_get(ctx->txn, STORE_CLUSTER, ctx->scope, name, rec, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return ecs_err(err, 400, "ClusterNotFoundException", "Cluster not found.");
    if (rec->status == NULL || strcmp(rec->status, "ACTIVE") != 0) {
        store_record_clear(rec);
        return ecs_err(err, 400, "ClusterNotFoundException", "The referenced cluster was inactive.");
    }
    return 0;
}
