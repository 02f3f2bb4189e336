/* op_task_definitions.c - RegisterTaskDefinition, DeregisterTaskDefinition,
 * DescribeTaskDefinition, ListTaskDefinitions, ListTaskDefinitionFamilies,
 * DeleteTaskDefinitions (ecs-behavior.md §4.5-4.9, §5.7).
 *
 * Each family has a record (STORE_FAMILY) holding the last revision ever
 * registered and how many revisions are ACTIVE: revisions are never reused,
 * and the family listing can filter on ACTIVE/INACTIVE without scanning
 * revisions. Registration runs in a write transaction, so concurrent
 * registrations of one family get distinct, consecutive revisions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/ops.h"
#include "api/paging.h"
#include "model/params.h"
#include "model/settings.h"
#include "model/tags.h"
#include "model/taskdef.h"
#include "model/taskdef_validate.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "common/clock.h"

static int put_family(const model_ctx_t *ctx, const char *family, long long last, long long active,
                      ecs_error_t *err)
{
    store_record_t r = {.key = (char *)family, .family = (char *)family,
                        .status = active > 0 ? "ACTIVE" : "INACTIVE", .num = last,
                        .doc = json_pack("{s:I, s:I}", "lastRevision", last, "activeCount", active)};
    int rc = store_put(ctx->txn, STORE_FAMILY, ctx->scope, &r, err);
    json_decref(r.doc);
    return rc;
}

static int put_revision(const model_ctx_t *ctx, const char *family, long long rev, const char *status,
                        json_t *doc, ecs_error_t *err)
{
    char key[API_NAME_MAX + 32];
    snprintf(key, sizeof key, "%s:%lld", family, rev);
    store_record_t r = {.key = key, .family = (char *)family, .num = rev, .status = (char *)status,
                        .doc = doc};
    return store_put(ctx->txn, STORE_TASKDEF, ctx->scope, &r, err);
}

/* True when path is prefix itself or lies below it (whole components). */
static bool path_under(const char *path, const char *prefix, size_t plen)
{
    while (plen > 1 && prefix[plen - 1] == '/')
        plen--;
    return strncmp(path, prefix, plen) == 0 && (path[plen] == '\0' || path[plen] == '/' || plen == 1);
}

/* The operator may confine host volumes to some folders (--allowed-volume-prefixes). */
static int check_volume_paths(const char *prefixes, const json_t *td, ecs_error_t *err)
{
    if (prefixes == NULL || prefixes[0] == '\0')
        return 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(td, "volumes"), i, v) {
        const char *path = json_string_value(json_object_get(json_object_get(v, "host"), "sourcePath"));
        if (path == NULL || path[0] == '\0')
            continue; /* an agent-managed folder */
        bool ok = strstr(path, "/../") == NULL && (strlen(path) < 3 || strcmp(path + strlen(path) - 3, "/..") != 0);
        bool allowed = false;
        for (const char *p = prefixes; ok && !allowed && *p;) {
            size_t len = strcspn(p, ":");
            allowed = len > 0 && p[0] == '/' && path_under(path, p, len);
            p += len + (p[len] == ':');
        }
        if (!allowed)
            return ecs_client_err(err, "Invalid 'host' setting for volume '%s'. sourcePath '%.300s' is not in a "
                                       "folder this server allows (%.300s).",
                                  json_string_value(json_object_get(v, "name")), path, prefixes);
    }
    return 0;
}

int op_register_task_definition(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    cleanup_json json_t *td = NULL;
    if (taskdef_normalize(in, &td, err) < 0 || check_volume_paths(ctx->svc->volume_prefixes, td, err) < 0 ||
        tags_take(in, td, false, err) < 0) /* the revision's tags, kept in its document */
        return -1;
    const char *family = json_string_value(json_object_get(td, "family"));
    store_record_t fam = {0};
    int found = store_get(ctx->txn, STORE_FAMILY, ctx->scope, family, &fam, err);
    if (found < 0)
        return -1;
    long long last = found ? json_integer_value(json_object_get(fam.doc, "lastRevision")) : 0;
    long long active = found ? json_integer_value(json_object_get(fam.doc, "activeCount")) : 0;
    store_record_clear(&fam);
    if (last >= TASKDEF_REVISION_MAX)
        return ecs_client_err(err, "Family %s has reached the limit of %d revisions.", family, TASKDEF_REVISION_MAX);
    long long rev = last + 1;
    char path[API_NAME_MAX + 32];
    snprintf(path, sizeof path, "%s:%lld", family, rev);
    cleanup_free char *arn = api_arn(ctx, "task-definition", path);
    json_object_set_new(td, "taskDefinitionArn", json_string(arn));
    json_object_set_new(td, "revision", json_integer(rev));
    json_object_set_new(td, "status", json_string("ACTIVE"));
    json_object_set_new(td, "registeredAt", json_timestamp(ctx->now_ms));
    /* the caller's principal: a key of the credentials file acts as its account's root */
    char principal[SETTINGS_PRINCIPAL_MAX + 1];
    settings_root(ctx, principal);
    json_object_set_new(td, "registeredBy", json_string(principal));
    if (put_revision(ctx, family, rev, "ACTIVE", td, err) < 0 ||
        put_family(ctx, family, rev, active + 1, err) < 0)
        return -1;
    *out = tags_taskdef_answer(td, true);
    return 0;
}

