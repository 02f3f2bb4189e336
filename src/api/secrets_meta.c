/* secrets_meta.c - DescribeSecret, ListSecrets, DeleteSecret,
 * RestoreSecret: what Secrets Manager shows of a secret and its deletion
 * (a recovery window of 7..30 days, or at once without recovery). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/secrets_api.h"
#include "common/cleanup.h"

#define DAY_MS 86400000LL

static const char *str(const json_t *in, const char *m)
{
    return json_string_value(json_object_get(in, m));
}

/* DescribeSecret's answer, or a SecretListEntry (list: the stages member
 * is SecretVersionsToStages there). */
static json_t *shape(const json_t *doc, bool list)
{
    json_t *o = json_pack(
        "{s:O, s:O, s:o, s:o, s:O, s:o}", "ARN", json_object_get(doc, "ARN"), "Name", json_object_get(doc, "Name"),
        "CreatedDate", sec_time(json_integer_value(json_object_get(doc, "CreatedDate"))), "LastChangedDate",
        sec_time(json_integer_value(json_object_get(doc, "LastChangedDate"))), "Tags", json_object_get(doc, "Tags"),
        list ? "SecretVersionsToStages" : "VersionIdsToStages", sm_version_stages(doc));
    if (o == NULL)
        return NULL;
    if (json_object_get(doc, "Description") != NULL)
        json_object_set(o, "Description", json_object_get(doc, "Description"));
    if (json_object_get(doc, "KmsKeyId") != NULL)
        json_object_set(o, "KmsKeyId", json_object_get(doc, "KmsKeyId"));
    if (json_object_get(doc, "LastAccessedDate") != NULL)
        json_object_set_new(o, "LastAccessedDate",
                            sec_time(json_integer_value(json_object_get(doc, "LastAccessedDate"))));
    /* DeletedDate: when the secret is scheduled to go, as AWS documents it. */
    if (json_object_get(doc, "DeletionDate") != NULL)
        json_object_set_new(o, "DeletedDate", sec_time(json_integer_value(json_object_get(doc, "DeletionDate"))));
    return o;
}

int secrets_op_describe_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[SM_NAME_MAX + 1];
    cleanup_json json_t *doc = NULL;
    if (sm_lookup(ctx, str(in, "SecretId"), true, name, &doc, err) < 0)
        return -1;
    *out = shape(doc, false);
    return *out ? 0 : ecs_err(err, 500, "InternalServiceError", "Out of memory.");
}

/* A filter value against a field: prefix match (case-sensitive unless
 * nocase, as AWS's description and all filters), '!' negates. */
static bool prefix_match(const char *field, const char *want, bool nocase)
{
    bool neg = want[0] == '!';
    if (neg)
        want++;
    bool m =
        field != NULL && (nocase ? strncasecmp(field, want, strlen(want)) : strncmp(field, want, strlen(want))) == 0;
    return neg ? !m : m;
}

static int filter_match(const json_t *doc, const json_t *f, ecs_error_t *err)
{
    const char *key = str(f, "Key");
    static const char *const keys[] = {"description",    "name",           "tag-key", "tag-value",
                                       "primary-region", "owning-service", "all"};
    bool known = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        known |= key != NULL && strcmp(key, keys[i]) == 0;
    if (!known)
        return ecs_err(err, 400, "InvalidParameterException", "Invalid filter key: %.100s", key ? key : "(none)");
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(f, "Values"), i, v)
    {
        const char *want = json_string_value(v);
        bool all = strcmp(key, "all") == 0;
        if ((all || strcmp(key, "name") == 0) && prefix_match(str(doc, "Name"), want, all))
            return 1;
        if ((all || strcmp(key, "description") == 0) && prefix_match(str(doc, "Description"), want, true))
            return 1;
        size_t j;
        const json_t *t;
        json_array_foreach(json_object_get(doc, "Tags"), j, t)
        {
            if ((all || strcmp(key, "tag-key") == 0) && prefix_match(str(t, "Key"), want, all))
                return 1;
            if ((all || strcmp(key, "tag-value") == 0) && prefix_match(str(t, "Value"), want, all))
                return 1;
        }
        /* No replicas and no owning services here: only a negation matches. */
        if ((strcmp(key, "primary-region") == 0 || strcmp(key, "owning-service") == 0) && want[0] == '!')
            return 1;
    }
    return 0;
}

