/* svc_tasksets.c - see svc_tasksets.h. */
#include "sched/svc_tasksets.h"

#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"
#include "model/service.h"
#include "model/service_config.h"
#include "model/service_taskset.h"
#include "model/tags.h"
#include "model/task_placement.h"
#include "model/taskdef.h"
#include "sched/svc_health.h"

#define EVENT_TASKS_MAX 10
#define MSG_MAX 2048

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

typedef struct ts_pass {
    model_ctx_t *ctx;
    store_record_t *rec;
    const char *name;
    bool write;
    int started, stopped;
    bool place_failed;
} ts_pass_t;

/* "(service S, taskSet T) has started N tasks: (task a) ..." as ECS words a task set's. */
static void events(ts_pass_t *p, const char *set_id, const char *verb, const json_t *ids)
{
    size_t n = json_array_size(ids);
    for (size_t from = 0; from < n; from += EVENT_TASKS_MAX) {
        size_t k = n - from < EVENT_TASKS_MAX ? n - from : EVENT_TASKS_MAX;
        char msg[MSG_MAX];
        int len = snprintf(msg, sizeof msg, "(service %s, taskSet %s) has %s %zu %stasks:", p->name, set_id, verb, k,
                           strcmp(verb, "stopped") == 0 ? "running " : "");
        for (size_t i = from; i < from + k && len > 0 && (size_t)len < sizeof msg; i++)
            len += snprintf(msg + len, sizeof msg - (size_t)len, " (task %s)",
                            json_string_value(json_array_get(ids, i)));
        if (len > 0 && (size_t)len + 1 < sizeof msg)
            msg[len] = '.', msg[len + 1] = '\0';
        service_event(p->ctx, p->rec->doc, msg);
    }
}

static int start_some(ts_pass_t *p, const json_t *ts, int n, ecs_error_t *err)
{
    const char *set_id = json_string_value(json_object_get(ts, "id"));
    char msg[MSG_MAX] = "";
    const char *cannot = service_config_unplaceable(ts);
    if (cannot != NULL) {
        snprintf(msg, sizeof msg, "(service %s, taskSet %s) was unable to place a task. Reason: %s.", p->name, set_id,
                 cannot);
        p->place_failed = true;
        service_say(p->ctx, p->rec->doc, "place", msg);
        return 0;
    }
    store_record_t td = {0};
    const char *td_arn = json_string_value(json_object_get(ts, "taskDefinition"));
    int found = taskdef_load(p->ctx, td_arn ? td_arn : "", &td, err);
    if (found <= 0) {
        store_record_clear(&td);
        if (found == 0)
            log_warn("scheduler: task set %s: task definition %s not found", set_id, td_arn ? td_arn : "");
        return found;
    }
    cleanup_json json_t *tags = tags_for_service_task(p->rec->doc, td.doc, p->rec->cluster, p->name);
    const json_t *constraints, *strategy;
    service_config_placement(p->rec->doc, &constraints, &strategy);
    task_spec_t spec = {.cluster = p->rec->cluster, .taskdef = td.doc, .started_by = set_id, .service = p->name,
                        .tags = tags, .network = json_object_get(ts, "networkConfiguration"),
                        .constraints = constraints, .strategies = strategy};
    res_task_need(td.doc, &spec.need);
    cleanup_json json_t *ids = json_array();
    int rc = 0;
    while (n > 0 && rc == 0) {
        int k = n < TASK_PLACE_MAX ? n : TASK_PLACE_MAX;
        cleanup_json json_t *tasks = json_array();
        cleanup_json json_t *failures = json_array();
        bool none = false;
        rc = task_place_random(p->ctx, &spec, k, tasks, failures, &none, err);
        size_t i;
        json_t *t;
        json_array_foreach(tasks, i, t) {
            const char *arn = json_string_value(json_object_get(t, "taskArn"));
            const char *slash = arn ? strrchr(arn, '/') : NULL;
            json_array_append_new(ids, json_string(slash ? slash + 1 : ""));
        }
        if (rc == 0 && (none || json_array_size(failures) > 0)) {
            const json_t *f = json_array_get(failures, 0);
            const char *reason = json_string_value(json_object_get(f, "reason"));
            snprintf(msg, sizeof msg,
                     "(service %s, taskSet %s) was unable to place a task because no container instance met all of "
                     "its requirements. Reason: %s.", p->name, set_id,
                     none ? "No Container Instances were found in your cluster" : reason ? reason : "unknown");
            break;
        }
        n -= k;
    }
    store_record_clear(&td);
    if (rc < 0)
        return -1;
    p->started += (int)json_array_size(ids);
    events(p, set_id, "started", ids);
    if (msg[0] != '\0') {
        p->place_failed = true;
        service_say(p->ctx, p->rec->doc, "place", msg);
    }
    return 0;
}

