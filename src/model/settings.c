/* settings.c - see settings.h. */
#include "model/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define ARN_FORMATS_READ 1u /* ctx->arn_formats holds what was read */

#define ON_OFF {"enabled", "disabled", NULL}

/* In name order (ListAccountSettings answers in this order). The defaults
 * are those of an account of today: long ARNs on (mandatory since 2021),
 * tagging authorization on, Fargate retirement after 7 days, non-blocking
 * log delivery (since June 2025). */
static const setting_def_t defs[] = {
    {"awsvpcTrunking", ON_OFF, "disabled", 0},
    {"containerInsights", {"enabled", "disabled", "enhanced", NULL}, "disabled", 0},
    {"containerInstanceLongArnFormat", ON_OFF, "enabled", 0},
    {"defaultLogDriverMode", {"blocking", "non-blocking", NULL}, "non-blocking", 0},
    {"dualStackIPv6", ON_OFF, "disabled", 0},
    {"fargateEventWindows", ON_OFF, "disabled", 0},
    {"fargateFIPSMode", ON_OFF, "disabled", SETTING_DEFAULT_ONLY},
    {"fargateTaskRetirementWaitPeriod", {"0", "7", "14", NULL}, "7", SETTING_ROOT_ONLY},
    {"guardDutyActivate", ON_OFF, "disabled", SETTING_AWS_MANAGED},
    {"serviceLongArnFormat", ON_OFF, "enabled", 0},
    {"tagResourceAuthorization", {"on", "off", NULL}, "on", 0},
    {"taskLongArnFormat", ON_OFF, "enabled", 0},
};

#define N_DEFS (sizeof defs / sizeof defs[0])

const setting_def_t *settings_defs(size_t *n)
{
    *n = N_DEFS;
    return defs;
}

const setting_def_t *settings_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < N_DEFS; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

int settings_check_value(const setting_def_t *d, const char *value, ecs_error_t *err)
{
    char list[64] = "";
    size_t n = 0;
    for (size_t i = 0; d->values[i] != NULL; i++) {
        if (value != NULL && strcmp(d->values[i], value) == 0)
            return 0;
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", d->values[i]);
    }
    return ecs_invalid_param(err, "value: '%.64s' is not a valid value for %s; valid values are %s.",
                             value ? value : "", d->name, list);
}

void settings_root(const model_ctx_t *ctx, char out[SETTINGS_PRINCIPAL_MAX + 1])
{
    snprintf(out, SETTINGS_PRINCIPAL_MAX + 1, "arn:aws:iam::%s:root", ctx->account);
}

/* An IAM user or role name with its path: "/"-separated pieces of
 * [A-Za-z0-9+=,.@_-], the last one 1..64 characters. */
static bool iam_path_name(const char *s)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-/";
    size_t n = strlen(s);
    const char *last = strrchr(s, '/');
    size_t last_len = last ? strlen(last + 1) : n;
    return n > 0 && strspn(s, chars) == n && s[0] != '/' && last_len >= 1 && last_len <= 64 &&
           strstr(s, "//") == NULL;
}

int settings_principal(const model_ctx_t *ctx, const char *arn, char out[SETTINGS_PRINCIPAL_MAX + 1],
                       bool *is_root, ecs_error_t *err)
{
    char root[SETTINGS_PRINCIPAL_MAX + 1];
    settings_root(ctx, root);
    *is_root = arn == NULL || strcmp(arn, root) == 0;
    if (*is_root) {
        memcpy(out, root, strlen(root) + 1);
        return 0;
    }
    char prefix[64];
    int plen = snprintf(prefix, sizeof prefix, "arn:aws:iam::%s:", ctx->account);
    size_t len = strlen(arn);
    if (len > SETTINGS_PRINCIPAL_MAX || strncmp(arn, "arn:aws:iam::", 13) != 0)
        return ecs_invalid_param(err, "principalArn: '%.300s' is not the ARN of an IAM user, role or root.", arn);
    if (strncmp(arn, prefix, (size_t)plen) != 0)
        return ecs_invalid_param(err, "principalArn: '%.300s' is not a principal of account %s.", arn,
                                 ctx->account);
    const char *rest = arn + plen;
    if (!((strncmp(rest, "user/", 5) == 0 && iam_path_name(rest + 5)) ||
          (strncmp(rest, "role/", 5) == 0 && iam_path_name(rest + 5))))
        return ecs_invalid_param(err, "principalArn: '%.300s' is not the ARN of an IAM user, role or root.", arn);
    memcpy(out, arn, len + 1);
    return 0;
}

static void setting_key(char *out, size_t cap, const char *principal, const char *name)
{
    snprintf(out, cap, "%s#%s", principal, name);
}

