/* secrets_util.c - what Secrets Manager's handlers share: finding a
 * secret by name or ARN, its versions and their staging labels, the value
 * and version id of a request.
 *
 * A secret is one document (store/secrets_store.h): Name, ARN, dates
 * (ms), Description, KmsKeyId, Tags, DeletionDate when scheduled for
 * deletion, and Versions {id: {Stages, CreatedDate, Binary}} oldest
 * first; each version's value sealed apart under its id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/secrets_api.h"
#include "common/cleanup.h"
#include "common/ids.h"

#define VERSIONS_MAX 100

int sm_not_found(ecs_error_t *err)
{
    return ecs_err(err, 400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
}

static int load(sec_ctx_t *ctx, const char *name, json_t **doc, ecs_error_t *err)
{
    if (strlen(name) == 0 || strlen(name) > SM_NAME_MAX)
        return SECRETS_ABSENT;
    int rc = secrets_doc_get(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err);
    if (rc != 0)
        return rc;
    const json_t *when = json_object_get(*doc, "DeletionDate");
    if (when != NULL && json_integer_value(when) <= ctx->now_ms) { /* its recovery window is over */
        json_decref(*doc);
        *doc = NULL;
        return secrets_doc_delete(ctx->store, ctx->scope, SECRETS_SECRET, name, err) < 0 ? -1 : SECRETS_ABSENT;
    }
    return 0;
}

int sm_lookup(sec_ctx_t *ctx, const char *id, bool deleted_ok, char name[SM_NAME_MAX + 1], json_t **doc,
              ecs_error_t *err)
{
    *doc = NULL;
    int rc = SECRETS_ABSENT;
    if (strncmp(id, "arn:", 4) == 0) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "arn:aws:secretsmanager:%s:%s:secret:", ctx->region, ctx->account);
        if (strncmp(id, prefix, strlen(prefix)) != 0)
            return sm_not_found(err);
        const char *rest = id + strlen(prefix);
        size_t n = strlen(rest);
        if (n > 7 && n - 7 <= SM_NAME_MAX && rest[n - 7] == '-') { /* a full ARN */
            snprintf(name, SM_NAME_MAX + 1, "%.*s", (int)(n - 7), rest);
            rc = load(ctx, name, doc, err);
            if (rc == 0 && strcmp(json_string_value(json_object_get(*doc, "ARN")), id) != 0) {
                json_decref(*doc);
                *doc = NULL;
                rc = SECRETS_ABSENT;
            }
        }
        if (rc == SECRETS_ABSENT && n <= SM_NAME_MAX) { /* a partial ARN: no suffix */
            snprintf(name, SM_NAME_MAX + 1, "%s", rest);
            rc = load(ctx, name, doc, err);
        }
    } else if (strlen(id) <= SM_NAME_MAX) {
        snprintf(name, SM_NAME_MAX + 1, "%s", id);
        rc = load(ctx, name, doc, err);
    }
    if (rc != 0)
        return rc < 0 ? -1 : sm_not_found(err);
    if (!deleted_ok && json_object_get(*doc, "DeletionDate") != NULL) {
        json_decref(*doc);
        *doc = NULL;
        return ecs_err(err, 400, "InvalidRequestException",
                       "You can't perform this operation on the secret because it was marked for deletion.");
    }
    return 0;
}

static bool has_stage(const json_t *ver, const char *stage)
{
    size_t i;
    const json_t *s;
    json_array_foreach(json_object_get(ver, "Stages"), i, s) if (strcmp(json_string_value(s), stage) == 0) return true;
    return false;
}

static void drop_stage(json_t *ver, const char *stage)
{
    json_t *list = json_object_get(ver, "Stages");
    for (size_t i = 0; i < json_array_size(list);)
        if (strcmp(json_string_value(json_array_get(list, i)), stage) == 0)
            json_array_remove(list, i);
        else
            i++;
}

