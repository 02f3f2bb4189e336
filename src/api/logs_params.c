/* logs_params.c - the member checks botocore's tables leave to the
 * handler: lengths, patterns, ranges, the group a request names; with
 * CloudWatch's front end's words ("1 validation error detected: ..."). */
#include <stdio.h>
#include <string.h>

#include "api/logs_api.h"

#define SHOWN 100 /* characters of a bad value echoed back */

static int constraint(ecs_error_t *err, const char *value, const char *member, const char *rule)
{
    return ecs_invalid_param(err, "1 validation error detected: Value '%.*s%s' at '%s' failed to satisfy constraint: "
                                  "Member must %s",
                             SHOWN, value, strlen(value) > SHOWN ? "..." : "", member, rule);
}

static int string_member(const json_t *in, const char *member, bool required, const char **out, ecs_error_t *err)
{
    const json_t *v = json_object_get(in, member);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return required ? ecs_invalid_param(err, "1 validation error detected: Value null at '%s' failed to satisfy "
                                                 "constraint: Member must not be null",
                                            member)
                        : 0;
    *out = json_string_value(v); /* the model check made it a string */
    if (*out == NULL)
        return ecs_err(err, 400, "SerializationException", "Expected a string for '%s'.", member);
    if (strlen(*out) != json_string_length(v))
        return constraint(err, *out, member, "not contain a NUL character");
    return 0;
}

static bool group_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == '_' || c == '/' || c == '#';
}

int logs_param_group_name(const json_t *in, const char *member, bool required, const char **out, ecs_error_t *err)
{
    if (string_member(in, member, required, out, err) < 0 || *out == NULL)
        return *out == NULL && !required ? 0 : -1;
    size_t n = strlen(*out);
    if (n < 1 || n > LOGS_NAME_MAX)
        return constraint(err, *out, member, "have length less than or equal to 512 and greater than or equal to 1");
    for (size_t i = 0; i < n; i++)
        if (!group_char((*out)[i]))
            return constraint(err, *out, member, "satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+");
    return 0;
}

int logs_param_stream_name(const json_t *in, const char *member, bool required, const char **out, ecs_error_t *err)
{
    if (string_member(in, member, required, out, err) < 0 || *out == NULL)
        return *out == NULL && !required ? 0 : -1;
    size_t n = strlen(*out);
    if (n < 1 || n > LOGS_NAME_MAX)
        return constraint(err, *out, member, "have length less than or equal to 512 and greater than or equal to 1");
    if (strpbrk(*out, ":*") != NULL)
        return constraint(err, *out, member, "satisfy regular expression pattern: [^:*]*");
    return 0;
}

void logs_group_arn(const logs_ctx_t *ctx, const char *name, bool star, char *out, size_t cap)
{
    snprintf(out, cap, "arn:aws:logs:%s:%s:log-group:%s%s", ctx->region, ctx->account, name, star ? ":*" : "");
}

int logs_arn_group(const logs_ctx_t *ctx, const char *arn, char out[LOGS_NAME_MAX + 1], ecs_error_t *err)
{
    char head[128];
    int hl = snprintf(head, sizeof head, "arn:aws:logs:%s:%s:log-group:", ctx->region, ctx->account);
    if (strncmp(arn, "arn:", 4) == 0 && strncmp(arn, head, (size_t)hl) != 0) {
        if (strncmp(arn, "arn:aws:logs:", 13) == 0 && strstr(arn, ":log-group:") != NULL)
            return logs_no_group(err); /* another account's or region's: not visible here */
        return ecs_invalid_param(err, "Invalid log group ARN '%.200s'.", arn);
    }
    if (strncmp(arn, head, (size_t)hl) != 0)
        return ecs_invalid_param(err, "Invalid log group ARN '%.200s'.", arn);
    const char *name = arn + hl;
    size_t n = strlen(name);
    if (n >= 2 && strcmp(name + n - 2, ":*") == 0)
        n -= 2;
    if (n < 1 || n > LOGS_NAME_MAX || memchr(name, ':', n) != NULL)
        return ecs_invalid_param(err, "Invalid log group ARN '%.200s'.", arn);
    for (size_t i = 0; i < n; i++)
        if (!group_char(name[i]))
            return ecs_invalid_param(err, "Invalid log group ARN '%.200s'.", arn);
    memcpy(out, name, n);
    out[n] = '\0';
    return 0;
}

int logs_param_group_ref(const logs_ctx_t *ctx, const json_t *in, char out[LOGS_NAME_MAX + 1], ecs_error_t *err)
{
    const char *name = NULL, *ident = NULL;
    if (logs_param_group_name(in, "logGroupName", false, &name, err) < 0 ||
        string_member(in, "logGroupIdentifier", false, &ident, err) < 0)
        return -1;
    if (name != NULL && ident != NULL)
        return ecs_invalid_param(err, "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    if (name == NULL && ident == NULL)
        return ecs_invalid_param(err, "Should provide either a LogGroup name or a LogGroup ARN.");
    if (name != NULL) {
        snprintf(out, LOGS_NAME_MAX + 1, "%s", name);
        return 0;
    }
    if (strncmp(ident, "arn:", 4) == 0)
        return logs_arn_group(ctx, ident, out, err);
    if (logs_param_group_name(in, "logGroupIdentifier", true, &name, err) < 0)
        return -1;
    snprintf(out, LOGS_NAME_MAX + 1, "%s", name);
    return 0;
}

int logs_param_int(const json_t *in, const char *member, long min, long max, long def, long *out, ecs_error_t *err)
{
    const json_t *v = json_object_get(in, member);
    *out = def;
    if (v == NULL || json_is_null(v))
        return 0;
    json_int_t x = json_integer_value(v);
    if (x < min || x > max) {
        char text[32];
        snprintf(text, sizeof text, "%lld", (long long)x);
        char rule[96];
        snprintf(rule, sizeof rule, "have value %s %ld", x < min ? "greater than or equal to" : "less than or equal to",
                 x < min ? min : max);
        return constraint(err, text, member, rule);
    }
    *out = (long)x;
    return 0;
}

int logs_param_long(const json_t *in, const char *member, int64_t def, int64_t *out, ecs_error_t *err)
{
    const json_t *v = json_object_get(in, member);
    *out = def;
    if (v == NULL || json_is_null(v))
        return 0;
    json_int_t x = json_integer_value(v);
    if (x < 0) {
        char text[32];
        snprintf(text, sizeof text, "%lld", (long long)x);
        return constraint(err, text, member, "have value greater than or equal to 0");
    }
    *out = (int64_t)x;
    return 0;
}

int logs_no_group(ecs_error_t *err)
{
    return ecs_err(err, 400, "ResourceNotFoundException", "The specified log group does not exist.");
}

int logs_no_stream(ecs_error_t *err)
{
    return ecs_err(err, 400, "ResourceNotFoundException", "The specified log stream does not exist.");
}