/* Asks n live tasks of the task set to stop: PENDING first, then RUNNING, the oldest first. */
static int stop_some(ts_pass_t *p, const char *set_id, int n, ecs_error_t *err)
{
    static const char *const order[] = {"PENDING", "RUNNING"};
    cleanup_json json_t *ids = json_array();
    char reason[128];
    snprintf(reason, sizeof reason, "Scaling activity initiated by (deployment %s)", set_id);
    for (size_t o = 0; o < 2 && n > 0; o++) {
        store_query_t q = {.kind = STORE_TASK, .account = p->ctx->scope, .cluster = p->rec->cluster,
                           .service = p->name, .started_by = set_id, .desired = "RUNNING", .status = order[o],
                           .order = STORE_ORDER_NUM_KEY, .limit = n};
        store_record_t *rows = NULL;
        size_t k = 0;
        if (store_query(p->ctx->txn, &q, &rows, &k, err) < 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; i < k && rc == 0; i++, n--) {
            rc = task_request_stop(p->ctx, &rows[i], TASK_STOP_SCHEDULER, reason, err);
            json_array_append_new(ids, json_string(rows[i].key));
        }
        store_records_free(rows, k);
        if (rc < 0)
            return -1;
    }
    p->stopped += (int)json_array_size(ids);
    events(p, set_id, "stopped", ids);
    return 0;
}

int tasksets_reconcile(model_ctx_t *ctx, store_record_t *rec, const char *name, bool write, svc_outcome_t *out,
                       bool *act, ecs_error_t *err)
{
    ts_pass_t p = {.ctx = ctx, .rec = rec, .name = name, .write = write};
    json_t *doc = rec->doc;
    cleanup_json json_t *orig = json_deep_copy(doc);
    int64_t health_due = 0;
    if (health_check(ctx, doc, rec->cluster, name, write, &health_due, err) < 0)
        return -1;
    bool draining = strcmp(rec->status, "DRAINING") == 0, all_steady = true;
    int wanted = 0, left = 0, in_flight = 0;
    json_t *sets = json_object_get(doc, "taskSets");
    for (size_t i = 0; i < json_array_size(sets);) {
        json_t *ts = json_array_get(sets, i);
        const char *id = json_string_value(json_object_get(ts, "id"));
        int running = 0, pending = 0, stopping = 0;
        if (id == NULL || taskset_counts(ctx, rec->cluster, name, id, &running, &pending, &stopping, err) < 0)
            return id == NULL ? 0 : -1;
        int target = taskset_computed(doc, ts), live = running + pending;
        int start = live < target ? target - live : 0, stop = live > target ? live - target : 0;
        wanted += start + stop;
        if (write &&
            ((start > 0 && start_some(&p, ts, start, err) < 0) || (stop > 0 && stop_some(&p, id, stop, err) < 0)))
            return -1;
        in_flight += pending + stopping;
        left += live + stopping;
        if (str_is(json_object_get(ts, "status"), "DRAINING") && live + stopping == 0) {
            json_array_remove(sets, i); /* drained: gone from the service */
            continue;
        }
        bool steady = running == target && pending == 0 && stopping == 0;
        all_steady = all_steady && steady;
        const char *st = steady ? "STEADY_STATE" : "STABILIZING";
        if (!str_is(json_object_get(ts, "stabilityStatus"), st)) {
            json_object_set_new(ts, "stabilityStatus", json_string(st));
            json_object_set_new(ts, "stabilityStatusAt", json_timestamp(ctx->now_ms));
        }
        i++;
    }
    char msg[256];
    if (all_steady && !draining && json_array_size(sets) > 0) {
        snprintf(msg, sizeof msg, "(service %s) has reached a steady state.", name);
        service_say(ctx, doc, "steady", msg);
        service_unsay(doc, "place");
    } else {
        service_unsay(doc, "steady");
    }
    if (draining && left == 0 && wanted == 0) {
        service_set_status(rec, "INACTIVE");
        if (write && service_drop_token(ctx, doc, err) < 0)
            return -1;
    }
    bool changed = !json_equal(orig, doc);
    *act = changed || wanted > 0;
    out->version = rec->version;
    if (write && changed) {
        if (service_put(ctx, rec, err) < 0)
            return -1;
        out->version++;
        out->wrote = true;
    }
    out->started = p.started;
    out->stopped = p.stopped;
    out->gone = strcmp(rec->status, "INACTIVE") == 0;
    out->steady = all_steady && wanted == 0 && !draining && health_due == 0;
    if (!out->steady && !out->gone) {
        if (p.place_failed && in_flight == 0)
            out->due_ms = ctx->now_ms + SVC_PLACE_RETRY_MS;
        if (health_due > 0 && in_flight == 0 && wanted == 0)
            out->due_ms = health_due;
    }
    return 0;
}
