/* ssm_util.c - what Parameter Store's handlers share: names, ARNs and
 * selectors, the Parameter shape, timestamps, length checks. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/secrets_api.h"
#include "common/cleanup.h"

json_t *sec_time(int64_t ms)
{
    return json_real((double)ms / 1000.0);
}

int sec_len(const json_t *in, const char *member, size_t min, size_t max, bool required, const char *exception,
            ecs_error_t *err)
{
    const json_t *v = json_object_get(in, member);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return ecs_err(err, 400, exception,
                           "1 validation error detected: Value null at '%s' failed to satisfy "
                           "constraint: Member must not be null",
                           member);
        return 0;
    }
    size_t n = json_string_length(v);
    if (n < min)
        return ecs_err(err, 400, exception,
                       "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have "
                       "length greater than or equal to %zu",
                       member, min);
    if (n > max)
        return ecs_err(err, 400, exception,
                       "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must have "
                       "length less than or equal to %zu",
                       member, max);
    return 0;
}

void ssm_param_arn(const sec_ctx_t *ctx, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:ssm:%s:%s:parameter%s%s", ctx->region, ctx->account, name[0] == '/' ? "" : "/", name);
}

static bool exists(sec_ctx_t *ctx, const char *name)
{
    json_t *doc = NULL;
    int rc = secrets_doc_get(ctx->store, ctx->scope, SECRETS_PARAM, name, &doc, NULL);
    json_decref(doc);
    return rc == 0;
}

int ssm_param_name(const sec_ctx_t *cctx, const char *given, char *name, size_t cap, char *sel, size_t sel_cap,
                   ecs_error_t *err)
{
    sec_ctx_t *ctx = (sec_ctx_t *)cctx; /* reads the store only */
    sel[0] = '\0';
    const char *body = given;
    bool arn = strncmp(given, "arn:", 4) == 0;
    if (arn) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "arn:aws:ssm:%s:%s:parameter/", ctx->region, ctx->account);
        if (strncmp(given, prefix, strlen(prefix)) != 0) {
            if (strncmp(given, "arn:aws:ssm:", 12) == 0 && strstr(given, ":parameter/") != NULL)
                return ecs_err(err, 400, "ParameterNotFound", "Parameter %.300s not found.", given);
            return ecs_err(err, 400, "ValidationException", "Invalid parameter ARN: %.300s", given);
        }
        body = given + strlen(prefix) - 1; /* keeps the slash */
    }
    const char *colon = strchr(body, ':');
    size_t n = colon ? (size_t)(colon - body) : strlen(body);
    if (colon != NULL)
        snprintf(sel, sel_cap, "%s", colon + 1);
    if (n == 0 || n >= cap)
        return ecs_err(err, 400, "ValidationException", "Invalid parameter name: %.300s", given);
    memcpy(name, body, n);
    name[n] = '\0';
    /* An ARN's parameter/NAME names "NAME" or "/NAME": the one that exists. */
    if (arn && strchr(name + 1, '/') == NULL && !exists(ctx, name) && exists(ctx, name + 1))
        memmove(name, name + 1, n);
    return 0;
}

const json_t *ssm_param_version(const json_t *doc, const char *sel)
{
    const json_t *vers = json_object_get(doc, "Versions");
    size_t n = json_array_size(vers);
    if (n == 0)
        return NULL;
    if (sel == NULL || sel[0] == '\0')
        return json_array_get(vers, n - 1);
    char *end = NULL;
    long long want = strtoll(sel, &end, 10);
    size_t i;
    const json_t *v;
    json_array_foreach(vers, i, v)
    {
        if (end != sel && *end == '\0') {
            if (json_integer_value(json_object_get(v, "Version")) == want)
                return v;
            continue;
        }
        size_t j;
        const json_t *label;
        json_array_foreach(json_object_get(v, "Labels"), j,
                           label) if (strcmp(json_string_value(label), sel) == 0) return v;
    }
    return NULL;
}

int ssm_param_shape(sec_ctx_t *ctx, const char *name, const json_t *ver, bool decrypt, const char *selector,
                    json_t **out, ecs_error_t *err)
{
    const char *type = json_string_value(json_object_get(ver, "Type"));
    bool secure = type != NULL && strcmp(type, "SecureString") == 0;
    char version[24];
    snprintf(version, sizeof version, "%lld", (long long)json_integer_value(json_object_get(ver, "Version")));
    cleanup_free char *value = NULL;
    size_t n = 0;
    int rc = secrets_val_get(ctx->store, ctx->scope, SECRETS_PARAM, name, version, !secure || decrypt, &value, &n, err);
    if (rc != 0)
        return rc < 0 ? -1 : ecs_err(err, 500, "InternalServerError", "The value of %.300s is lost.", name);
    cleanup_free char *shown = NULL;
    if (secure && !decrypt) { /* the ciphertext, base64, as SSM shows a KMS blob */
        shown = malloc(4 * ((n + 2) / 3) + 1);
        if (shown == NULL)
            return ecs_err(err, 500, "InternalServerError", "Out of memory.");
        EVP_EncodeBlock((unsigned char *)shown, (const unsigned char *)value, (int)n);
    }
    char arn[2200];
    ssm_param_arn(ctx, name, arn, sizeof arn);
    json_t *p = json_pack("{s:s, s:s, s:s%, s:O, s:o, s:s, s:O}", "Name", name, "Type", type ? type : "String", "Value",
                          shown ? shown : value, shown ? strlen(shown) : n, "Version", json_object_get(ver, "Version"),
                          "LastModifiedDate", sec_time(json_integer_value(json_object_get(ver, "LastModifiedDate"))),
                          "ARN", arn, "DataType", json_object_get(ver, "DataType"));
    if (p == NULL)
        return ecs_err(err, 500, "InternalServerError", "Out of memory.");
    if (selector != NULL && selector[0] != '\0') {
        char s[300];
        snprintf(s, sizeof s, ":%s", selector);
        json_object_set_new(p, "Selector", json_string(s));
    }
    *out = p;
    return 0;
}
