/* op_tasks.c - RunTask, StartTask, StopTask (ecs-behavior.md §4.14-4.16).
 *
 * Placement is one transaction: the operation runs in a write transaction,
 * which the store serialises, so choosing an instance and reserving its
 * resources cannot interleave with another placement. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/instance_model.h"
#include "api/ops.h"
#include "api/params.h"
#include "api/task_model.h"
#include "api/taskdef_model.h"
#include "common/cleanup.h"
#include "sched/capacity.h"
#include "sched/placement.h"

#define RUN_COUNT_MAX 10
#define START_INSTANCES_MAX 10
#define STARTED_BY_MAX 36

/* Random state of this thread for placement. */
static unsigned *thread_rng(void)
{
    static __thread unsigned rng;
    static __thread bool seeded;
    if (!seeded) {
        if (getrandom(&rng, sizeof rng, 0) != (ssize_t)sizeof rng)
            rng = (unsigned)(uintptr_t)&rng;
        seeded = true;
    }
    return &rng;
}

/* What RunTask and StartTask share: the checked request. */
typedef struct run_request {
    store_record_t cluster;
    store_record_t taskdef;
    const json_t *overrides;
    const char *started_by;
    res_t need;
} run_request_t;

static void run_request_clear(run_request_t *r)
{
    store_record_clear(&r->cluster);
    store_record_clear(&r->taskdef);
}

static int run_request_read(api_ctx_t *ctx, json_t *in, run_request_t *r, ecs_error_t *err)
{
    *r = (run_request_t){.overrides = json_object_get(in, "overrides"), .started_by = param_str(in, "startedBy")};
    if (r->started_by != NULL &&
        (strlen(r->started_by) > STARTED_BY_MAX ||
         strspn(r->started_by, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/-") !=
             strlen(r->started_by)))
        return ecs_invalid_param(err, "startedBy: up to 36 letters, numbers, hyphens, underscores and slashes "
                                      "are allowed.");
    if (api_load_active_cluster(ctx, in, &r->cluster, err) < 0 ||
        taskdef_load_for_run(ctx, param_str(in, "taskDefinition"), &r->taskdef, err) < 0 ||
        task_check_overrides(r->overrides, r->taskdef.doc, err) < 0)
        return -1;
    res_task_need(r->taskdef.doc, &r->need);
    return 0;
}

/* The instances a request has read and may change, each with its
 * authoritative candidate (res set). Same shape for RunTask and StartTask. */
typedef struct loaded_set {
    store_record_t rec[RUN_COUNT_MAX];
    place_candidate_t cand[RUN_COUNT_MAX];
    size_t n;
} loaded_set_t;

static void loaded_clear(loaded_set_t *L)
{
    for (size_t i = 0; i < L->n; i++) {
        free(L->cand[i].res);
        store_record_clear(&L->rec[i]);
    }
    L->n = 0;
}

/* The loaded instance with this id, reading it when new. Returns its slot,
 * -2 when it is not in the store (or not in cluster), -1 on error. */
static int loaded_get(api_ctx_t *ctx, loaded_set_t *L, const char *id, const char *cluster, ecs_error_t *err)
{
    for (size_t i = 0; i < L->n; i++)
        if (strcmp(L->rec[i].key, id) == 0)
            return (int)i;
    if (L->n == RUN_COUNT_MAX)
        return ecs_server_err(err, "too many instances in one request");
    store_record_t *rec = &L->rec[L->n];
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->account, id, rec, err);
    if (found < 0)
        return -1;
    if (found == 0 || strcmp(rec->cluster, cluster) != 0) {
        store_record_clear(rec);
        return -2;
    }
    place_candidate_t *c = &L->cand[L->n];
    *c = (place_candidate_t){.res = malloc(sizeof(res_t)), .connected = instance_agent_connected(ctx, rec)};
    if (c->res == NULL) {
        store_record_clear(rec);
        return ecs_server_err(err, "out of memory");
    }
    instance_get_avail(rec, c->res);
    c->cpu = c->res->cpu;
    c->mem = c->res->mem;
    return (int)L->n++;
}

/* Places one task on loaded instance s: reserves, builds and stores it. */
static int place_one(api_ctx_t *ctx, run_request_t *r, loaded_set_t *L, int s, json_t *tasks, ecs_error_t *err)
{
    place_reserve(&L->cand[s], &r->need);
    instance_set_avail(&L->rec[s], L->cand[s].res);
    store_record_t task = {0};
    task_build(ctx, r->cluster.key, r->taskdef.doc, r->overrides, r->started_by, &L->rec[s], &r->need, &task);
    int rc = task_put(ctx, &task, err);
    if (rc == 0)
        json_array_append_new(tasks, task_view(&task));
    store_record_clear(&task);
    return rc;
}

/* Stores the instances the request changed and wakes their agents. */
static int save_loaded(api_ctx_t *ctx, loaded_set_t *L, ecs_error_t *err)
{
    for (size_t i = 0; i < L->n; i++) {
        instance_touch(ctx, &L->rec[i]);
        if (store_put(ctx->txn, STORE_INSTANCE, ctx->account, &L->rec[i], err) < 0)
            return -1;
    }
    return 0;
}

