/* ssm_get.c - GetParameter, GetParameters, GetParametersByPath,
 * DescribeParameters. Listings read the scope's parameters in name order;
 * NextToken is the last name answered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/secrets_api.h"
#include "common/cleanup.h"

static const char *str(const json_t *in, const char *m)
{
    return json_string_value(json_object_get(in, m));
}

/* One parameter's Parameter shape, 1 when it (or the selected version)
 * does not exist; err then says which. */
static int get_one(sec_ctx_t *ctx, const char *given, bool decrypt, json_t **out, ecs_error_t *err)
{
    char name[2100], sel[300];
    if (ssm_param_name(ctx, given, name, sizeof name, sel, sizeof sel, err) < 0)
        return strcmp(err->type, "ParameterNotFound") == 0 ? 1 : -1;
    cleanup_json json_t *doc = NULL;
    int rc = secrets_doc_get(ctx->store, ctx->scope, SECRETS_PARAM, name, &doc, err);
    if (rc != 0) {
        if (rc > 0)
            ecs_err(err, 400, "ParameterNotFound", "Parameter %.300s not found.", given);
        return rc;
    }
    const json_t *ver = ssm_param_version(doc, sel);
    if (ver == NULL) {
        ecs_err(err, 400, "ParameterVersionNotFound",
                "Systems Manager could not find version %.100s of %.300s. Verify the version and try again.", sel,
                name);
        return 1;
    }
    return ssm_param_shape(ctx, name, ver, decrypt, sel, out, err);
}

int ssm_op_get_parameter(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    if (sec_len(in, "Name", 1, 2048, true, "ValidationException", err) < 0)
        return -1;
    json_t *p = NULL;
    int rc = get_one(ctx, str(in, "Name"), json_is_true(json_object_get(in, "WithDecryption")), &p, err);
    if (rc != 0)
        return -1;
    *out = json_pack("{s:o}", "Parameter", p);
    return 0;
}