int op_describe_task_definition(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t rec = {0};
    int found = taskdef_load(ctx, param_str(in, "taskDefinition"), &rec, err);
    if (found <= 0)
        return found < 0 ? -1 : ecs_client_err(err, "%s", taskdef_describe_failed);
    *out = tags_taskdef_answer(rec.doc, tags_included(in));
    store_record_clear(&rec);
    return 0;
}

int op_deregister_task_definition(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *value = param_str(in, "taskDefinition");
    char family[API_NAME_MAX + 1];
    long long rev;
    if (taskdef_parse_ref(ctx, value, family, &rev, err) < 0)
        return -1;
    if (rev == 0)
        return ecs_client_err(err, "Revision is missing.");
    store_record_t rec = {0};
    int found = taskdef_load(ctx, value, &rec, err);
    if (found <= 0)
        return found < 0 ? -1 : ecs_client_err(err, "%s", taskdef_describe_failed);
    int rc = 0;
    if (strcmp(rec.status, "ACTIVE") == 0) {
        store_record_t fam = {0};
        rc = store_get(ctx->txn, STORE_FAMILY, ctx->scope, family, &fam, err);
        if (rc > 0) {
            long long last = json_integer_value(json_object_get(fam.doc, "lastRevision"));
            long long active = json_integer_value(json_object_get(fam.doc, "activeCount"));
            json_object_set_new(rec.doc, "status", json_string("INACTIVE"));
            json_object_set_new(rec.doc, "deregisteredAt", json_timestamp(ctx->now_ms));
            rc = put_revision(ctx, family, rev, "INACTIVE", rec.doc, err) < 0 ||
                         put_family(ctx, family, last, active > 0 ? active - 1 : 0, err) < 0
                     ? -1
                     : 0;
        } else if (rc == 0) {
            rc = ecs_server_err(err, "store: family %s has revisions but no record", family);
        }
        store_record_clear(&fam);
    }
    if (rc == 0)
        *out = json_pack("{s:o}", "taskDefinition", tags_taskdef_view(rec.doc));
    store_record_clear(&rec);
    return rc;
}

int op_list_task_definitions(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *status = param_str(in, "status"), *sort = param_str(in, "sort");
    store_query_t q = {.kind = STORE_TASKDEF, .account = ctx->scope, .family = param_str(in, "familyPrefix"),
                       .status = status ? status : "ACTIVE", .order = STORE_ORDER_FAMILY_NUM,
                       .descending = sort != NULL && strcmp(sort, "DESC") == 0};
    return api_page_list(ctx, in, &q, "taskDefinitionArns", "task-definition", out, err);
}

int op_list_task_definition_families(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *status = param_str(in, "status");
    store_query_t q = {.kind = STORE_FAMILY, .account = ctx->scope, .key_prefix = param_str(in, "familyPrefix"),
                       .status = status == NULL || strcmp(status, "ALL") == 0 ? NULL : status,
                       /* a family whose revisions were all deleted is no longer listed */
                       .status_not = status == NULL || strcmp(status, "ALL") == 0 ? TASKDEF_FAMILY_DELETED : NULL,
                       .order = STORE_ORDER_KEY};
    return api_page_list(ctx, in, &q, "families", NULL, out, err);
}

int op_delete_task_definitions(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const json_t *refs = json_object_get(in, "taskDefinitions");
    size_t n = json_array_size(refs);
    if (n == 0)
        return ecs_invalid_param(err, "taskDefinitions can not be empty.");
    if (n > TASKDEF_DELETE_MAX)
        return ecs_invalid_param(err, "taskDefinitions: at most %d task definitions can be deleted in one call (got %zu).",
                                 TASKDEF_DELETE_MAX, n);
    cleanup_json json_t *deleted = json_array();
    cleanup_json json_t *failures = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *value = json_string_value(json_array_get(refs, i));
        if (value == NULL || value[0] == '\0')
            return ecs_invalid_param(err, "taskDefinitions[%zu] should not be null or empty.", i);
        if (taskdef_delete_one(ctx, value, deleted, failures, err) < 0)
            return -1;
    }
    json_t *views = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(deleted, i, d)
        json_array_append_new(views, tags_taskdef_view(d));
    *out = json_pack("{s:o, s:O}", "taskDefinitions", views, "failures", failures);
    return 0;
}
