/* logs_groups.c - log groups: create, delete, describe, retention, tags. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/logs_api.h"
#include "common/cleanup.h"

#define TAGS_MAX 50

static const int retention_days[] = {1,   3,   5,   7,    14,   30,   60,   90,   120,  150,  180,
                                     365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

/* The tags of a request (a map of strings, the model checked it): keys
 * 1..128, values 0..256, no "aws:" keys, at most TAGS_MAX. */
static int check_tags(const json_t *tags, const char *member, const char *too_many, ecs_error_t *err)
{
    if (tags == NULL)
        return 0;
    if (json_object_size(tags) < 1)
        return ecs_invalid_param(err, "1 validation error detected: Value '{}' at '%s' failed to satisfy constraint: "
                                      "Member must have length greater than or equal to 1",
                                 member);
    if (json_object_size(tags) > TAGS_MAX)
        return ecs_err(err, 400, too_many, "A resource can have no more than %d tags.", TAGS_MAX);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)tags, k, v) {
        size_t kl = strlen(k);
        if (kl < 1 || kl > 128)
            return ecs_invalid_param(err, "Tag keys must be 1 to 128 characters long: '%.128s'.", k);
        if (strncmp(k, "aws:", 4) == 0)
            return ecs_invalid_param(err, "Tag keys starting with 'aws:' are reserved: '%.128s'.", k);
        if (json_string_length(v) > 256)
            return ecs_invalid_param(err, "Tag values must be at most 256 characters long (key '%.128s').", k);
    }
    return 0;
}