int ssm_op_get_parameters(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *names = json_object_get(in, "Names");
    if (json_array_size(names) < 1 || json_array_size(names) > 10)
        return ecs_err(err, 400, "ValidationException",
                       "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must "
                       "have length less than or equal to 10 and greater than or equal to 1");
    bool decrypt = json_is_true(json_object_get(in, "WithDecryption"));
    cleanup_json json_t *found = json_array(), *invalid = json_array();
    size_t i;
    const json_t *n;
    json_array_foreach(names, i, n)
    {
        if (json_string_length(n) < 1 || json_string_length(n) > 2048)
            return ecs_err(err, 400, "ValidationException", "Names[%zu]: the length must be 1 to 2048", i);
        json_t *p = NULL;
        int rc = get_one(ctx, json_string_value(n), decrypt, &p, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            json_array_append_new(found, p);
        else
            json_array_append(invalid, (json_t *)n);
    }
    *out = json_pack("{s:O, s:O}", "Parameters", found, "InvalidParameters", invalid);
    return 0;
}

/* Whether name lies under path (normalised, no trailing slash but "/"):
 * directly, or at any depth when recursive. */
static bool under(const char *name, const char *path, bool recursive)
{
    const char *rest;
    if (strcmp(path, "/") == 0) {
        rest = name[0] == '/' ? name + 1 : name;
    } else {
        size_t n = strlen(path);
        if (strncmp(name, path, n) != 0 || name[n] != '/')
            return false;
        rest = name + n + 1;
    }
    return recursive || strchr(rest, '/') == NULL;
}

/* A ParameterFilters entry (or an old Filters one, opt NULL) against a
 * parameter's latest version; -1 with err for a key not served. */
static int filter_match(const json_t *f, bool old, const char *name, const json_t *ver, ecs_error_t *err)
{
    const char *key = str(f, "Key"), *opt = old ? NULL : str(f, "Option");
    const json_t *values = json_object_get(f, "Values");
    const char *field = NULL;
    if (strcmp(key, "Name") == 0)
        field = name;
    else if (strcmp(key, "Type") == 0 || strcmp(key, "KeyId") == 0 || strcmp(key, "Tier") == 0 ||
             strcmp(key, "DataType") == 0)
        field = str(ver, key);
    else if (strcmp(key, "Path") == 0 && !old) {
        bool recursive = opt != NULL && strcmp(opt, "Recursive") == 0;
        size_t i;
        const json_t *v;
        json_array_foreach(values, i, v)
        {
            char path[2100];
            snprintf(path, sizeof path, "%s", json_string_value(v));
            size_t n = strlen(path);
            while (n > 1 && path[n - 1] == '/')
                path[--n] = '\0';
            if (under(name, path, recursive))
                return 1;
        }
        return 0;
    } else {
        return ecs_err(err, 400, "InvalidFilterKey",
                       "The filter key %.100s is not served by ecsd's Parameter "
                       "Store (Name, Type, KeyId, Path, Tier, DataType are).",
                       key);
    }
    if (opt == NULL)
        opt = old && strcmp(key, "Name") == 0 ? "BeginsWith" : "Equals";
    size_t i;
    const json_t *v;
    json_array_foreach(values, i, v)
    {
        const char *want = json_string_value(v);
        if (field == NULL || want == NULL)
            continue;
        if ((strcmp(opt, "Equals") == 0 && strcmp(field, want) == 0) ||
            (strcmp(opt, "BeginsWith") == 0 && strncmp(field, want, strlen(want)) == 0) ||
            (strcmp(opt, "Contains") == 0 && strstr(field, want) != NULL))
            return 1;
    }
    return 0;
}

static int filters_match(const json_t *in, const char *name, const json_t *ver, ecs_error_t *err)
{
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(in, "ParameterFilters"), i, f)
    {
        int m = filter_match(f, false, name, ver, err);
        if (m <= 0)
            return m;
    }
    json_array_foreach(json_object_get(in, "Filters"), i, f)
    {
        int m = filter_match(f, true, name, ver, err);
        if (m <= 0)
            return m;
    }
    return 1;
}

static int max_results(const json_t *in, long max, long *out, ecs_error_t *err)
{
    const json_t *m = json_object_get(in, "MaxResults");
    *out = max;
    if (m == NULL)
        return 0;
    if (json_integer_value(m) < 1 || json_integer_value(m) > max)
        return ecs_err(err, 400, "ValidationException",
                       "1 validation error detected: Value '%lld' at 'maxResults' failed to satisfy constraint: "
                       "Member must have value less than or equal to %ld and greater than or equal to 1",
                       (long long)json_integer_value(m), max);
    *out = (long)json_integer_value(m);
    return 0;
}

/* The scope's parameters after NextToken that match; for each, add(). */
typedef int (*add_fn)(sec_ctx_t *ctx, const json_t *in, const char *name, const json_t *doc, json_t *list,
                      ecs_error_t *err);

static int listing(sec_ctx_t *ctx, const json_t *in, long max, add_fn add, json_t *list, json_t **next,
                   ecs_error_t *err)
{
    cleanup_json json_t *all = NULL;
    if (secrets_doc_list(ctx->store, ctx->scope, SECRETS_PARAM, &all, err) < 0)
        return -1;
    const char *token = str(in, "NextToken");
    size_t i;
    json_t *row;
    json_array_foreach(all, i, row)
    {
        const char *name = json_string_value(json_array_get(row, 0));
        if (token != NULL && strcmp(name, token) <= 0)
            continue;
        if ((long)json_array_size(list) == max) {
            *next = json_string(json_string_value(json_object_get(json_array_get(list, max - 1), "Name")));
            return 0;
        }
        if (add(ctx, in, name, json_array_get(row, 1), list, err) < 0)
            return -1;
    }
    return 0;
}