static void add_failure(json_t *failures, const json_t *arn, const char *reason)
{
    json_array_append_new(failures, json_pack("{s:O, s:s}", "arn", arn, "reason", reason));
}

#define PLACE_ATTEMPTS 8

/* Places one task of a RunTask: chooses in the capacity index, then checks
 * the choice against the instance's record in this transaction; when the
 * index was behind, corrects it and chooses again. Every instance looked
 * at is refreshed in the index after the transaction ends (the wake list),
 * whether it commits or not. */
static int place_in_cluster(api_ctx_t *ctx, run_request_t *r, cap_cluster_t *cc, loaded_set_t *L, json_t *tasks,
                            json_t *failures, ecs_error_t *err)
{
    const char *reason = "RESOURCE:CPU";
    const json_t *arn = NULL;
    for (int attempt = 0; attempt < PLACE_ATTEMPTS; attempt++) {
        int closest;
        int idx = place_choose(cc->cands, cc->n, &r->need, thread_rng(), &closest, &reason);
        if (idx < 0) {
            arn = closest >= 0 ? cc->meta[closest].arn : NULL;
            break;
        }
        arn = cc->meta[idx].arn;
        api_wake_instance(ctx, cc->meta[idx].id);
        int s = loaded_get(ctx, L, cc->meta[idx].id, r->cluster.key, err);
        if (s == -1)
            return -1;
        if (s == -2) { /* gone from the store: drop it from the index */
            store_record_t gone = {.key = cc->meta[idx].id, .cluster = cc->name, .status = "INACTIVE"};
            cap_cluster_apply(cc, &gone, true);
            continue;
        }
        const char *why = strcmp(L->rec[s].status, "ACTIVE") != 0 ? "INACTIVE" : place_fit(&L->cand[s], &r->need);
        if (why == NULL) {
            int rc = place_one(ctx, r, L, s, tasks, err);
            cap_cluster_apply(cc, &L->rec[s], true); /* later choices see this reservation */
            return rc;
        }
        reason = why;
        cap_cluster_apply(cc, &L->rec[s], true); /* the index was behind */
    }
    if (arn != NULL)
        add_failure(failures, arn, reason);
    return 0;
}

/* The request without its clientToken, hashed: two calls with one token
 * must be the same call. */
static void request_digest(const json_t *in, char hex[65])
{
    cleanup_json json_t *copy = json_copy((json_t *)in);
    json_object_del(copy, "clientToken");
    cleanup_free char *text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(text ? text : "", text ? strlen(text) : 0, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* A RunTask retried with its clientToken answers what the first call did
 * (with the tasks as they are now) instead of starting more tasks.
 * 1 answered from the token, 0 a new call, -1 error. */
static int run_task_replay(api_ctx_t *ctx, const json_t *in, const char *key, const char *digest, json_t **out,
                           ecs_error_t *err)
{
    store_record_t tok = {0};
    int found = store_get(ctx->txn, STORE_TOKEN, ctx->account, key, &tok, err);
    if (found <= 0)
        return found;
    int rc = -1;
    if (strcmp(json_string_value(json_object_get(tok.doc, "digest")), digest) != 0) {
        ecs_invalid_param(err, "clientToken %.64s was already used with different parameters.",
                          param_str(in, "clientToken"));
        goto done;
    }
    json_t *tasks = json_array();
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(tok.doc, "tasks"), i, id) {
        store_record_t task = {0};
        if (store_get(ctx->txn, STORE_TASK, ctx->account, json_string_value(id), &task, err) == 1)
            json_array_append_new(tasks, task_view(&task));
        store_record_clear(&task);
    }
    *out = json_pack("{s:o, s:O}", "tasks", tasks, "failures", json_object_get(tok.doc, "failures"));
    rc = 1;
done:
    store_record_clear(&tok);
    return rc;
}

static int run_task_remember(api_ctx_t *ctx, const char *key, const char *digest, const json_t *tasks,
                             const json_t *failures, ecs_error_t *err)
{
    json_t *ids = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t) {
        const char *arn = json_string_value(json_object_get(t, "taskArn"));
        const char *slash = arn ? strrchr(arn, '/') : NULL;
        json_array_append_new(ids, json_string(slash ? slash + 1 : ""));
    }
    store_record_t tok = {.key = (char *)key, .num = ctx->now_ms, .status = "USED",
                          .doc = json_pack("{s:s, s:o, s:O}", "digest", digest, "tasks", ids, "failures", failures)};
    int rc = store_put(ctx->txn, STORE_TOKEN, ctx->account, &tok, err);
    json_decref(tok.doc);
    return rc;
}

