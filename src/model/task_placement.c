/* task_placement.c - see task_placement.h. RunTask's choice is made in
 * the capacity index (sched/capacity.h) and checked against the chosen
 * instance's record in the transaction. */
#include "model/task_placement.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "model/attributes.h"
#include "model/fargate.h"
#include "model/instance.h"
#include "model/params.h"
#include "common/arn.h"
#include "common/cleanup.h"
#include "model/capacity.h"
#include "model/capacity_provider.h"
#include "model/placement.h"
#include "model/placement_tasks.h"
#include "model/settings.h"

/* A Failure; an ATTRIBUTE one says in detail which attribute the instance
 * (with attributes have) lacks. */
static void add_failure(json_t *failures, const json_t *arn, const char *reason, const json_t *have,
                        const json_t *required)
{
    json_t *f = json_pack("{s:O, s:s}", "arn", arn, "reason", reason);
    const json_t *missing = strcmp(reason, "ATTRIBUTE") == 0 ? attr_first_missing(have, required) : NULL;
    if (f != NULL && missing != NULL) {
        cleanup_free char *detail = attr_missing_detail(missing);
        if (detail != NULL)
            json_object_set_new(f, "detail", json_string(detail));
    }
    json_array_append_new(failures, f);
}

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

/* The instances a request has read and may change, each with its
 * authoritative candidate (res set). Same shape for RunTask and StartTask. */
typedef struct loaded_set {
    store_record_t rec[TASK_PLACE_MAX];
    place_candidate_t cand[TASK_PLACE_MAX];
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
static int loaded_get(model_ctx_t *ctx, loaded_set_t *L, const char *id, const char *cluster, ecs_error_t *err)
{
    for (size_t i = 0; i < L->n; i++)
        if (strcmp(L->rec[i].key, id) == 0)
            return (int)i;
    if (L->n == TASK_PLACE_MAX)
        return ecs_server_err(err, "too many instances in one request");
    store_record_t *rec = &L->rec[L->n];
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, rec, err);
    if (found < 0)
        return -1;
    if (found == 0 || strcmp(rec->cluster, cluster) != 0) {
        store_record_clear(rec);
        return -2;
    }
    place_candidate_t *c = &L->cand[L->n];
    *c = (place_candidate_t){.res = malloc(sizeof(res_t)), .attrs = json_object_get(rec->doc, "attributes"),
                             .connected = instance_agent_connected(ctx, rec), .id = rec->key, .doc = rec->doc};
    if (c->res == NULL) {
        store_record_clear(rec);
        return ecs_server_err(err, "out of memory");
    }
    instance_get_avail(rec, c->res);
    c->cpu = c->res->cpu;
    c->mem = c->res->mem;
    return (int)L->n++;
}

/* Places one task on loaded instance s: reserves, builds and stores it;
 * the rules' view of the instance's tasks (when loaded) gains it. */
static int place_one(model_ctx_t *ctx, const task_spec_t *spec, loaded_set_t *L, int s, const place_rules_t *rules,
                     json_t *tasks, ecs_error_t *err)
{
    if (rules != NULL && rules->tasks_arg != NULL && place_tasks_add(rules->tasks_arg, L->rec[s].key, rules->group) < 0)
        return ecs_server_err(err, "out of memory");
    place_reserve(&L->cand[s], &spec->need);
    instance_set_avail(&L->rec[s], L->cand[s].res);
    store_record_t task = {0};
    task_build(ctx, spec, &L->rec[s], &task);
    instance_groups_add(&L->rec[s], json_string_value(json_object_get(task.doc, "group")), +1);
    int rc = task_put(ctx, &task, err);
    if (rc == 0)
        json_array_append_new(tasks, task_view(&task));
    store_record_clear(&task);
    return rc;
}

/* Stores the instances the request changed and wakes their agents. */
static int save_loaded(model_ctx_t *ctx, loaded_set_t *L, ecs_error_t *err)
{
    for (size_t i = 0; i < L->n; i++) {
        instance_touch(ctx, &L->rec[i]);
        if (store_put(ctx->txn, STORE_INSTANCE, ctx->scope, &L->rec[i], err) < 0)
            return -1;
    }
    return 0;
}