static int add_by_path(sec_ctx_t *ctx, const json_t *in, const char *name, const json_t *doc, json_t *list,
                       ecs_error_t *err)
{
    char path[2100];
    snprintf(path, sizeof path, "%s", str(in, "Path"));
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    const json_t *ver = ssm_param_version(doc, "");
    if (ver == NULL || !under(name, path, json_is_true(json_object_get(in, "Recursive"))))
        return 0;
    int m = filters_match(in, name, ver, err);
    if (m <= 0)
        return m;
    json_t *p = NULL;
    if (ssm_param_shape(ctx, name, ver, json_is_true(json_object_get(in, "WithDecryption")), NULL, &p, err) != 0)
        return -1;
    return json_array_append_new(list, p);
}

int ssm_op_get_parameters_by_path(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    long max;
    if (sec_len(in, "Path", 1, 2048, true, "ValidationException", err) < 0 || max_results(in, 10, &max, err) < 0)
        return -1;
    const char *path = str(in, "Path");
    if (path[0] != '/')
        return ecs_err(err, 400, "ValidationException",
                       "The parameter doesn't meet the parameter name requirements. The parameter name must begin "
                       "with a forward slash \"/\": %.300s",
                       path);
    size_t i;
    const json_t *f;
    json_array_foreach(json_object_get(in, "ParameterFilters"), i,
                       f) if (strcmp(str(f, "Key"), "Path") == 0 ||
                              strcmp(str(f, "Key"), "Name") ==
                                  0) return ecs_err(err, 400, "InvalidFilterKey",
                                                    "The filter key %s is not allowed in GetParametersByPath.",
                                                    str(f, "Key"));
    cleanup_json json_t *list = json_array(), *next = NULL;
    if (listing(ctx, in, max, add_by_path, list, &next, err) < 0)
        return -1;
    *out = json_pack("{s:O}", "Parameters", list);
    if (next != NULL)
        json_object_set(*out, "NextToken", next);
    return 0;
}

static int add_meta(sec_ctx_t *ctx, const json_t *in, const char *name, const json_t *doc, json_t *list,
                    ecs_error_t *err)
{
    const json_t *ver = ssm_param_version(doc, "");
    if (ver == NULL)
        return 0;
    int m = filters_match(in, name, ver, err);
    if (m <= 0)
        return m;
    char arn[2200];
    ssm_param_arn(ctx, name, arn, sizeof arn);
    json_t *p = json_pack("{s:s, s:s, s:O, s:O, s:o, s:O, s:O, s:O, s:[]}", "Name", name, "ARN", arn, "Type",
                          json_object_get(ver, "Type"), "Version", json_object_get(ver, "Version"), "LastModifiedDate",
                          sec_time(json_integer_value(json_object_get(ver, "LastModifiedDate"))), "LastModifiedUser",
                          json_object_get(ver, "LastModifiedUser"), "Tier", json_object_get(ver, "Tier"), "DataType",
                          json_object_get(ver, "DataType"), "Policies");
    if (p == NULL)
        return ecs_err(err, 500, "InternalServerError", "Out of memory.");
    static const char *const optional[] = {"Description", "AllowedPattern", "KeyId"};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
        if (json_object_get(ver, optional[i]) != NULL)
            json_object_set(p, optional[i], json_object_get(ver, optional[i]));
    return json_array_append_new(list, p);
}

int ssm_op_describe_parameters(sec_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    long max;
    if (max_results(in, 50, &max, err) < 0)
        return -1;
    if (json_array_size(json_object_get(in, "Filters")) > 0 &&
        json_array_size(json_object_get(in, "ParameterFilters")) > 0)
        return ecs_err(err, 400, "ValidationException",
                       "You can use either Filters or ParameterFilters in a single request.");
    cleanup_json json_t *list = json_array(), *next = NULL;
    if (listing(ctx, in, max, add_meta, list, &next, err) < 0)
        return -1;
    *out = json_pack("{s:O}", "Parameters", list);
    if (next != NULL)
        json_object_set(*out, "NextToken", next);
    return 0;
}