static json_t *setting_json(const setting_def_t *d, const char *value, const char *principal)
{
    return json_pack("{s:s, s:s, s:s, s:s}", "name", d->name, "value", value, "principalArn", principal, "type",
                     (d->flags & SETTING_AWS_MANAGED) ? "aws_managed" : "user");
}

int settings_get(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, json_t **out,
                 ecs_error_t *err)
{
    char key[SETTINGS_PRINCIPAL_MAX + 64];
    setting_key(key, sizeof key, principal, d->name);
    store_record_t rec = {0};
    *out = NULL;
    int found = store_get(ctx->txn, STORE_SETTING, ctx->scope, key, &rec, err);
    if (found == 1)
        *out = setting_json(d, rec.status ? rec.status : d->def, principal);
    store_record_clear(&rec);
    return found;
}

int settings_list_own(const model_ctx_t *ctx, const char *principal, json_t **out, ecs_error_t *err)
{
    char prefix[SETTINGS_PRINCIPAL_MAX + 2];
    snprintf(prefix, sizeof prefix, "%s#", principal);
    store_query_t q = {.kind = STORE_SETTING, .account = ctx->scope, .key_prefix = prefix, .order = STORE_ORDER_KEY};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    *out = json_array();
    for (size_t i = 0; i < N_DEFS; i++) /* name order, whatever the key order */
        for (size_t j = 0; j < n; j++)
            if (rows[j].family != NULL && strcmp(rows[j].family, defs[i].name) == 0 && rows[j].status != NULL)
                json_array_append_new(*out, setting_json(&defs[i], rows[j].status, principal));
    store_records_free(rows, n);
    return 0;
}

int settings_put(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, const char *value,
                 json_t **out, ecs_error_t *err)
{
    char key[SETTINGS_PRINCIPAL_MAX + 64];
    setting_key(key, sizeof key, principal, d->name);
    json_t *doc = setting_json(d, value, principal);
    store_record_t rec = {.key = key, .family = (char *)d->name, .status = (char *)value, .num = ctx->now_ms,
                          .doc = doc};
    if (store_put(ctx->txn, STORE_SETTING, ctx->scope, &rec, err) < 0) {
        json_decref(doc);
        return -1;
    }
    *out = doc;
    return 0;
}

int settings_effective(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, json_t **out,
                       ecs_error_t *err)
{
    char root[SETTINGS_PRINCIPAL_MAX + 1];
    settings_root(ctx, root);
    int found = settings_get(ctx, principal, d, out, err);
    if (found == 0 && strcmp(principal, root) != 0)
        found = settings_get(ctx, root, d, out, err);
    if (found < 0)
        return -1;
    if (found == 0)
        *out = setting_json(d, d->def, root);
    return 0;
}

int settings_delete(const model_ctx_t *ctx, const char *principal, const setting_def_t *d, json_t **out,
                    ecs_error_t *err)
{
    int found = settings_get(ctx, principal, d, out, err);
    if (found < 0)
        return -1;
    if (found == 0) /* nothing to delete: answered as what applies, idempotently */
        return settings_effective(ctx, principal, d, out, err);
    char key[SETTINGS_PRINCIPAL_MAX + 64];
    setting_key(key, sizeof key, principal, d->name);
    if (store_delete(ctx->txn, STORE_SETTING, ctx->scope, key, err) < 0) {
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int settings_load_arn_formats(model_ctx_t *ctx, ecs_error_t *err)
{
    static const struct {
        const char *name;
        settings_arn_t bit;
    } arn_settings[] = {
        {"serviceLongArnFormat", SETTINGS_ARN_SERVICE},
        {"taskLongArnFormat", SETTINGS_ARN_TASK},
        {"containerInstanceLongArnFormat", SETTINGS_ARN_INSTANCE},
    };
    if (ctx->arn_formats & ARN_FORMATS_READ)
        return 0;
    char root[SETTINGS_PRINCIPAL_MAX + 1];
    settings_root(ctx, root);
    unsigned formats = ARN_FORMATS_READ;
    for (size_t i = 0; i < sizeof arn_settings / sizeof arn_settings[0]; i++) {
        cleanup_json json_t *s = NULL;
        if (settings_effective(ctx, root, settings_find(arn_settings[i].name), &s, err) < 0)
            return -1;
        const char *v = json_string_value(json_object_get(s, "value"));
        if (v != NULL && strcmp(v, "enabled") == 0)
            formats |= arn_settings[i].bit;
    }
    ctx->arn_formats = formats;
    return 0;
}

bool settings_long_arn(const model_ctx_t *ctx, settings_arn_t which)
{
    if (!(ctx->arn_formats & ARN_FORMATS_READ))
        return true;
    return (ctx->arn_formats & which) != 0;
}
