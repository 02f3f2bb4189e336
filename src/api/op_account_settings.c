/* op_account_settings.c - PutAccountSetting, PutAccountSettingDefault,
 * DeleteAccountSetting, ListAccountSettings. What settings exist, their
 * values, defaults and effect: model/settings.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "api/paging.h"
#include "common/cleanup.h"
#include "model/params.h"
#include "model/settings.h"

#define LIST_MAX 10 /* ListAccountSettings maxResults: 1..10, default 10 */

/* The setting a request names, which it may change (not an AWS-managed one). */
static int changeable(const json_t *in, const setting_def_t **d, ecs_error_t *err)
{
    const char *name = param_str(in, "name");
    *d = settings_find(name);
    if (*d == NULL)
        return ecs_invalid_param(err, "name: '%.100s' is not an account setting.", name ? name : "");
    if ((*d)->flags & SETTING_AWS_MANAGED)
        return ecs_invalid_param(err, "name: %s is managed by AWS (Amazon GuardDuty) and is read-only.", (*d)->name);
    return 0;
}

int op_put_account_setting(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const setting_def_t *d;
    char principal[SETTINGS_PRINCIPAL_MAX + 1];
    bool is_root;
    const char *value = param_str(in, "value");
    if (changeable(in, &d, err) < 0 || settings_check_value(d, value, err) < 0 ||
        settings_principal(ctx, param_str(in, "principalArn"), principal, &is_root, err) < 0)
        return -1;
    if (d->flags & SETTING_DEFAULT_ONLY)
        return ecs_invalid_param(err, "name: %s can only be changed with PutAccountSettingDefault.", d->name);
    if ((d->flags & SETTING_ROOT_ONLY) && !is_root)
        return ecs_invalid_param(err, "principalArn: %s can only be set for the root user of the account.", d->name);
    json_t *setting = NULL;
    if (settings_put(ctx, principal, d, value, &setting, err) < 0)
        return -1;
    *out = json_pack("{s:o}", "setting", setting);
    return 0;
}

int op_put_account_setting_default(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const setting_def_t *d;
    char root[SETTINGS_PRINCIPAL_MAX + 1];
    const char *value = param_str(in, "value");
    if (changeable(in, &d, err) < 0 || settings_check_value(d, value, err) < 0)
        return -1;
    settings_root(ctx, root);
    json_t *setting = NULL;
    if (settings_put(ctx, root, d, value, &setting, err) < 0)
        return -1;
    *out = json_pack("{s:o}", "setting", setting);
    return 0;
}

int op_delete_account_setting(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const setting_def_t *d;
    char principal[SETTINGS_PRINCIPAL_MAX + 1];
    bool is_root;
    if (changeable(in, &d, err) < 0 ||
        settings_principal(ctx, param_str(in, "principalArn"), principal, &is_root, err) < 0)
        return -1;
    json_t *setting = NULL;
    if (settings_delete(ctx, principal, d, &setting, err) < 0)
        return -1;
    *out = json_pack("{s:o}", "setting", setting);
    return 0;
}

/* The settings a listing is made of, before paging: the principal's own,
 * or with effectiveSettings what applies to it for every name. */
static int collect(const model_ctx_t *ctx, const char *principal, bool effective, json_t **all, ecs_error_t *err)
{
    if (!effective)
        return settings_list_own(ctx, principal, all, err);
    size_t n;
    const setting_def_t *defs = settings_defs(&n);
    *all = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *s = NULL;
        if (settings_effective(ctx, principal, &defs[i], &s, err) < 0) {
            json_decref(*all);
            *all = NULL;
            return -1;
        }
        json_array_append_new(*all, s);
    }
    return 0;
}

static bool wanted(const json_t *s, const char *name, const char *value)
{
    const char *n = json_string_value(json_object_get(s, "name"));
    const char *v = json_string_value(json_object_get(s, "value"));
    return (name == NULL || (n != NULL && strcmp(n, name) == 0)) &&
           (value == NULL || (v != NULL && strcmp(v, value) == 0));
}

int op_list_account_settings(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = param_str(in, "name"), *value = param_str(in, "value");
    if (value != NULL && name == NULL)
        return ecs_invalid_param(err, "value: an account setting name must be given to filter by value.");
    if (name != NULL && settings_find(name) == NULL)
        return ecs_invalid_param(err, "name: '%.100s' is not an account setting.", name);
    long long max = param_int(in, "maxResults", LIST_MAX);
    if (max < 1 || max > LIST_MAX)
        return ecs_invalid_param(err, "maxResults must be between 1 and 10.");
    store_cursor_t after = {0};
    const char *token = param_str(in, "nextToken");
    if (token != NULL && api_page_token_decode(token, &after) < 0)
        return ecs_invalid_param(err, "Invalid nextToken.");
    cleanup_free char *after_name = after.text; /* settings come in name order: the last name seen */
    char principal[SETTINGS_PRINCIPAL_MAX + 1];
    bool is_root;
    cleanup_json json_t *all = NULL;
    if (settings_principal(ctx, param_str(in, "principalArn"), principal, &is_root, err) < 0 ||
        collect(ctx, principal, json_is_true(json_object_get(in, "effectiveSettings")), &all, err) < 0)
        return -1;
    json_t *page = json_array();
    const char *last = NULL;
    bool more = false;
    size_t i;
    json_t *s;
    json_array_foreach(all, i, s) {
        const char *n = json_string_value(json_object_get(s, "name"));
        if (!wanted(s, name, value) || (after_name != NULL && strcmp(n, after_name) <= 0))
            continue;
        if ((long long)json_array_size(page) == max) {
            more = true;
            break;
        }
        json_array_append(page, s);
        last = n;
    }
    *out = json_pack("{s:o}", "settings", page);
    if (more) {
        store_cursor_t c = {.text = (char *)last};
        cleanup_free char *next = api_page_token_encode(&c);
        json_object_set_new(*out, "nextToken", json_string(next));
    }
    return 0;
}