#define PLACE_ATTEMPTS 8

/* Places one task of a RunTask: chooses in the capacity index, then checks
 * the choice against the instance's record in this transaction; when the
 * index was behind, corrects it and chooses again. Every instance looked
 * at is refreshed in the index after the transaction ends (the wake list),
 * whether it commits or not. */
static int place_in_cluster(model_ctx_t *ctx, const task_spec_t *spec, const json_t *required,
                            const place_rules_t *rules, cap_cluster_t *cc, loaded_set_t *L, json_t *tasks,
                            json_t *failures, ecs_error_t *err)
{
    const char *reason = "RESOURCE:CPU";
    const json_t *arn = NULL, *attrs = NULL;
    for (int attempt = 0; attempt < PLACE_ATTEMPTS; attempt++) {
        int closest;
        int idx = place_choose(cc->cands, cc->n, &spec->need, required, rules, thread_rng(), &closest,
                               &reason);
        if (idx < 0) {
            arn = closest >= 0 ? cc->meta[closest].arn : NULL;
            attrs = closest >= 0 ? cc->cands[closest].attrs : NULL;
            break;
        }
        arn = cc->meta[idx].arn;
        model_wake_instance(ctx, cc->meta[idx].id);
        int s = loaded_get(ctx, L, cc->meta[idx].id, spec->cluster, err);
        if (s == -1)
            return -1;
        if (s == -2) { /* gone from the store: drop it from the index */
            store_record_t gone = {.key = cc->meta[idx].id, .cluster = cc->name, .status = "INACTIVE"};
            cap_cluster_apply(cc, &gone, true);
            place_rules_forget(rules);
            continue;
        }
        const char *why = strcmp(L->rec[s].status, "ACTIVE") != 0
                              ? "INACTIVE"
                              : place_fit_rules(&L->cand[s], &spec->need, required, rules);
        if (why == NULL) {
            int rc = place_one(ctx, spec, L, s, rules, tasks, err);
            /* later choices see this reservation; the index holds the record
             * as save_loaded's put will make it (version + 1) */
            store_record_t as_saved = L->rec[s];
            as_saved.version++;
            cap_cluster_apply(cc, &as_saved, true);
            place_rules_placed(rules, (size_t)idx, &spec->need, required);
            return rc;
        }
        reason = why;
        attrs = L->cand[s].attrs;
        cap_cluster_apply(cc, &L->rec[s], true); /* the index was behind */
        place_rules_forget(rules);
    }
    if (arn != NULL)
        add_failure(failures, arn, reason, attrs, required);
    return 0;
}