int sm_add_version(sec_ctx_t *ctx, const char *name, json_t *doc, const char *vid, const char *value, size_t n,
                   bool binary, const json_t *stages, ecs_error_t *err)
{
    json_t *vers = json_object_get(doc, "Versions");
    if (vers == NULL) {
        vers = json_object();
        json_object_set_new(doc, "Versions", vers);
    }
    if (json_object_get(vers, vid) != NULL) {
        cleanup_free char *old = NULL;
        size_t old_n = 0;
        if (secrets_val_get(ctx->store, ctx->scope, SECRETS_SECRET, name, vid, true, &old, &old_n, err) < 0)
            return -1;
        if (old != NULL && old_n == n && memcmp(old, value, n) == 0 &&
            json_is_true(json_object_get(json_object_get(vers, vid), "Binary")) == binary)
            return 1;
        return ecs_err(err, 400, "ResourceExistsException",
                       "You can't modify an existing version, you can only create a new version.");
    }
    cleanup_json json_t *want = stages ? json_deep_copy(stages) : json_pack("[s]", "AWSCURRENT");
    if (want == NULL)
        return ecs_err(err, 500, "InternalFailure", "Out of memory.");
    size_t i;
    json_t *s;
    json_array_foreach(want, i, s)
    {
        const char *stage = json_string_value(s);
        const char *id;
        json_t *ver, *old_current = NULL;
        json_object_foreach(vers, id, ver)
        {
            if (!has_stage(ver, stage))
                continue;
            drop_stage(ver, stage);
            if (strcmp(stage, "AWSCURRENT") == 0)
                old_current = ver;
        }
        if (old_current != NULL) {
            json_object_foreach(vers, id, ver) drop_stage(ver, "AWSPREVIOUS");
            json_array_append_new(json_object_get(old_current, "Stages"), json_string("AWSPREVIOUS"));
        }
    }
    json_object_set_new(
        vers, vid,
        json_pack("{s:O, s:I, s:b}", "Stages", want, "CreatedDate", (json_int_t)ctx->now_ms, "Binary", binary));
    if (secrets_val_put(ctx->store, ctx->scope, SECRETS_SECRET, name, vid, value, n, err) < 0)
        return -1;
    /* Versions without a label are deprecated; the oldest of them go. */
    void *tmp;
    const char *id;
    json_t *ver;
    json_object_foreach_safe(vers, tmp, id, ver)
    {
        if (json_object_size(vers) <= VERSIONS_MAX)
            break;
        if (json_array_size(json_object_get(ver, "Stages")) > 0)
            continue;
        if (secrets_val_delete(ctx->store, ctx->scope, SECRETS_SECRET, name, id, err) < 0)
            return -1;
        json_object_del(vers, id);
    }
    json_object_set_new(doc, "LastChangedDate", json_integer(ctx->now_ms));
    return 0;
}

static bool is_base64(const char *s, size_t n)
{
    if (n % 4 != 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool pad = c == '=' && i >= n - 2;
        if (!pad &&
            !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/'))
            return false;
    }
    return true;
}

int sm_value_of(const json_t *in, const char **value, size_t *n, bool *binary, ecs_error_t *err)
{
    const json_t *s = json_object_get(in, "SecretString"), *b = json_object_get(in, "SecretBinary");
    if (s != NULL && b != NULL)
        return ecs_err(err, 400, "InvalidParameterException",
                       "You can't specify both a binary secret value and a string secret value in the same secret.");
    const json_t *v = s ? s : b;
    if (v == NULL)
        return 1;
    *value = json_string_value(v);
    *n = json_string_length(v);
    *binary = b != NULL;
    if (*n < 1 || *n > (b ? 65536 * 4 / 3 + 4 : 65536))
        return ecs_err(err, 400, "InvalidParameterException", "%s must be 1 to 65536 bytes long.",
                       b ? "SecretBinary" : "SecretString");
    if (b != NULL && !is_base64(*value, *n))
        return ecs_err(err, 400, "InvalidParameterException", "SecretBinary must be base64 encoded.");
    return 0;
}

int sm_version_id(const json_t *in, char out[65], ecs_error_t *err)
{
    const json_t *t = json_object_get(in, "ClientRequestToken");
    if (t == NULL) {
        ids_uuid4(out);
        return 0;
    }
    size_t n = json_string_length(t);
    if (n < 32 || n > 64)
        return ecs_err(err, 400, "InvalidParameterException",
                       "ClientRequestToken must be 32 to 64 characters long (it becomes the VersionId).");
    snprintf(out, 65, "%s", json_string_value(t));
    return 0;
}

json_t *sm_version_stages(const json_t *doc)
{
    json_t *map = json_object();
    const char *id;
    json_t *ver;
    json_object_foreach(json_object_get(doc, "Versions"), id,
                        ver) if (json_array_size(json_object_get(ver, "Stages")) > 0)
        json_object_set(map, id, json_object_get(ver, "Stages"));
    return map;
}
