/* secrets_values.c - CreateSecret, GetSecretValue, PutSecretValue,
 * UpdateSecret: the secrets and their versions' values. */
#include <ctype.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "api/secrets_api.h"
#include "common/cleanup.h"

#define DAY_MS 86400000LL

static const char *str(const json_t *in, const char *m)
{
    return json_string_value(json_object_get(in, m));
}

static int check_name(const char *name, ecs_error_t *err)
{
    size_t n = strlen(name);
    if (n < 1 || n > SM_NAME_MAX)
        return ecs_err(err, 400, "InvalidParameterException", "Name must be 1 to 512 characters long.");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && strchr("/_+=.@-", c) == NULL)
            return ecs_err(err, 400, "InvalidParameterException",
                           "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
                           "following: /_+=.@-");
    }
    return 0;
}

static int check_text(const json_t *in, const char *member, size_t max, ecs_error_t *err)
{
    const json_t *v = json_object_get(in, member);
    if (v != NULL && json_string_length(v) > max)
        return ecs_err(err, 400, "InvalidParameterException", "%s must be at most %zu characters long.", member, max);
    return 0;
}

/* A new secret's ARN: its name and 6 random characters, as AWS does. */
static void make_arn(const sec_ctx_t *ctx, const char *name, char *out, size_t cap)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[6];
    char suffix[7];
    if (RAND_bytes(r, sizeof r) != 1)
        memset(r, 0, sizeof r);
    for (int i = 0; i < 6; i++)
        suffix[i] = abc[r[i] % (sizeof abc - 1)];
    suffix[6] = '\0';
    snprintf(out, cap, "arn:aws:secretsmanager:%s:%s:secret:%s-%s", ctx->region, ctx->account, name, suffix);
}

int secrets_op_create_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *name = str(in, "Name");
    const char *value = NULL;
    size_t n = 0;
    bool binary = false;
    char vid[65];
    if (check_name(name, err) < 0 || check_text(in, "Description", 2048, err) < 0 ||
        check_text(in, "KmsKeyId", 2048, err) < 0 || sm_version_id(in, vid, err) < 0)
        return -1;
    int has = sm_value_of(in, &value, &n, &binary, err);
    if (has < 0)
        return -1;
    if (json_array_size(json_object_get(in, "AddReplicaRegions")) > 0)
        return ecs_err(err, 400, "InvalidRequestException", "ecsd's Secrets Manager does not replicate secrets.");
    cleanup_json json_t *doc = NULL;
    int rc = secrets_doc_get(ctx->store, ctx->scope, SECRETS_SECRET, name, &doc, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        const json_t *when = json_object_get(doc, "DeletionDate");
        if (when == NULL || json_integer_value(when) > ctx->now_ms)
            return when ? ecs_err(err, 400, "InvalidRequestException",
                                  "You can't create this secret because a secret with this name is already "
                                  "scheduled for deletion.")
                        : ecs_err(err, 400, "ResourceExistsException",
                                  "The operation failed because the secret %.512s already exists.", name);
        if (secrets_doc_delete(ctx->store, ctx->scope, SECRETS_SECRET, name, err) < 0)
            return -1;
        json_decref(doc);
    }
    char arn[700];
    make_arn(ctx, name, arn, sizeof arn);
    doc = json_pack("{s:s, s:s, s:I, s:I, s:[], s:{}}", "Name", name, "ARN", arn, "CreatedDate",
                    (json_int_t)ctx->now_ms, "LastChangedDate", (json_int_t)ctx->now_ms, "Tags", "Versions");
    if (doc == NULL)
        return ecs_err(err, 500, "InternalFailure", "Out of memory.");
    if (json_is_array(json_object_get(in, "Tags")))
        json_object_set(doc, "Tags", json_object_get(in, "Tags"));
    if (str(in, "Description") != NULL)
        json_object_set(doc, "Description", json_object_get(in, "Description"));
    if (str(in, "KmsKeyId") != NULL)
        json_object_set(doc, "KmsKeyId", json_object_get(in, "KmsKeyId"));
    if (has == 0 && sm_add_version(ctx, name, doc, vid, value, n, binary, NULL, err) < 0)
        return -1;
    if (secrets_doc_put(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err) < 0)
        return -1;
    *out = json_pack("{s:s, s:s}", "ARN", arn, "Name", name);
    if (has == 0)
        json_object_set_new(*out, "VersionId", json_string(vid));
    return 0;
}