int task_place_random(model_ctx_t *ctx, const task_spec_t *spec, int count, json_t *tasks, json_t *failures,
                      bool *no_instances, ecs_error_t *err)
{
    cap_index_t *ix = ctx->svc->cap;
    cap_cluster_t *cc = NULL, *own = NULL;
    loaded_set_t L = {.n = 0};
    int rc = -1;
    cleanup_json json_t *required = fargate_task_requires(spec->taskdef, spec->launch_type);
    if (spec->capacity_provider != NULL) /* the provider's own instances only */
        json_array_append_new(required, json_pack("{s:s, s:s}", "name", CP_ATTR, "value", spec->capacity_provider));
    place_rules_t rules;
    place_task_map_t *facts = NULL;
    char group[320];
    *no_instances = false;
    if (settings_load_arn_formats(ctx, err) < 0) /* the new tasks' ARN format */
        return -1;
    if (place_rules_parse(spec->taskdef, spec->constraints, spec->strategies, &rules, err) < 0)
        return -1;
    /* the group task_build gives the task (distinctInstance and spread count its tasks) */
    snprintf(group, sizeof group, "%s:%s", spec->service ? "service" : "family",
             spec->service ? spec->service : json_string_value(json_object_get(spec->taskdef, "family")));
    rules.group = group;
    rules.now_ms = ctx->now_ms;
    int need_tasks = place_rules_need_tasks(&rules);
    bool kept = need_tasks == 1;
    if (ix != NULL)
        cap_lock(ix);
    if (ix != NULL ? cap_cluster(ix, ctx->txn, ctx->scope, spec->cluster, &cc, err) < 0
                   : cap_cluster_load(ctx->txn, ctx->scope, spec->cluster, &own, err) < 0)
        goto done;
    if (own != NULL)
        cc = own;
    /* the group's counts kept on the instances, unless a record of an older
     * ecsd lacks them */
    kept = kept && cc->n_no_groups == 0; /* counted by the index as entries change */
    rules.groups_kept = kept;
    /* the cluster's memo, kept with the shared index (a private cluster's
     * goes with it) */
    if (cc->memo == NULL && (rules.n_member_of > 0 || place_rules_order(&rules)))
        cc->memo = place_memo_new();
    rules.memo = cc->memo;
    if (need_tasks > 0 && !kept) {
        /* only the group's own tasks unless memberOf asks about all */
        const char *family = json_string_value(json_object_get(spec->taskdef, "family"));
        if (place_tasks_load(ctx->txn, ctx->scope, spec->cluster, need_tasks == 1 ? spec->service : NULL,
                             need_tasks == 1 ? family : NULL, &facts, err) < 0)
            goto done;
        rules.tasks_of = place_tasks_of;
        rules.tasks_arg = facts;
    }
    rc = 0;
    if (cc->n == 0) {
        *no_instances = true;
        goto done;
    }
    cap_mark_connected(cc, ctx->now_ms - (int64_t)ctx->svc->agent_timeout_s * 1000);
    for (int k = 0; k < count && rc == 0; k++)
        rc = place_in_cluster(ctx, spec, required, &rules, cc, &L, tasks, failures, err);
    if (rc == 0)
        rc = save_loaded(ctx, &L, err);
done:
    if (ix != NULL)
        cap_unlock(ix);
    cap_cluster_free(own);
    place_tasks_free(facts);
    place_rules_clear(&rules);
    loaded_clear(&L);
    return rc;
}

int task_place_on(model_ctx_t *ctx, const task_spec_t *spec, const json_t *instances, json_t *tasks,
                  json_t *failures, ecs_error_t *err)
{
    loaded_set_t L = {.n = 0};
    int rc = -1;
    size_t i;
    json_t *item;
    if (settings_load_arn_formats(ctx, err) < 0) /* the new tasks' ARN format */
        return -1;
    cleanup_json json_t *required = fargate_task_requires(spec->taskdef, spec->launch_type);
    json_array_foreach(instances, i, item) {
        char id[INSTANCE_ID_MAX + 1];
        if (instance_id_from_param(ctx, "containerInstances", json_string_value(item), spec->cluster, id, err) < 0)
            goto done;
        int s = loaded_get(ctx, &L, id, spec->cluster, err);
        if (s == -1)
            goto done;
        if (s == -2) {
            const char *given = json_string_value(item);
            cleanup_free char *arn = arn_is_arn(given) ? strdup(given)
                                                       : api_id_arn(ctx, "container-instance", spec->cluster, id);
            json_array_append_new(failures, json_pack("{s:s, s:s}", "arn", arn, "reason", "MISSING"));
            continue;
        }
        const char *why =
            strcmp(L.rec[s].status, "ACTIVE") != 0 ? L.rec[s].status : place_fit(&L.cand[s], &spec->need, required);
        if (why != NULL)
            add_failure(failures, json_object_get(L.rec[s].doc, "containerInstanceArn"), why, L.cand[s].attrs,
                        required);
        else if (place_one(ctx, spec, &L, s, NULL, tasks, err) < 0)
            goto done;
    }
    rc = save_loaded(ctx, &L, err);
done:
    loaded_clear(&L);
    return rc;
}
