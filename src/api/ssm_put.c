/* ssm_put.c - PutParameter, DeleteParameter, DeleteParameters.
 *
 * A parameter is one document (store/secrets_store.h): its versions'
 * metadata oldest first, its tags; each version's value sealed apart
 * under its number. At most 100 versions are kept: the oldest goes, as
 * Parameter Store drops it. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/secrets_api.h"
#include "common/cleanup.h"

#define VERSIONS_MAX 100
#define LEVELS_MAX 15

static const char *str(const json_t *in, const char *m)
{
    return json_string_value(json_object_get(in, m));
}

/* Parameter Store's rules for a name to create. */
static int check_name(const char *name, ecs_error_t *err)
{
    size_t n = strlen(name), levels = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c) && c != '_' && c != '.' && c != '-' && c != '/')
            return ecs_err(err, 400, "ValidationException",
                           "Parameter name: can only include alphanumeric characters, periods, hyphens, "
                           "underscores and forward slashes; '%.300s' does not",
                           name);
        if (c == '/') {
            levels++;
            if (name[i + 1] == '/' || name[i + 1] == '\0')
                return ecs_err(err, 400, "ValidationException", "Parameter name is not valid: %.300s", name);
        }
    }
    if (strchr(name, '/') != NULL && name[0] != '/')
        return ecs_err(err, 400, "ValidationException", "Parameter name must be a fully qualified name: %.300s", name);
    const char *bare = name[0] == '/' ? name + 1 : name;
    if (strncasecmp(bare, "aws", 3) == 0 || strncasecmp(bare, "ssm", 3) == 0)
        return ecs_err(err, 400, "ValidationException",
                       "No access to reserved parameter name: %.300s. Parameter name: can't be prefixed with "
                       "\"aws\" or \"ssm\" (case-insensitive).",
                       name);
    if (levels > LEVELS_MAX)
        return ecs_err(err, 400, "HierarchyLevelLimitExceededException",
                       "A hierarchy can have a maximum of 15 levels: %.300s", name);
    return 0;
}

static int check_pattern(const char *pattern, const char *value, ecs_error_t *err)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return ecs_err(err, 400, "ValidationException", "AllowedPattern is not a valid regular expression: %.300s",
                       pattern);
    int rc = regexec(&re, value, 0, NULL, 0);
    regfree(&re);
    if (rc != 0)
        return ecs_err(err, 400, "ParameterPatternMismatchException",
                       "Parameter value, cannot be validated against allowedPattern: %.300s", pattern);
    return 0;
}

