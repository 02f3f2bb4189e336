/* taskdef.c - finding task definitions: the references operations take
 * ("family", "family:revision", an ARN) and the revision each names
 * (model/taskdef.h). */
#include "model/taskdef.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/arn.h"
#include "model/params.h"

const char taskdef_describe_failed[] = "Unable to describe task definition.";

/* Splits a "family:revision" or task-definition ARN. *rev is 0 when value
 * names a family alone. -1 when it cannot name a task definition. */
int taskdef_parse_ref(const model_ctx_t *ctx, const char *value, char *family,
                             long long *rev, ecs_error_t *err)
{
    const char *ref = value;
    char buf[API_NAME_MAX + 32];
    if (arn_is_arn(value)) {
        arn_parts_t a;
        if (arn_parse(value, &a) < 0 || !arn_part_eq(a.type, a.type_len, "task-definition"))
            return ecs_invalid_param(err, "taskDefinition: '%.300s' is not a task-definition ARN.", value);
        if (!arn_part_eq(a.region, a.region_len, ctx->region) ||
            !arn_part_eq(a.account, a.account_len, ctx->account))
            return ecs_client_err(err, "%s", taskdef_describe_failed);
        if (a.path_len >= sizeof buf)
            return ecs_client_err(err, "%s", taskdef_describe_failed);
        memcpy(buf, a.path, a.path_len);
        buf[a.path_len] = '\0';
        ref = buf;
    }
    const char *colon = strchr(ref, ':');
    size_t flen = colon ? (size_t)(colon - ref) : strlen(ref);
    if (flen == 0 || flen > API_NAME_MAX)
        return ecs_client_err(err, "%s", taskdef_describe_failed);
    memcpy(family, ref, flen);
    family[flen] = '\0';
    *rev = 0;
    if (colon != NULL) {
        char *end;
        long long r = strtoll(colon + 1, &end, 10);
        if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || r < 1 || r > TASKDEF_REVISION_MAX)
            return ecs_client_err(err, "Invalid revision '%.40s' in task definition '%.300s'.", colon + 1,
                                  value);
        *rev = r;
    }
    return 0;
}

/* The revision value names: an explicit revision in any status, or a
 * family's latest ACTIVE one. 1 found, 0 not found, -1 error. */
int taskdef_load(const model_ctx_t *ctx, const char *value, store_record_t *rec, ecs_error_t *err)
{
    char family[API_NAME_MAX + 1];
    long long rev;
    if (taskdef_parse_ref(ctx, value, family, &rev, err) < 0)
        return -1;
    if (rev > 0) {
        char key[API_NAME_MAX + 32];
        snprintf(key, sizeof key, "%s:%lld", family, rev);
        return store_get(ctx->txn, STORE_TASKDEF, ctx->scope, key, rec, err);
    }
    store_query_t q = {.kind = STORE_TASKDEF, .account = ctx->scope, .family = family, .status = "ACTIVE",
                       .order = STORE_ORDER_FAMILY_NUM, .descending = true, .limit = 1};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    if (n == 1) {
        *rec = rows[0];
        rows[0] = (store_record_t){0};
    }
    store_records_free(rows, n);
    return n == 1;
}

int taskdef_load_for_run(const model_ctx_t *ctx, const char *value, store_record_t *rec, ecs_error_t *err)
{
    int found = taskdef_load(ctx, value, rec, err);
    if (found < 0) {
        /* a malformed reference names no task definition */
        if (strcmp(err->type, "ClientException") == 0)
            return ecs_client_err(err, "TaskDefinition not found.");
        return -1;
    }
    if (found == 0)
        return ecs_client_err(err, "TaskDefinition not found.");
    if (strcmp(rec->status, "ACTIVE") != 0) {
        store_record_clear(rec);
        return ecs_invalid_param(err, "TaskDefinition is inactive");
    }
    return 0;
}