int logs_op_create_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL, *kms = json_string_value(json_object_get(in, "kmsKeyId"));
    const char *cls = json_string_value(json_object_get(in, "logGroupClass"));
    const json_t *tags = json_object_get(in, "tags");
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0 ||
        check_tags(json_is_null(tags) ? NULL : tags, "tags", "InvalidParameterException", err) < 0)
        return -1;
    if (kms != NULL && strlen(kms) > 256)
        return ecs_invalid_param(err, "1 validation error detected: Value at 'kmsKeyId' failed to satisfy "
                                      "constraint: Member must have length less than or equal to 256");
    logs_group_t g = {.created_ms = ctx->now_ms,
                      .deletion_protection = json_is_true(json_object_get(in, "deletionProtectionEnabled"))};
    snprintf(g.name, sizeof g.name, "%s", name);
    snprintf(g.kms_key, sizeof g.kms_key, "%s", kms ? kms : "");
    snprintf(g.group_class, sizeof g.group_class, "%s", cls ? cls : "STANDARD");
    cleanup_free char *tag_text = tags && json_is_object(tags) ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    g.tags = tag_text;
    int rc = logs_group_create(ctx->store, ctx->scope, &g, err);
    if (rc == LOGS_EXISTS)
        return ecs_err(err, 400, "ResourceAlreadyExistsException", "The specified log group already exists");
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_delete_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0)
        return -1;
    logs_group_t g;
    int found = logs_group_get(ctx->store, ctx->scope, name, &g, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_group(err);
    free(g.tags);
    if (g.deletion_protection)
        return ecs_err(err, 400, "ValidationException",
                       "Log group '%s' has deletion protection enabled: it cannot be deleted.", name);
    int rc = logs_group_delete(ctx->store, ctx->scope, name, err);
    if (rc == LOGS_NO_GROUP)
        return logs_no_group(err);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

static json_t *group_json(const logs_ctx_t *ctx, const logs_group_t *g)
{
    char arn[700], arn_bare[700];
    logs_group_arn(ctx, g->name, true, arn, sizeof arn);
    logs_group_arn(ctx, g->name, false, arn_bare, sizeof arn_bare);
    json_t *o = json_pack("{s:s, s:I, s:i, s:s, s:I, s:s, s:s, s:b}", "logGroupName", g->name, "creationTime",
                          (json_int_t)g->created_ms, "metricFilterCount", 0, "arn", arn, "storedBytes",
                          (json_int_t)g->stored_bytes, "logGroupClass", g->group_class, "logGroupArn", arn_bare,
                          "deletionProtectionEnabled", g->deletion_protection);
    if (o != NULL && g->retention_days > 0)
        json_object_set_new(o, "retentionInDays", json_integer(g->retention_days));
    if (o != NULL && g->kms_key[0] != '\0')
        json_object_set_new(o, "kmsKeyId", json_string(g->kms_key));
    return o;
}

#define GROUP_TOKEN "g1/"

int logs_op_describe_log_groups(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *prefix = NULL, *pattern = json_string_value(json_object_get(in, "logGroupNamePattern"));
    const char *token = json_string_value(json_object_get(in, "nextToken"));
    const char *cls = json_string_value(json_object_get(in, "logGroupClass"));
    const json_t *idents = json_object_get(in, "logGroupIdentifiers");
    long limit = 50;
    if (logs_param_group_name(in, "logGroupNamePrefix", false, &prefix, err) < 0 ||
        logs_param_int(in, "limit", 1, 50, 50, &limit, err) < 0)
        return -1;
    if (prefix != NULL && pattern != NULL)
        return ecs_invalid_param(err, "LogGroup name prefix and LogGroup name pattern are mutually exclusive "
                                      "parameters.");
    if (idents != NULL && !json_is_null(idents) && (prefix != NULL || pattern != NULL))
        return ecs_invalid_param(err, "logGroupIdentifiers cannot be given with logGroupNamePrefix or "
                                      "logGroupNamePattern.");
    if (token != NULL && strncmp(token, GROUP_TOKEN, strlen(GROUP_TOKEN)) != 0)
        return ecs_invalid_param(err, "The specified nextToken is invalid.");
    cleanup_json json_t *list = json_array();
    if (idents != NULL && json_is_array(idents)) { /* these groups, in the order given */
        size_t i;
        const json_t *id;
        json_array_foreach(idents, i, id) {
            char name[LOGS_NAME_MAX + 1];
            const char *s = json_string_value(id);
            if (strncmp(s, "arn:", 4) == 0) {
                if (logs_arn_group(ctx, s, name, err) < 0)
                    continue; /* another scope's, or not an ARN of a group: not shown */
            } else {
                snprintf(name, sizeof name, "%s", s);
            }
            logs_group_t g;
            int found = logs_group_get(ctx->store, ctx->scope, name, &g, err);
            if (found < 0)
                return -1;
            if (found == 1 && (cls == NULL || strcmp(cls, g.group_class) == 0))
                json_array_append_new(list, group_json(ctx, &g));
            if (found == 1)
                free(g.tags);
        }
        *out = json_pack("{s:O}", "logGroups", list);
        return 0;
    }
    logs_group_t *rows = NULL;
    size_t n = 0;
    if (logs_group_list(ctx->store, ctx->scope, prefix, pattern && pattern[0] ? pattern : NULL,
                        token ? token + strlen(GROUP_TOKEN) : NULL, (size_t)limit + 1, &rows, &n, err) < 0)
        return -1;
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    for (size_t i = 0; i < shown; i++)
        if (cls == NULL || strcmp(cls, rows[i].group_class) == 0)
            json_array_append_new(list, group_json(ctx, &rows[i]));
    *out = json_pack("{s:O}", "logGroups", list);
    if (n > shown) {
        char next[LOGS_NAME_MAX + 8];
        snprintf(next, sizeof next, GROUP_TOKEN "%s", rows[shown - 1].name);
        json_object_set_new(*out, "nextToken", json_string(next));
    }
    logs_groups_free(rows, n);
    return 0;
}

int logs_op_put_retention_policy(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0)
        return -1;
    json_int_t days = json_integer_value(json_object_get(in, "retentionInDays"));
    bool ok = false;
    for (size_t i = 0; i < sizeof retention_days / sizeof retention_days[0]; i++)
        ok = ok || retention_days[i] == days;
    if (!ok)
        return ecs_invalid_param(err, "1 validation error detected: Value '%lld' at 'retentionInDays' failed to "
                                      "satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, "
                                      "60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
                                      "3288, 3653]",
                                 (long long)days);
    int rc = logs_group_set_retention(ctx->store, ctx->scope, name, (int)days, err);
    if (rc == LOGS_NO_GROUP)
        return logs_no_group(err);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_delete_retention_policy(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0)
        return -1;
    int rc = logs_group_set_retention(ctx->store, ctx->scope, name, 0, err);
    if (rc == LOGS_NO_GROUP)
        return logs_no_group(err);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

/* ---- tags: by name (TagLogGroup, ...) or by ARN (TagResource, ...) ---- */

/* The group's tags, merged with `add` and without the keys of `remove`. */
static int change_tags(logs_ctx_t *ctx, const char *name, const json_t *add, const json_t *remove,
                       const char *too_many, ecs_error_t *err)
{
    logs_group_t g;
    int found = logs_group_get(ctx->store, ctx->scope, name, &g, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_group(err);
    cleanup_json json_t *tags = json_loads(g.tags, 0, NULL);
    free(g.tags);
    if (tags == NULL)
        tags = json_object();
    if (add != NULL)
        json_object_update(tags, (json_t *)add);
    size_t i;
    const json_t *k;
    json_array_foreach(remove, i, k) json_object_del(tags, json_string_value(k));
    if (json_object_size(tags) > TAGS_MAX)
        return ecs_err(err, 400, too_many, "A resource can have no more than %d tags.", TAGS_MAX);
    cleanup_free char *text = json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL)
        return ecs_server_err(err, "out of memory");
    int rc = logs_group_set_tags(ctx->store, ctx->scope, name, text, err);
    return rc == LOGS_NO_GROUP ? logs_no_group(err) : rc;
}

static int list_tags(logs_ctx_t *ctx, const char *name, json_t **out, ecs_error_t *err)
{
    logs_group_t g;
    int found = logs_group_get(ctx->store, ctx->scope, name, &g, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_group(err);
    json_t *tags = json_loads(g.tags, 0, NULL);
    free(g.tags);
    *out = json_pack("{s:o}", "tags", tags ? tags : json_object());
    return 0;
}

int logs_op_tag_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL;
    const json_t *tags = json_object_get(in, "tags");
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0 ||
        check_tags(tags, "tags", "InvalidParameterException", err) < 0 ||
        change_tags(ctx, name, tags, NULL, "InvalidParameterException", err) < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_untag_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL;
    const json_t *keys = json_object_get(in, "tags");
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0)
        return -1;
    if (json_array_size(keys) < 1)
        return ecs_invalid_param(err, "1 validation error detected: Value '[]' at 'tags' failed to satisfy "
                                      "constraint: Member must have length greater than or equal to 1");
    if (change_tags(ctx, name, NULL, keys, "InvalidParameterException", err) < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_list_tags_log_group(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &name, err) < 0)
        return -1;
    return list_tags(ctx, name, out, err);
}