int secrets_op_get_secret_value(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char name[SM_NAME_MAX + 1];
    cleanup_json json_t *doc = NULL;
    if (sm_lookup(ctx, str(in, "SecretId"), false, name, &doc, err) < 0)
        return -1;
    const char *vid = str(in, "VersionId"), *stage = str(in, "VersionStage");
    json_t *vers = json_object_get(doc, "Versions");
    const char *found = NULL;
    const json_t *ver = NULL;
    if (vid != NULL) {
        ver = json_object_get(vers, vid);
        found = vid;
    } else {
        const char *id;
        json_t *v;
        json_object_foreach(vers, id, v)
        {
            size_t i;
            const json_t *s;
            json_array_foreach(json_object_get(v, "Stages"), i,
                               s) if (strcmp(json_string_value(s), stage ? stage : "AWSCURRENT") == 0)
            {
                ver = v;
                found = id;
            }
        }
    }
    bool stage_ok = ver != NULL && (stage == NULL || vid == NULL);
    if (ver != NULL && stage != NULL && vid != NULL) {
        size_t i;
        const json_t *s;
        json_array_foreach(json_object_get(ver, "Stages"), i, s) stage_ok |= strcmp(json_string_value(s), stage) == 0;
    }
    if (!stage_ok)
        return vid ? ecs_err(err, 400, "ResourceNotFoundException",
                             "Secrets Manager can't find the specified secret value for VersionId: %.64s", vid)
                   : ecs_err(err, 400, "ResourceNotFoundException",
                             "Secrets Manager can't find the specified secret value for staging label: %.256s",
                             stage ? stage : "AWSCURRENT");
    cleanup_free char *value = NULL;
    size_t n = 0;
    int rc = secrets_val_get(ctx->store, ctx->scope, SECRETS_SECRET, name, found, true, &value, &n, err);
    if (rc != 0)
        return rc < 0 ? -1 : ecs_err(err, 500, "InternalServiceError", "The value of %.512s is lost.", name);
    bool binary = json_is_true(json_object_get(ver, "Binary"));
    *out = json_pack("{s:O, s:s, s:s, s:s%, s:O, s:o}", "ARN", json_object_get(doc, "ARN"), "Name", name, "VersionId",
                     found, binary ? "SecretBinary" : "SecretString", value, n, "VersionStages",
                     json_object_get(ver, "Stages"), "CreatedDate",
                     sec_time(json_integer_value(json_object_get(ver, "CreatedDate"))));
    /* LastAccessedDate is a day, as AWS rounds it: written once a day, so a
     * read costs no commit (an fsync) the rest of the day. */
    json_int_t day = ctx->now_ms / DAY_MS * DAY_MS;
    if (json_integer_value(json_object_get(doc, "LastAccessedDate")) == day)
        return 0;
    json_object_set_new(doc, "LastAccessedDate", json_integer(day));
    return secrets_doc_put(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err);
}

static int check_stages(const json_t *stages, ecs_error_t *err)
{
    if (stages == NULL)
        return 0;
    if (json_array_size(stages) < 1 || json_array_size(stages) > 20)
        return ecs_err(err, 400, "InvalidParameterException", "VersionStages must hold 1 to 20 labels.");
    size_t i;
    const json_t *s;
    json_array_foreach(stages, i, s) if (json_string_length(s) < 1 || json_string_length(s) > 256) return ecs_err(
        err, 400, "InvalidParameterException", "VersionStages[%zu] must be 1 to 256 characters long.", i);
    return 0;
}

int secrets_op_put_secret_value(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *value = NULL;
    size_t n = 0;
    bool binary = false;
    char vid[65], name[SM_NAME_MAX + 1];
    const json_t *stages = json_object_get(in, "VersionStages");
    if (sm_version_id(in, vid, err) < 0 || check_stages(stages, err) < 0)
        return -1;
    int has = sm_value_of(in, &value, &n, &binary, err);
    if (has != 0)
        return has < 0 ? -1
                       : ecs_err(err, 400, "InvalidRequestException",
                                 "You must provide either SecretString or SecretBinary.");
    cleanup_json json_t *doc = NULL;
    if (sm_lookup(ctx, str(in, "SecretId"), false, name, &doc, err) < 0)
        return -1;
    int rc = sm_add_version(ctx, name, doc, vid, value, n, binary, stages, err);
    if (rc < 0 || (rc == 0 && secrets_doc_put(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err) < 0))
        return -1;
    *out =
        json_pack("{s:O, s:s, s:s, s:O}", "ARN", json_object_get(doc, "ARN"), "Name", name, "VersionId", vid,
                  "VersionStages", json_object_get(json_object_get(json_object_get(doc, "Versions"), vid), "Stages"));
    return 0;
}

int secrets_op_update_secret(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *value = NULL;
    size_t n = 0;
    bool binary = false;
    char vid[65], name[SM_NAME_MAX + 1];
    if (check_text(in, "Description", 2048, err) < 0 || check_text(in, "KmsKeyId", 2048, err) < 0 ||
        sm_version_id(in, vid, err) < 0)
        return -1;
    int has = sm_value_of(in, &value, &n, &binary, err);
    if (has < 0)
        return -1;
    cleanup_json json_t *doc = NULL;
    if (sm_lookup(ctx, str(in, "SecretId"), false, name, &doc, err) < 0)
        return -1;
    if (str(in, "Description") != NULL)
        json_object_set(doc, "Description", json_object_get(in, "Description"));
    if (str(in, "KmsKeyId") != NULL)
        json_object_set(doc, "KmsKeyId", json_object_get(in, "KmsKeyId"));
    json_object_set_new(doc, "LastChangedDate", json_integer(ctx->now_ms));
    if (has == 0 && sm_add_version(ctx, name, doc, vid, value, n, binary, NULL, err) < 0)
        return -1;
    if (secrets_doc_put(ctx->store, ctx->scope, SECRETS_SECRET, name, doc, err) < 0)
        return -1;
    *out = json_pack("{s:O, s:s}", "ARN", json_object_get(doc, "ARN"), "Name", name);
    if (has == 0)
        json_object_set_new(*out, "VersionId", json_string(vid));
    return 0;
}