int op_run_task(api_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *token = param_str(in, "clientToken");
    char token_key[128], digest[65];
    if (token != NULL) {
        if (strlen(token) > 64)
            return ecs_invalid_param(err, "clientToken: at most 64 characters.");
        snprintf(token_key, sizeof token_key, "RunTask/%s", token);
        request_digest(in, digest);
        int replayed = run_task_replay(ctx, in, token_key, digest, out, err);
        if (replayed != 0)
            return replayed < 0 ? -1 : 0;
    }
    long long count = param_int(in, "count", 1);
    if (count < 1 || count > RUN_COUNT_MAX)
        return ecs_invalid_param(err, "Count must be between 1 and 10.");
    run_request_t r;
    if (run_request_read(ctx, in, &r, err) < 0) {
        run_request_clear(&r);
        return -1;
    }
    cap_index_t *ix = ctx->svc->cap;
    cap_cluster_t *cc = NULL, *own = NULL;
    loaded_set_t L = {.n = 0};
    int rc = -1;
    cleanup_json json_t *tasks = json_array();
    cleanup_json json_t *failures = json_array();
    if (ix != NULL)
        cap_lock(ix);
    if (ix != NULL ? cap_cluster(ix, ctx->txn, ctx->account, r.cluster.key, &cc, err) < 0
                   : cap_cluster_load(ctx->txn, ctx->account, r.cluster.key, &own, err) < 0)
        goto done;
    if (own != NULL)
        cc = own;
    if (cc->n == 0) {
        ecs_invalid_param(err, "No Container Instances were found in your cluster.");
        goto done;
    }
    cap_mark_connected(cc, ctx->now_ms - (int64_t)ctx->svc->agent_timeout_s * 1000);
    for (long long k = 0; k < count; k++)
        if (place_in_cluster(ctx, &r, cc, &L, tasks, failures, err) < 0)
            goto done;
    if (save_loaded(ctx, &L, err) < 0 ||
        (token != NULL && run_task_remember(ctx, token_key, digest, tasks, failures, err) < 0))
        goto done;
    *out = json_pack("{s:O, s:O}", "tasks", tasks, "failures", failures);
    rc = 0;
done:
    if (ix != NULL)
        cap_unlock(ix);
    cap_cluster_free(own);
    loaded_clear(&L);
    run_request_clear(&r);
    return rc;
}

int op_start_task(api_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    json_t *items = json_object_get(in, "containerInstances");
    size_t n = json_array_size(items);
    if (n == 0)
        return ecs_client_err(err, "Container Instances cannot be empty.");
    if (n > START_INSTANCES_MAX)
        return ecs_invalid_param(err, "containerInstances can have at most 10 items.");
    run_request_t r;
    if (run_request_read(ctx, in, &r, err) < 0) {
        run_request_clear(&r);
        return -1;
    }
    loaded_set_t L = {.n = 0};
    int rc = -1;
    cleanup_json json_t *tasks = json_array();
    cleanup_json json_t *failures = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[INSTANCE_ID_MAX + 1];
        if (instance_id_from_param(ctx, "containerInstances", json_string_value(json_array_get(items, i)),
                                   r.cluster.key, id, err) < 0)
            goto done;
        int s = loaded_get(ctx, &L, id, r.cluster.key, err);
        if (s == -1)
            goto done;
        if (s == -2) {
            cleanup_free char *arn = api_arn(ctx, "container-instance", id);
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
            continue;
        }
        const char *why = strcmp(L.rec[s].status, "ACTIVE") != 0 ? "INACTIVE" : place_fit(&L.cand[s], &r.need);
        if (why != NULL)
            add_failure(failures, json_object_get(L.rec[s].doc, "containerInstanceArn"), why);
        else if (place_one(ctx, &r, &L, s, tasks, err) < 0)
            goto done;
    }
    if (save_loaded(ctx, &L, err) < 0)
        goto done;
    *out = json_pack("{s:O, s:O}", "tasks", tasks, "failures", failures);
    rc = 0;
done:
    loaded_clear(&L);
    run_request_clear(&r);
    return rc;
}

int op_stop_task(api_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t cluster = {0}, task = {0};
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0)
        return -1;
    int rc = -1;
    char id[TASK_ID_MAX + 1];
    const char *reason = param_str(in, "reason");
    if (reason != NULL && strlen(reason) > 255) {
        ecs_invalid_param(err, "reason: at most 255 characters.");
        goto done;
    }
    if (task_id_from_param(ctx, "task", param_str(in, "task"), cluster.key, id, err) < 0)
        goto done;
    int found = store_get(ctx->txn, STORE_TASK, ctx->account, id, &task, err);
    if (found < 0)
        goto done;
    if (found == 0 || strcmp(task.cluster, cluster.key) != 0) {
        ecs_invalid_param(err, "The referenced task was not found.");
        goto done;
    }
    if (task_request_stop(ctx, &task, reason ? reason : "Task stopped by user", err) < 0)
        goto done;
    *out = json_pack("{s:o}", "task", task_view(&task));
    rc = 0;
done:
    store_record_clear(&cluster);
    store_record_clear(&task);
    return rc;
}
