/* op_tasks.c - RunTask, StartTask, StopTask (ecs-behavior.md §4.14-4.16).
 *
 * Placement is one transaction: the operation runs in a write transaction,
 * which the store serialises, so choosing an instance and reserving its
 * resources cannot interleave with another placement. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "api/instance_model.h"
#include "api/ops.h"
#include "api/params.h"
#include "api/task_model.h"
#include "api/taskdef_model.h"
#include "common/cleanup.h"
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

static void candidate_from(const api_ctx_t *ctx, const store_record_t *inst, place_candidate_t *c)
{
    const json_t *avail = json_object_get(json_object_get(inst->doc, "_ecsd"), "avail");
    *c = (place_candidate_t){.cpu = json_integer_value(json_object_get(avail, "cpu")),
                             .mem = json_integer_value(json_object_get(avail, "mem")),
                             .tcp = json_object_get(avail, "tcp"), .udp = json_object_get(avail, "udp"),
                             .connected = instance_agent_connected(ctx, inst)};
}

/* Places one task on inst (candidate c): reserves, builds and stores it. */
static int place_one(api_ctx_t *ctx, run_request_t *r, store_record_t *inst, place_candidate_t *c, json_t *tasks,
                     ecs_error_t *err)
{
    if (c->res == NULL) {
        c->res = malloc(sizeof *c->res);
        if (c->res == NULL)
            return ecs_server_err(err, "out of memory");
        instance_get_avail(inst, c->res);
    }
    place_reserve(c, &r->need);
    store_record_t task = {0};
    task_build(ctx, r->cluster.key, r->taskdef.doc, r->overrides, r->started_by, inst, &r->need, &task);
    int rc = task_put(ctx, &task, err);
    if (rc == 0)
        json_array_append_new(tasks, task_view(&task));
    store_record_clear(&task);
    return rc;
}

/* Stores the instances whose resources changed and wakes their agents. */
static int save_changed(api_ctx_t *ctx, store_record_t *insts, place_candidate_t *cands, size_t n, ecs_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        if (cands[i].res == NULL)
            continue;
        instance_set_avail(&insts[i], cands[i].res);
        instance_touch(ctx, &insts[i]);
        if (store_put(ctx->txn, STORE_INSTANCE, ctx->account, &insts[i], err) < 0)
            return -1;
    }
    return 0;
}

static void free_candidates(place_candidate_t *cands, size_t n)
{
    for (size_t i = 0; i < n && cands != NULL; i++)
        free(cands[i].res);
    free(cands);
}

static void add_failure(json_t *failures, const json_t *arn, const char *reason)
{
    json_array_append_new(failures, json_pack("{s:O, s:s}", "arn", arn, "reason", reason));
}

int op_run_task(api_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    long long count = param_int(in, "count", 1);
    if (count < 1 || count > RUN_COUNT_MAX)
        return ecs_invalid_param(err, "Count must be between 1 and 10.");
    run_request_t r;
    if (run_request_read(ctx, in, &r, err) < 0) {
        run_request_clear(&r);
        return -1;
    }
    store_query_t q = {.kind = STORE_INSTANCE, .account = ctx->account, .cluster = r.cluster.key, .status = "ACTIVE"};
    store_record_t *insts = NULL;
    size_t n = 0;
    place_candidate_t *cands = NULL;
    int rc = -1;
    cleanup_json json_t *tasks = json_array();
    cleanup_json json_t *failures = json_array();
    if (store_query(ctx->txn, &q, &insts, &n, err) < 0)
        goto done;
    if (n == 0) {
        ecs_invalid_param(err, "No Container Instances were found in your cluster.");
        goto done;
    }
    cands = calloc(n, sizeof *cands);
    if (cands == NULL) {
        ecs_server_err(err, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        candidate_from(ctx, &insts[i], &cands[i]);
    for (long long k = 0; k < count; k++) {
        int closest;
        const char *reason;
        int idx = place_choose(cands, n, &r.need, thread_rng(), &closest, &reason);
        if (idx < 0)
            add_failure(failures, json_object_get(insts[closest].doc, "containerInstanceArn"), reason);
        else if (place_one(ctx, &r, &insts[idx], &cands[idx], tasks, err) < 0)
            goto done;
    }
    if (save_changed(ctx, insts, cands, n, err) < 0)
        goto done;
    *out = json_pack("{s:O, s:O}", "tasks", tasks, "failures", failures);
    rc = 0;
done:
    free_candidates(cands, n);
    store_records_free(insts, n);
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
    store_record_t insts[START_INSTANCES_MAX] = {0};
    place_candidate_t cands[START_INSTANCES_MAX] = {0};
    size_t loaded = 0;
    int rc = -1;
    cleanup_json json_t *tasks = json_array();
    cleanup_json json_t *failures = json_array();
    for (size_t i = 0; i < n; i++) {
        char id[INSTANCE_ID_MAX + 1];
        if (instance_id_from_param(ctx, "containerInstances", json_string_value(json_array_get(items, i)),
                                   r.cluster.key, id, err) < 0)
            goto done;
        size_t j = 0; /* the same instance named twice shares its state */
        while (j < loaded && strcmp(insts[j].key, id) != 0)
            j++;
        if (j == loaded) {
            int found = store_get(ctx->txn, STORE_INSTANCE, ctx->account, id, &insts[j], err);
            if (found < 0)
                goto done;
            if (found == 0 || strcmp(insts[j].cluster, r.cluster.key) != 0) {
                store_record_clear(&insts[j]);
                cleanup_free char *arn = api_arn(ctx, "container-instance", id);
                json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
                continue;
            }
            candidate_from(ctx, &insts[j], &cands[j]);
            loaded++;
        }
        const json_t *arn = json_object_get(insts[j].doc, "containerInstanceArn");
        const char *why = strcmp(insts[j].status, "ACTIVE") != 0 ? "INACTIVE" : place_fit(&cands[j], &r.need);
        if (why != NULL)
            add_failure(failures, arn, why);
        else if (place_one(ctx, &r, &insts[j], &cands[j], tasks, err) < 0)
            goto done;
    }
    if (save_changed(ctx, insts, cands, loaded, err) < 0)
        goto done;
    *out = json_pack("{s:O, s:O}", "tasks", tasks, "failures", failures);
    rc = 0;
done:
    for (size_t i = 0; i < loaded; i++) {
        free(cands[i].res);
        store_record_clear(&insts[i]);
    }
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
