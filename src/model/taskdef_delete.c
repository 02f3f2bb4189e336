/* taskdef_delete.c - DeleteTaskDefinitions and the removal that follows it
 * (model/taskdef.h). As on ECS: an INACTIVE revision becomes
 * DELETE_IN_PROGRESS at once (still describable and listable with that
 * status, no longer usable for new tasks or services); it is removed for
 * good once no task that is not STOPPED and no service that is not
 * INACTIVE refers to it (taskdef_reap, run by the janitor). A family whose
 * revisions are all removed is no longer listed (status DELETED on its
 * record, which keeps the last revision number: revisions are never
 * reused). */
#include "model/taskdef.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "model/params.h"

#define REAP_BATCH 100

static const char invalid_ref[] =
    "The specified task definition identifier is invalid. Specify a valid name or ARN and try again.";
static const char not_found[] =
    "The specified task definition does not exist. Specify a valid account, family, revision and try again.";
static const char still_active[] =
    "The specified task definition is still in ACTIVE status. Please deregister the target and try again.";

static int fail(json_t *failures, const char *value, const char *reason)
{
    json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", value, "reason", reason));
    return 0;
}

int taskdef_delete_one(const model_ctx_t *ctx, const char *value, json_t *deleted, json_t *failures,
                       ecs_error_t *err)
{
    char family[API_NAME_MAX + 1];
    long long rev;
    ecs_error_t why;
    if (taskdef_parse_ref(ctx, value, family, &rev, &why) < 0 || rev == 0)
        return fail(failures, value, invalid_ref);
    char key[API_NAME_MAX + 32];
    snprintf(key, sizeof key, "%s:%lld", family, rev);
    store_record_t rec = {0};
    int found = store_get(ctx->txn, STORE_TASKDEF, ctx->scope, key, &rec, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return fail(failures, value, not_found);
    int rc = 0;
    if (strcmp(rec.status, "ACTIVE") == 0) {
        rc = fail(failures, value, still_active);
    } else {
        if (strcmp(rec.status, TASKDEF_DELETE_IN_PROGRESS) != 0) { /* asked again: as it is */
            json_object_set_new(rec.doc, "status", json_string(TASKDEF_DELETE_IN_PROGRESS));
            json_object_set_new(rec.doc, "deleteRequestedAt", json_timestamp(ctx->now_ms));
            store_record_t put = {.key = key, .family = family, .num = rev,
                                  .status = (char *)TASKDEF_DELETE_IN_PROGRESS, .doc = rec.doc};
            rc = store_put(ctx->txn, STORE_TASKDEF, ctx->scope, &put, err);
        }
        if (rc == 0)
            json_array_append(deleted, rec.doc);
    }
    store_record_clear(&rec);
    return rc;
}

/* True when a task that is not STOPPED runs arn (a revision of family). */
static int used_by_task(store_txn_t *txn, const char *scope, const char *family, const char *arn, bool *used,
                        ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = scope, .family = family, .status_not = "STOPPED"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n && !*used; i++) {
        const char *t = json_string_value(json_object_get(rows[i].doc, "taskDefinitionArn"));
        *used = t != NULL && strcmp(t, arn) == 0;
    }
    store_records_free(rows, n);
    return 0;
}

/* True when a service that is not INACTIVE names arn, itself or in a deployment. */
static int used_by_service(store_txn_t *txn, const char *scope, const char *arn, bool *used, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_SERVICE, .account = scope, .status_not = "INACTIVE"};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(txn, &q, &rows, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n && !*used; i++) {
        const char *t = json_string_value(json_object_get(rows[i].doc, "taskDefinition"));
        *used = t != NULL && strcmp(t, arn) == 0;
        size_t k;
        json_t *d;
        json_array_foreach(json_object_get(rows[i].doc, "deployments"), k, d) {
            t = json_string_value(json_object_get(d, "taskDefinition"));
            *used = *used || (t != NULL && strcmp(t, arn) == 0);
        }
        json_array_foreach(json_object_get(rows[i].doc, "taskSets"), k, d) { /* EXTERNAL: its task sets' */
            t = json_string_value(json_object_get(d, "taskDefinition"));
            *used = *used || (t != NULL && strcmp(t, arn) == 0);
        }
    }
    store_records_free(rows, n);
    return 0;
}

/* Removes one unused revision; marks its family DELETED when it was the last. */
static int reap_one(store_txn_t *txn, const store_record_t *r, bool *gone, ecs_error_t *err)
{
    const char *arn = json_string_value(json_object_get(r->doc, "taskDefinitionArn"));
    bool used = false;
    *gone = false;
    if (arn == NULL || r->family == NULL)
        return 0;
    if (used_by_task(txn, r->account, r->family, arn, &used, err) < 0 ||
        (!used && used_by_service(txn, r->account, arn, &used, err) < 0))
        return -1;
    if (used)
        return 0;
    if (store_delete(txn, STORE_TASKDEF, r->account, r->key, err) < 0)
        return -1;
    *gone = true;
    int64_t left = 0;
    store_query_t q = {.kind = STORE_TASKDEF, .account = r->account, .family = r->family};
    if (store_count(txn, &q, &left, err) < 0)
        return -1;
    if (left > 0)
        return 0;
    store_record_t fam = {0};
    int found = store_get(txn, STORE_FAMILY, r->account, r->family, &fam, err);
    int rc = found < 0 ? -1 : 0;
    if (found > 0) {
        store_record_t put = {.key = fam.key, .family = fam.family, .num = fam.num,
                              .status = (char *)TASKDEF_FAMILY_DELETED, .doc = fam.doc};
        rc = store_put(txn, STORE_FAMILY, r->account, &put, err);
    }
    store_record_clear(&fam);
    return rc;
}

int taskdef_reap(store_t *store, ecs_error_t *err)
{
    store_txn_t *txn = NULL;
    if (store_begin(store, STORE_WRITE, &txn, err) < 0)
        return -1;
    /* every scope at once, as the janitor's other sweeps */
    store_query_t q = {.kind = STORE_TASKDEF, .status = TASKDEF_DELETE_IN_PROGRESS, .order = STORE_ORDER_KEY,
                       .limit = REAP_BATCH};
    store_record_t *rows = NULL;
    size_t n = 0;
    int removed = 0, rc = store_query(txn, &q, &rows, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool gone;
        rc = reap_one(txn, &rows[i], &gone, err);
        removed += gone;
    }
    store_records_free(rows, n);
    if (rc < 0) {
        store_rollback(txn);
        return -1;
    }
    return store_commit(txn, err) < 0 ? -1 : removed;
}