int ssm_op_put_parameter(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *given = str(in, "Name"), *value = str(in, "Value"), *type = str(in, "Type");
    const char *tier = str(in, "Tier"), *data_type = str(in, "DataType"), *key_id = str(in, "KeyId");
    bool overwrite = json_is_true(json_object_get(in, "Overwrite"));
    if (sec_len(in, "Name", 1, 2048, true, "ValidationException", err) < 0 ||
        sec_len(in, "Description", 0, 1024, false, "ValidationException", err) < 0 ||
        sec_len(in, "AllowedPattern", 0, 1024, false, "ValidationException", err) < 0 ||
        sec_len(in, "KeyId", 1, 256, false, "ValidationException", err) < 0 ||
        sec_len(in, "Value", 1, tier && strcmp(tier, "Standard") != 0 ? 8192 : 4096, true, "ValidationException", err) <
            0)
        return -1;
    char name[2100], sel[300];
    if (ssm_param_name(ctx, given, name, sizeof name, sel, sizeof sel, err) < 0)
        return -1;
    if (sel[0] != '\0' || check_name(name, err) < 0)
        return sel[0] != '\0'
                   ? ecs_err(err, 400, "ValidationException", "Parameter name: can't contain ':' (%.300s)", given)
                   : -1;
    if (data_type != NULL && strcmp(data_type, "text") != 0 && strcmp(data_type, "aws:ec2:image") != 0 &&
        strcmp(data_type, "aws:ssm:integration") != 0)
        return ecs_err(err, 400, "ValidationException",
                       "The following data type is not supported: %.100s (Data type names: text, aws:ec2:image "
                       "and aws:ssm:integration)",
                       data_type);
    if (overwrite && json_array_size(json_object_get(in, "Tags")) > 0)
        return ecs_err(err, 400, "ValidationException",
                       "Invalid request: tags and overwrite can't be used together. To create a parameter with "
                       "tags, please remove overwrite flag. To update tags for an existing parameter, please use "
                       "AddTagsToResource or RemoveTagsFromResource.");
    cleanup_json json_t *doc = NULL;
    int rc = secrets_doc_get(ctx->store, ctx->scope, SECRETS_PARAM, name, &doc, err);
    if (rc < 0)
        return -1;
    const json_t *last = rc == 0 ? ssm_param_version(doc, "") : NULL;
    if (last != NULL && !overwrite)
        return ecs_err(err, 400, "ParameterAlreadyExists",
                       "The parameter already exists. To overwrite this value, set the overwrite option in the "
                       "request to true.");
    if (type == NULL && last == NULL)
        return ecs_err(err, 400, "ValidationException", "A parameter type is required when you create a parameter.");
    if (type == NULL)
        type = str(last, "Type");
    bool secure = strcmp(type, "SecureString") == 0;
    if (key_id != NULL && !secure)
        return ecs_err(err, 400, "ValidationException", "KeyId is required for SecureString type parameter only.");
    const char *pattern = str(in, "AllowedPattern");
    if (pattern == NULL && last != NULL)
        pattern = str(last, "AllowedPattern");
    if (pattern != NULL && pattern[0] != '\0' && check_pattern(pattern, value, err) < 0)
        return -1;
    if (doc == NULL) {
        doc = json_pack("{s:[], s:[]}", "Versions", "Tags");
        if (doc != NULL && json_is_array(json_object_get(in, "Tags")))
            json_object_set(doc, "Tags", json_object_get(in, "Tags"));
    }
    if (doc == NULL)
        return ecs_err(err, 500, "InternalServerError", "Out of memory.");
    json_t *vers = json_object_get(doc, "Versions");
    json_int_t version = last ? json_integer_value(json_object_get(last, "Version")) + 1 : 1;
    const char *desc = str(in, "Description");
    if (desc == NULL && last != NULL)
        desc = str(last, "Description");
    if (tier == NULL || strcmp(tier, "Intelligent-Tiering") == 0)
        tier = last ? str(last, "Tier") : "Standard";
    char user[64]; /* no IAM here: the account's root stands for the caller */
    snprintf(user, sizeof user, "arn:aws:iam::%s:root", ctx->account);
    json_t *ver = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s}", "Version", version, "Type", type, "LastModifiedDate",
                            (json_int_t)ctx->now_ms, "Tier", tier ? tier : "Standard", "DataType",
                            data_type ? data_type
                            : last    ? str(last, "DataType")
                                      : "text",
                            "LastModifiedUser", user);
    if (ver == NULL)
        return ecs_err(err, 500, "InternalServerError", "Out of memory.");
    if (desc != NULL)
        json_object_set_new(ver, "Description", json_string(desc));
    if (pattern != NULL)
        json_object_set_new(ver, "AllowedPattern", json_string(pattern));
    if (secure)
        json_object_set_new(ver, "KeyId",
                            json_string(key_id                       ? key_id
                                        : last && str(last, "KeyId") ? str(last, "KeyId")
                                                                     : "alias/aws/ssm"));
    json_array_append_new(vers, ver);
    char vs[24];
    snprintf(vs, sizeof vs, "%lld", (long long)version);
    if (secrets_val_put(ctx->store, ctx->scope, SECRETS_PARAM, name, vs, value, strlen(value), err) < 0)
        return -1;
    while (json_array_size(vers) > VERSIONS_MAX) {
        snprintf(vs, sizeof vs, "%lld",
                 (long long)json_integer_value(json_object_get(json_array_get(vers, 0), "Version")));
        if (secrets_val_delete(ctx->store, ctx->scope, SECRETS_PARAM, name, vs, err) < 0)
            return -1;
        json_array_remove(vers, 0);
    }
    if (secrets_doc_put(ctx->store, ctx->scope, SECRETS_PARAM, name, doc, err) < 0)
        return -1;
    *out = json_pack("{s:I, s:s}", "Version", version, "Tier", tier ? tier : "Standard");
    return 0;
}

/* Deletes one; 1 when it does not exist. */
static int delete_one(sec_ctx_t *ctx, const char *given, ecs_error_t *err)
{
    char name[2100], sel[300];
    if (ssm_param_name(ctx, given, name, sizeof name, sel, sizeof sel, err) < 0)
        return strcmp(err->type, "ParameterNotFound") == 0 ? 1 : -1;
    if (sel[0] != '\0')
        return 1;
    cleanup_json json_t *doc = NULL;
    int rc = secrets_doc_get(ctx->store, ctx->scope, SECRETS_PARAM, name, &doc, err);
    if (rc != 0)
        return rc;
    return secrets_doc_delete(ctx->store, ctx->scope, SECRETS_PARAM, name, err);
}

int ssm_op_delete_parameter(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    (void)out;
    if (sec_len(in, "Name", 1, 2048, true, "ValidationException", err) < 0)
        return -1;
    int rc = delete_one(ctx, str(in, "Name"), err);
    if (rc == 1)
        return ecs_err(err, 400, "ParameterNotFound", "Parameter %.300s not found.", str(in, "Name"));
    return rc;
}

int ssm_op_delete_parameters(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *names = json_object_get(in, "Names");
    if (json_array_size(names) < 1 || json_array_size(names) > 10)
        return ecs_err(err, 400, "ValidationException",
                       "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must "
                       "have length less than or equal to 10 and greater than or equal to 1");
    cleanup_json json_t *deleted = json_array(), *invalid = json_array();
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n)
    {
        if (json_string_length(n) < 1 || json_string_length(n) > 2048)
            return ecs_err(err, 400, "ValidationException", "Names[%zu]: the length must be 1 to 2048", i);
        int rc = delete_one(ctx, json_string_value(n), err);
        if (rc < 0)
            return -1;
        json_array_append(rc == 0 ? deleted : invalid, (json_t *)n);
    }
    *out = json_pack("{s:O, s:O}", "DeletedParameters", deleted, "InvalidParameters", invalid);
    return 0;
}