/* The group of a resourceArn: only log groups carry tags in ecsd. */
static int arn_member(logs_ctx_t *ctx, const json_t *in, char name[LOGS_NAME_MAX + 1], ecs_error_t *err)
{
    const char *arn = json_string_value(json_object_get(in, "resourceArn"));
    if (arn == NULL || arn[0] == '\0')
        return ecs_invalid_param(err, "1 validation error detected: Value null at 'resourceArn' failed to satisfy "
                                      "constraint: Member must not be null");
    if (strncmp(arn, "arn:aws:logs:", 13) == 0 && strstr(arn, ":log-group:") == NULL)
        return ecs_err(err, 400, "ResourceNotFoundException", "The specified resource does not exist: '%.200s'.", arn);
    return logs_arn_group(ctx, arn, name, err);
}

int logs_op_tag_resource(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[LOGS_NAME_MAX + 1];
    const json_t *tags = json_object_get(in, "tags");
    if (arn_member(ctx, in, name, err) < 0 || check_tags(tags, "tags", "TooManyTagsException", err) < 0 ||
        change_tags(ctx, name, tags, NULL, "TooManyTagsException", err) < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_untag_resource(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[LOGS_NAME_MAX + 1];
    if (arn_member(ctx, in, name, err) < 0 ||
        change_tags(ctx, name, NULL, json_object_get(in, "tagKeys"), "TooManyTagsException", err) < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_list_tags_for_resource(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[LOGS_NAME_MAX + 1];
    if (arn_member(ctx, in, name, err) < 0)
        return -1;
    return list_tags(ctx, name, out, err);
}