static int by_created(const void *a, const void *b)
{
    json_int_t x = json_integer_value(json_object_get(json_array_get(*(json_t *const *)a, 1), "CreatedDate"));
    json_int_t y = json_integer_value(json_object_get(json_array_get(*(json_t *const *)b, 1), "CreatedDate"));
    if (x != y)
        return x < y ? -1 : 1;
    /* the same millisecond: by name, so the order is stable across pages */
    return strcmp(json_string_value(json_array_get(*(json_t *const *)a, 0)),
                  json_string_value(json_array_get(*(json_t *const *)b, 0)));
}

int secrets_op_list_secrets(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *m = json_object_get(in, "MaxResults");
    long max = m ? (long)json_integer_value(m) : 100;
    if (max < 1 || max > 100)
        return ecs_err(err, 400, "InvalidParameterException", "MaxResults must be 1 to 100.");
    const char *token = str(in, "NextToken");
    char *end = NULL;
    long from = token ? strtol(token, &end, 10) : 0;
    if (token != NULL && (end == token || *end != '\0' || from < 0))
        return ecs_err(err, 400, "InvalidNextTokenException", "The NextToken value is not valid.");
    const char *order = str(in, "SortOrder");
    bool planned = json_is_true(json_object_get(in, "IncludePlannedDeletion"));
    cleanup_json json_t *all = NULL, *keep = json_array(), *list = json_array();
    if (secrets_doc_list(ctx->store, ctx->scope, SECRETS_SECRET, &all, err) < 0)
        return -1;
    size_t i;
    json_t *row;
    json_array_foreach(all, i, row)
    {
        const json_t *doc = json_array_get(row, 1);
        const json_t *when = json_object_get(doc, "DeletionDate");
        if (when != NULL && (json_integer_value(when) <= ctx->now_ms || !planned))
            continue;
        size_t j;
        const json_t *f;
        int ok = 1;
        json_array_foreach(json_object_get(in, "Filters"), j, f) if (ok == 1) ok = filter_match(doc, f, err);
        if (ok < 0)
            return -1;
        if (ok == 1)
            json_array_append(keep, row);
    }
    size_t n = json_array_size(keep);
    json_t **rows = n ? malloc(n * sizeof *rows) : NULL;
    for (i = 0; i < n && rows; i++)
        rows[i] = json_array_get(keep, i);
    if (rows != NULL && order != NULL)
        qsort(rows, n, sizeof *rows, by_created);
    for (i = (size_t)from; rows != NULL && i < n && (long)json_array_size(list) < max; i++) {
        size_t k = order != NULL && strcmp(order, "desc") == 0 ? n - 1 - i : i;
        json_array_append_new(list, shape(json_array_get(rows[k], 1), true));
    }
    free(rows);
    *out = json_pack("{s:O}", "SecretList", list);
    if (i < n) {
        char next[24];
        snprintf(next, sizeof next, "%zu", i);
        json_object_set_new(*out, "NextToken", json_string(next));
    }
    return 0;
}

int secrets_op_delete_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *window = json_object_get(in, "RecoveryWindowInDays");
    bool force = json_is_true(json_object_get(in, "ForceDeleteWithoutRecovery"));
    if (window != NULL && force)
        return ecs_err(err, 400, "InvalidParameterException",
                       "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    json_int_t days = window ? json_integer_value(window) : 30;
    if (days < 7 || days > 30)
        return ecs_err(err, 400, "InvalidParameterException",
                       "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    char name[SM_NAME_MAX + 1];
    cleanup_json json_t *doc = NULL;
    if (sm_lookup(ctx, str(in, "SecretId"), true, name, &doc, err) < 0)
        return -1;
    const json_t *when = json_object_get(doc, "DeletionDate");
    if (when != NULL && !force)
        return ecs_err(err, 400, "InvalidRequestException",
                       "You can't perform this operation on the secret because it was already scheduled for "
                       "deletion.");
    int64_t at = force ? ctx->now_ms : ctx->now_ms + (int64_t)days * DAY_MS;
    *out = json_pack("{s:O, s:s, s:o}", "ARN", json_object_get(doc, "ARN"), "Name", name, "DeletionDate", sec_time(at));
    if (force)
        return secrets_doc_delete(ctx->store, ctx->scope, SECRETS_SECRET, name, err);
    json_object_set_new(doc, "DeletionDate", json_integer(at));
    return secrets_doc_put(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err);
}

int secrets_op_restore_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[SM_NAME_MAX + 1];
    cleanup_json json_t *doc = NULL;
    if (sm_lookup(ctx, str(in, "SecretId"), true, name, &doc, err) < 0)
        return -1;
    json_object_del(doc, "DeletionDate");
    *out = json_pack("{s:O, s:s}", "ARN", json_object_get(doc, "ARN"), "Name", name);
    return secrets_doc_put(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err);
}
