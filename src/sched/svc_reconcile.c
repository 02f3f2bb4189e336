/* svc_reconcile.c - see svc_reconcile.h. */
#include "sched/svc_reconcile.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/service.h"
#include "model/service_config.h"
#include "model/tags.h"
#include "model/task_place_cp.h"
#include "model/task_placement.h"
#include "model/task_protection.h"
#include "model/taskdef.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"
#include "sched/sched_plan.h"
#include "sched/svc_daemon.h"
#include "sched/svc_health.h"
#include "sched/svc_tasksets.h"
#include "model/service_taskset.h"
#include "sched/svc_rollout.h"
#include "sched/svc_drain.h"

#define EVENT_TASKS_MAX 10    /* task ids per "has started/stopped" event, as ECS batches them */
#define SEEN_BATCH 1000       /* stopped tasks looked at per reconciliation */
#define MSG_MAX 2048

/* One service being reconciled. */
typedef struct rc {
    model_ctx_t *ctx;
    bool write;                /* carry the plan out (else only see whether there is one) */
    store_record_t rec;        /* the service; rec.doc is changed in place */
    const char *name;
    json_t *deps;              /* rec.doc's deployments */
    int n_dep;                 /* deployments in the document */
    int n_plan;                /* n_dep, plus one for tasks of no known deployment */
    plan_deploy_t *pd;         /* n_dep + 1: the last one counts tasks of no known deployment */
    plan_params_t params;
    plan_result_t plan;
    bool new_failures;         /* launch failures seen in this pass */
    int started, stopped;
    bool place_failed;
    bool token_dropped;
    json_t *hosts;             /* a DAEMON's ACTIVE instances (ids), else NULL */
    drain_set_t drain;         /* the cluster's DRAINING instances: their tasks count as the oldest deployment's */
} rc_t;

static void rc_clear(rc_t *s)
{
    store_record_clear(&s->rec);
    free(s->pd);
    json_decref(s->hosts);
    drain_clear(&s->drain);
}

static const char *dep_id(const rc_t *s, int i)
{
    return json_string_value(json_object_get(json_array_get(s->deps, (size_t)i), "id"));
}

/* Tasks of the service of deployment dep (NULL: any) with this
 * desiredStatus and lastStatus. */
static int count(rc_t *s, const char *dep, const char *desired, const char *status, int *n, ecs_error_t *err)
{
    store_query_t q = {.kind = STORE_TASK, .account = s->ctx->scope, .cluster = s->rec.cluster,
                       .service = s->name, .started_by = dep, .desired = desired, .status = status};
    int64_t v = 0;
    if (store_count(s->ctx->txn, &q, &v, err) < 0)
        return -1;
    *n = (int)v;
    return 0;
}

/* The plan's inputs: the service's live tasks counted per deployment, by
 * index (a service of 1,000 tasks is not read and parsed on every pass).
 * Tasks of no deployment shown (none in practice) are counted apart, as
 * the oldest deployment, whose tasks are all stopped. */
static int count_tasks(rc_t *s, ecs_error_t *err)
{
    s->pd = calloc((size_t)s->n_dep + 1, sizeof *s->pd);
    if (s->pd == NULL)
        return ecs_server_err(err, "out of memory");
    plan_deploy_t *o = &s->pd[s->n_dep];
    for (int d = -1; d < s->n_dep; d++) { /* d = -1: all of them */
        plan_deploy_t *p = d < 0 ? o : &s->pd[d];
        const char *dep = d < 0 ? NULL : dep_id(s, d);
        int stopping_running = 0, stopping_pending = 0;
        if (d >= 0 && o->running + o->pending + o->stopping == 0)
            break; /* every task is accounted for: the other deployments have none */
        /* Equalities only (no status_not), so the service-tasks index serves them. */
        if (count(s, dep, "RUNNING", "RUNNING", &p->running, err) < 0 ||
            count(s, dep, "RUNNING", "PENDING", &p->pending, err) < 0 ||
            count(s, dep, "STOPPED", "RUNNING", &stopping_running, err) < 0 ||
            count(s, dep, "STOPPED", "PENDING", &stopping_pending, err) < 0)
            return -1;
        p->stopping = stopping_running + stopping_pending;
        if (d >= 0)
            o->running -= p->running, o->pending -= p->pending, o->stopping -= p->stopping;
    }
    if (drain_load(s->ctx, s->rec.cluster, &s->drain, err) < 0 ||
        drain_recount(s->ctx, &s->drain, s->rec.cluster, s->name, s->deps, s->n_dep, s->pd, err) < 0)
        return -1;
    s->n_plan = o->running + o->pending + o->stopping > 0 ? s->n_dep + 1 : s->n_dep;
    return 0;
}

/* Tasks of the service that stopped since the last look: the ones that
 * never reached RUNNING (no startedAt) and that nobody asked to stop (no
 * stoppingAt: not scaled in, not replaced, not StopTask) are launch
 * failures, which slow launches down. */
static int count_launch_failures(rc_t *s, ecs_error_t *err)
{
    json_t *priv = service_private(s->rec.doc), *seen = json_object_get(priv, "seen");
    store_cursor_t after = {.text = (char *)json_string_value(json_object_get(seen, "key")),
                            .num = json_integer_value(json_object_get(seen, "num"))};
    if (after.text == NULL)
        after.text = "";
    store_query_t q = {.kind = STORE_TASK, .account = s->ctx->scope, .cluster = s->rec.cluster,
                       .service = s->name, .status = "STOPPED", .desired = "STOPPED",
                       .order = STORE_ORDER_NUM_KEY, .after = &after, .limit = SEEN_BATCH};
    store_record_t *rows = NULL;
    size_t n = 0;
    if (store_query(s->ctx->txn, &q, &rows, &n, err) < 0)
        return -1;
    json_int_t fails = json_integer_value(json_object_get(priv, "fails"));
    for (size_t i = 0; i < n; i++) {
        if (json_object_get(rows[i].doc, "stoppingAt") != NULL)
            continue; /* asked to stop: no failure */
        rollout_count_failure(s->ctx, s->rec.doc, rows[i].started_by); /* the circuit breaker counts it */
        if (json_object_get(rows[i].doc, "startedAt") == NULL) {
            fails++;
            s->new_failures = true;
        }
    }
    if (n > 0) {
        json_object_set_new(priv, "seen", json_pack("{s:I, s:s}", "num", (json_int_t)rows[n - 1].num, "key",
                                                     rows[n - 1].key));
        json_object_set_new(priv, "fails", json_integer(fails));
        if (s->new_failures && fails >= PLAN_THROTTLE_AFTER)
            json_object_set_new(priv, "next", json_integer(s->ctx->now_ms + plan_launch_delay_ms((int)fails)));
    }
    store_records_free(rows, n);
    return 0;
}

/* Events listing task ids, EVENT_TASKS_MAX at a time. */
static void task_events(rc_t *s, const char *verb, json_t *ids)
{
    size_t n = json_array_size(ids);
    for (size_t from = 0; from < n; from += EVENT_TASKS_MAX) {
        size_t k = n - from < EVENT_TASKS_MAX ? n - from : EVENT_TASKS_MAX;
        char msg[MSG_MAX];
        int len = snprintf(msg, sizeof msg, "(service %s) has %s %zu %stasks:", s->name, verb, k,
                           strcmp(verb, "stopped") == 0 ? "running " : "");
        for (size_t i = from; i < from + k && len > 0 && (size_t)len < sizeof msg; i++)
            len += snprintf(msg + len, sizeof msg - (size_t)len, " (task %s)",
                            json_string_value(json_array_get(ids, i)));
        if (len > 0 && (size_t)len + 1 < sizeof msg)
            msg[len] = '.', msg[len + 1] = '\0';
        service_event(s->ctx, s->rec.doc, msg);
    }
}

/* Asks up to n tasks of deployment d (n_dep: of none known) whose
 * lastStatus is status to stop, the oldest first (in the order of the
 * service-tasks index, so no sort and no scan of the cluster). A RUNNING
 * task under scale-in protection (model/task_protection.h) is passed
 * over and counted in *protected; *stopped says how many were asked. */
static int stop_some(rc_t *s, int d, const char *status, int n, const char *reason, json_t *ids, int *stopped,
                     int *protected, ecs_error_t *err)
{
    bool orphans = d == s->n_dep, running = strcmp(status, "RUNNING") == 0;
    int rc = 0, skipped = 0, want = n;
    /* the first look reads n rows; only when protected ones were among
     * them, a second one reads them all (those asked to stop are no longer
     * desired RUNNING) */
    for (int pass = 0; pass < 2 && n > 0 && rc == 0; pass++) {
        store_query_t q = {.kind = STORE_TASK, .account = s->ctx->scope, .cluster = s->rec.cluster,
                           .service = s->name, .started_by = orphans ? NULL : dep_id(s, d), .desired = "RUNNING",
                           .status = status, .order = STORE_ORDER_NUM_KEY, .limit = orphans || pass > 0 ? 0 : n};
        store_record_t *rows = NULL;
        size_t k = 0;
        if (store_query(s->ctx->txn, &q, &rows, &k, err) < 0)
            return -1;
        skipped = 0;
        for (size_t i = 0; i < k && n > 0 && rc == 0; i++) {
            int known = 0;
            while (orphans && known < s->n_dep &&
                   (rows[i].started_by == NULL || strcmp(rows[i].started_by, dep_id(s, known)) != 0))
                known++;
            if (orphans && known < s->n_dep && !drain_has(&s->drain, rows[i].instance))
                continue;
            if (running && task_protected(rows[i].doc, s->ctx->now_ms)) {
                skipped++;
                continue;
            }
            rc = task_request_stop(s->ctx, &rows[i], TASK_STOP_SCHEDULER, reason, err);
            json_array_append_new(ids, json_string(rows[i].key));
            n--;
        }
        store_records_free(rows, k);
        if (orphans || skipped == 0) /* it read every candidate, or nothing was passed over */
            break;
    }
    *stopped = want - n;
    if (n > 0 && skipped > 0) /* the ones it had to leave */
        *protected += n < skipped ? n : skipped;
    return rc;
}

static int stop_tasks(rc_t *s, ecs_error_t *err)
{
    char reason[128];
    snprintf(reason, sizeof reason, "Scaling activity initiated by (deployment %s)", dep_id(s, 0));
    cleanup_json json_t *ids = json_array();
    int protected = 0;
    for (int d = 0; d < s->n_plan; d++) {
        plan_deploy_t *p = &s->pd[d];
        if ((p->stop_pending > 0 &&
             stop_some(s, d, "PENDING", p->stop_pending, reason, ids, &p->stop_pending, &protected, err) < 0) ||
            (p->stop_running > 0 &&
             stop_some(s, d, "RUNNING", p->stop_running, reason, ids, &p->stop_running, &protected, err) < 0))
            return -1;
    }
    s->stopped = (int)json_array_size(ids);
    task_events(s, "stopped", ids);
    /* ECS's words; the scheduler tries again at its next pass */
    if (protected > 0) {
        char msg[MSG_MAX];
        snprintf(msg, sizeof msg, "(service %s) was unable to scale in due to (reason: %d tasks under protection).",
                 s->name, protected);
        service_say(s->ctx, s->rec.doc, "protect", msg);
    } else {
        service_unsay(s->rec.doc, "protect");
    }
    return 0;
}

/* "(service X) was unable to place a task ..." for a placement failure. */
static void place_failure_message(const rc_t *s, const json_t *failure, bool no_instances, char *msg, size_t len)
{
    const char *head = "was unable to place a task because no container instance met all of its requirements.";
    if (no_instances || failure == NULL) {
        snprintf(msg, len, "(service %s) %s Reason: No Container Instances were found in your cluster.", s->name,
                 head);
        return;
    }
    const char *arn = json_string_value(json_object_get(failure, "arn"));
    const char *reason = json_string_value(json_object_get(failure, "reason"));
    const char *slash = arn ? strrchr(arn, '/') : NULL, *tail;
    char other[96];
    if (reason != NULL && strcmp(reason, "RESOURCE:MEMORY") == 0)
        tail = "has insufficient memory available.";
    else if (reason != NULL && strcmp(reason, "RESOURCE:CPU") == 0)
        tail = "has insufficient CPU units available.";
    else if (reason != NULL && strncmp(reason, "RESOURCE:PORTS", 14) == 0)
        tail = "is already using a port required by your task.";
    else if (reason != NULL && strcmp(reason, "ATTRIBUTE") == 0)
        tail = "is missing an attribute required by your task.";
    else {
        snprintf(other, sizeof other, "encountered error \"%.60s\".", reason ? reason : "");
        tail = other;
    }
    snprintf(msg, len,
             "(service %s) %s The closest matching (container-instance %s) %s For more information, see the "
             "Troubleshooting section of the Amazon ECS Developer Guide.",
             s->name, head, slash ? slash + 1 : "", tail);
}

/* Starts n tasks of the PRIMARY deployment, at most TASK_PLACE_MAX per
 * placement call, until one does not fit. */
static int start_tasks(rc_t *s, int n, ecs_error_t *err)
{
    char msg[MSG_MAX] = "";
    const char *cannot = service_config_unplaceable(s->rec.doc);
    if (cannot != NULL) { /* e.g. a Fargate launch type: no instance here can take its tasks */
        snprintf(msg, sizeof msg, "(service %s) was unable to place a task. Reason: %s.", s->name, cannot);
        s->place_failed = true;
        service_say(s->ctx, s->rec.doc, "place", msg);
        return 0;
    }
    store_record_t td = {0};
    const char *td_arn = json_string_value(json_object_get(json_array_get(s->deps, 0), "taskDefinition"));
    int found = taskdef_load(s->ctx, td_arn ? td_arn : "", &td, err);
    if (found <= 0) {
        store_record_clear(&td);
        if (found == 0)
            log_warn("scheduler: service %s: task definition %s not found", s->name, td_arn ? td_arn : "");
        return found;
    }
    /* propagateTags and enableECSManagedTags of the service */
    cleanup_json json_t *tags = tags_for_service_task(s->rec.doc, td.doc, s->rec.cluster, s->name);
    task_spec_t spec = {.cluster = s->rec.cluster, .taskdef = td.doc, .started_by = dep_id(s, 0),
                        .service = s->name, .tags = tags,
                        .launch_type = json_string_value(json_object_get(s->rec.doc, "launchType")),
                        .platform_version = json_string_value(json_object_get(s->rec.doc, "platformVersion")),
                        .network = json_object_get(s->rec.doc, "networkConfiguration")};
    /* the service's placementConstraints and placementStrategy, with its
     * task definition's constraints (task_place_random parses them) */
    service_config_placement(s->rec.doc, &spec.constraints, &spec.strategies);
    /* Auto Scaling group providers (Fargate's were refused as unplaceable above) */
    const json_t *cps = json_object_get(s->rec.doc, "capacityProviderStrategy");
    spec.strategy = json_array_size(cps) > 0 ? cps : NULL;
    res_task_need(td.doc, &spec.need);
    cleanup_json json_t *ids = json_array();
    int rc = 0;
    while (n > 0 && rc == 0) {
        int k = n < TASK_PLACE_MAX ? n : TASK_PLACE_MAX;
        cleanup_json json_t *tasks = json_array();
        cleanup_json json_t *failures = json_array();
        bool none = false;
        if (s->hosts != NULL) { /* DAEMON: on instances without a task of the PRIMARY yet */
            cleanup_json json_t *free_hosts = NULL;
            rc = daemon_free_instances(s->ctx, s->rec.cluster, s->name, dep_id(s, 0), s->hosts, &free_hosts, err);
            if (rc < 0)
                break;
            while (json_array_size(free_hosts) > (size_t)k)
                json_array_remove(free_hosts, json_array_size(free_hosts) - 1);
            none = json_array_size(free_hosts) == 0;
            if (!none)
                rc = task_place_on(s->ctx, &spec, free_hosts, tasks, failures, err);
        } else {
            rc = spec.strategy != NULL ? task_place_strategy(s->ctx, &spec, k, tasks, failures, &none, err)
                                       : task_place_random(s->ctx, &spec, k, tasks, failures, &none, err);
        }
        size_t i;
        json_t *t;
        json_array_foreach(tasks, i, t) {
            const char *arn = json_string_value(json_object_get(t, "taskArn"));
            const char *slash = arn ? strrchr(arn, '/') : NULL;
            json_array_append_new(ids, json_string(slash ? slash + 1 : ""));
        }
        if (rc == 0 && (none || json_array_size(failures) > 0)) {
            place_failure_message(s, json_array_get(failures, 0), none, msg, sizeof msg);
            break;
        }
        n -= k;
    }
    store_record_clear(&td);
    if (rc < 0)
        return -1;
    s->started = (int)json_array_size(ids);
    task_events(s, "started", ids);
    s->place_failed = msg[0] != '\0';
    if (s->place_failed)
        service_say(s->ctx, s->rec.doc, "place", msg);
    else
        service_unsay(s->rec.doc, "place");
    return 0;
}

/* Deployments as the plan left them: desired counts, finished ones gone. */
static void update_deployments(rc_t *s)
{
    const plan_deploy_t *p0 = &s->pd[0];
    int left = 1;
    for (int d = 1; d < s->n_dep; d++)
        left += !s->pd[d].drop;
    int64_t prim = p0->running + p0->pending - p0->stop_running - p0->stop_pending + s->started;
    int64_t n = s->params.draining ? 0 : s->params.desired;
    for (int d = s->n_dep - 1; d >= 0; d--) {
        json_t *dep = json_array_get(s->deps, (size_t)d);
        if (d > 0 && s->pd[d].drop) {
            json_array_remove(s->deps, (size_t)d);
            continue;
        }
        int64_t want = d > 0 ? s->pd[d].desired : left == 1 ? n : (prim < n ? prim : n);
        bool touched = s->pd[d].stop_pending + s->pd[d].stop_running > 0 || (d == 0 && s->started > 0);
        if (json_integer_value(json_object_get(dep, "desiredCount")) != want) {
            json_object_set_new(dep, "desiredCount", json_integer(want));
            touched = true;
        }
        if (touched)
            json_object_set_new(dep, "updatedAt", json_timestamp(s->ctx->now_ms));
    }
}

/* The condition events: steady state, deadlock, launch throttle. */
static void condition_events(rc_t *s)
{
    char msg[MSG_MAX];
    json_t *doc = s->rec.doc, *priv = service_private(doc);
    if (s->plan.steady && !s->params.draining) {
        snprintf(msg, sizeof msg, "(service %s) has reached a steady state.", s->name);
        service_say(s->ctx, doc, "steady", msg);
        if (json_integer_value(json_object_get(priv, "fails")) != 0)
            json_object_set_new(priv, "fails", json_integer(0));
        if (json_integer_value(json_object_get(priv, "next")) != 0)
            json_object_set_new(priv, "next", json_integer(0));
        service_unsay(doc, "place");
        service_unsay(doc, "throttle");
    } else {
        service_unsay(doc, "steady");
    }
    if (s->plan.deadlock) {
        snprintf(msg, sizeof msg,
                 "(service %s) was unable to stop or start tasks during a deployment because of the service "
                 "deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try "
                 "again.", s->name);
        service_say(s->ctx, doc, "deadlock", msg);
    } else {
        service_unsay(doc, "deadlock");
    }
    if (s->new_failures && json_integer_value(json_object_get(priv, "fails")) >= PLAN_THROTTLE_AFTER) {
        snprintf(msg, sizeof msg, "(service %s) is unable to consistently start tasks successfully.", s->name);
        service_say(s->ctx, doc, "throttle", msg);
    }
}

static void read_params(rc_t *s)
{
    const json_t *doc = s->rec.doc, *dc = json_object_get(doc, "deploymentConfiguration");
    const json_t *priv = json_object_get(doc, "_ecsd");
    json_t *min = json_object_get(dc, "minimumHealthyPercent"), *max = json_object_get(dc, "maximumPercent");
    s->params = (plan_params_t){
        .desired = (int)json_integer_value(json_object_get(doc, "desiredCount")),
        .min_pct = json_is_integer(min) ? (int)json_integer_value(min) : 100,
        .max_pct = json_is_integer(max) ? (int)json_integer_value(max) : 200,
        .draining = strcmp(s->rec.status, "DRAINING") == 0,
        .can_start = s->ctx->now_ms >= json_integer_value(json_object_get(priv, "next")),
    };
}

/* One pass in the caller's transaction. *act: the pass did (write) or
 * would do (read) something. */
static int reconcile_in(rc_t *s, const char *key, svc_outcome_t *out, bool *act, ecs_error_t *err)
{
    model_ctx_t *ctx = s->ctx;
    *act = false;
    int found = store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &s->rec, err);
    if (found < 0)
        return -1;
    s->deps = json_object_get(s->rec.doc, "deployments");
    s->n_dep = (int)json_array_size(s->deps);
    s->name = json_string_value(json_object_get(s->rec.doc, "serviceName"));
    if (found > 0 && s->name != NULL && strcmp(s->rec.status, "INACTIVE") != 0 && service_is_external(s->rec.doc))
        return tasksets_reconcile(ctx, &s->rec, s->name, s->write, out, act, err); /* task sets, no deployments */
    if (found == 0 || strcmp(s->rec.status, "INACTIVE") == 0 || s->n_dep == 0 || s->name == NULL) {
        out->gone = true;
        return 0;
    }
    cleanup_json json_t *orig = json_deep_copy(s->rec.doc);
    int64_t health_due = 0; /* the end of a grace period of an UNHEALTHY task (sched/svc_health.h) */
    if (health_check(ctx, s->rec.doc, s->rec.cluster, s->name, s->write, &health_due, err) < 0 ||
        count_launch_failures(s, err) < 0)
        return -1;
    if (!strcmp(s->rec.status, "ACTIVE") && rollout_check_breaker(ctx, s->rec.doc, s->name)) {
        s->deps = json_object_get(s->rec.doc, "deployments"); /* a rollback deployment came first */
        s->n_dep = (int)json_array_size(s->deps);
    }
    if (count_tasks(s, err) < 0)
        return -1;
    read_params(s);
    if (service_is_daemon(s->rec.doc) && !s->params.draining) {
        /* one task per ACTIVE instance: that many is its desiredCount */
        if (daemon_instances(ctx, s->rec.cluster, s->rec.doc, &s->hosts, err) < 0)
            return -1;
        s->params.desired = (int)json_array_size(s->hosts);
        if (json_integer_value(json_object_get(s->rec.doc, "desiredCount")) != s->params.desired)
            json_object_set_new(s->rec.doc, "desiredCount", json_integer(s->params.desired));
    }
    if (rollout_primary_failed(s->rec.doc))
        s->params.can_start = false; /* a FAILED deployment launches no new tasks */
    sched_plan(&s->params, s->pd, s->n_plan, &s->plan);
    int stops = 0;
    for (int d = 0; d < s->n_plan; d++)
        stops += s->pd[d].stop_pending + s->pd[d].stop_running;
    if (!s->write) {
        *act = stops > 0 || s->plan.start > 0;
        s->started = s->plan.start; /* as if placed, for the bookkeeping below */
    } else if ((stops > 0 && stop_tasks(s, err) < 0) || (s->plan.start > 0 && start_tasks(s, s->plan.start, err) < 0)) {
        return -1;
    }
    update_deployments(s);
    if (!s->params.draining)
        rollout_check_complete(ctx, s->rec.doc, s->name, s->plan.steady);
    condition_events(s);
    if (s->params.draining && s->plan.inactive) {
        service_set_status(&s->rec, "INACTIVE");
        if (s->write && service_drop_token(ctx, s->rec.doc, err) < 0)
            return -1;
    }
    bool changed = !json_equal(orig, s->rec.doc);
    *act = *act || changed || s->started > 0 || s->stopped > 0;
    out->version = s->rec.version;
    if (s->write && changed) {
        if (service_put(ctx, &s->rec, err) < 0)
            return -1;
        out->version++; /* what the store made it: every put bumps the version */
        out->wrote = true;
    }
    out->started = s->write ? s->started : 0;
    out->stopped = s->stopped;
    out->gone = strcmp(s->rec.status, "INACTIVE") == 0;
    out->steady = s->plan.steady && !s->params.draining;
    int64_t next = json_integer_value(json_object_get(json_object_get(s->rec.doc, "_ecsd"), "next"));
    int in_flight = 0; /* tasks on their way up or down: looked at again next tick */
    for (int d = 0; d < s->n_plan; d++)
        in_flight += s->pd[d].pending + s->pd[d].stopping;
    if (!s->params.can_start && s->plan.want > 0 && in_flight == 0)
        out->due_ms = next;
    else if ((s->place_failed || s->plan.deadlock) && in_flight == 0)
        out->due_ms = ctx->now_ms + SVC_PLACE_RETRY_MS;
    if (s->hosts != NULL && out->steady) {
        /* a DAEMON follows the instances that come and go: looked at again
         * (a read-only pass) within SVC_PLACE_RETRY_MS even when steady */
        out->steady = false;
        out->due_ms = ctx->now_ms + SVC_PLACE_RETRY_MS;
    }
    if (health_due > 0 && !out->gone) { /* looked at again when that grace period ends */
        if (out->steady)
            out->steady = false, out->due_ms = health_due;
        else if (out->due_ms > 0 && health_due < out->due_ms)
            out->due_ms = health_due;
    }
    return 0;
}

/* A fault-injection point for the fencing test (tests/e2e/test_pg_fencing.py):
 * with ECSD_TEST_STOP_BEFORE_SCHED_WRITE=NAME in its environment, the
 * process stops itself (SIGSTOP) once, when its scheduler holds the lease
 * and has decided to write for the service NAME but has not begun the
 * write: the moment where a leader paused past its lease would act on a
 * stale belief. Unset (production), nothing happens. */
static void test_stop_point(const char *key)
{
    static atomic_bool fired;
    const char *name = getenv("ECSD_TEST_STOP_BEFORE_SCHED_WRITE");
    const char *slash = strrchr(key, '/');
    if (name == NULL || strcmp(slash != NULL ? slash + 1 : key, name) != 0 || atomic_exchange(&fired, true))
        return;
    log_info("scheduler: stopping before the write for service %s (ECSD_TEST_STOP_BEFORE_SCHED_WRITE)", name);
    raise(SIGSTOP);
}

int svc_reconcile(const model_service_t *svc, const sched_lease_t *lease, const char *scope, const char *key,
                  int64_t now_ms, svc_outcome_t *out, ecs_error_t *err)
{
    char account[13], region[MODEL_REGION_MAX];
    if (!model_scope_split(scope, account, region)) {
        snprintf(account, sizeof account, "%s", scope);
        snprintf(region, sizeof region, "%s", svc->region);
    }
    model_ctx_t ctx = {.region = region, .account = account, .scope = scope, .now_ms = now_ms, .svc = svc};
    *out = (svc_outcome_t){0};
    bool act = false;
    rc_t s = {.ctx = &ctx};
    if (store_begin(svc->store, STORE_READ, &ctx.txn, err) < 0)
        return -1;
    int rc = reconcile_in(&s, key, out, &act, err);
    store_rollback(ctx.txn);
    rc_clear(&s);
    if (rc < 0 || !act)
        return rc;
    /* Something to do: again, for real, under the write lock and the lease. */
    test_stop_point(key);
    *out = (svc_outcome_t){0};
    s = (rc_t){.ctx = &ctx, .write = true};
    if (store_begin(svc->store, STORE_WRITE, &ctx.txn, err) < 0)
        return -1;
    int held = lease_check(ctx.txn, lease, now_ms, err);
    rc = held < 0 ? -1 : held == 0 ? 0 : reconcile_in(&s, key, out, &act, err);
    if (rc < 0 || held == 0 || !act) {
        store_rollback(ctx.txn);
        model_effects_abandon(svc, scope, &ctx.fx);
        if (rc == 0 && held == 0) {
            /* the fence: this server's lease ran out or was taken over
             * (it was paused, or cut off) since it decided to act */
            log_warn("scheduler: service %s: write refused, the scheduler's lease (epoch %lld) is no longer this "
                     "server's", key, (long long)lease->epoch);
            out->due_ms = now_ms + LEASE_RENEW_MS;
        }
        if (!act) /* nothing happened after all: no record was written */
            out->wrote = false, out->started = 0, out->stopped = 0;
    } else if (model_effects_notify(svc, ctx.txn, scope, &ctx.fx, err) < 0 || store_commit(ctx.txn, err) < 0) {
        store_rollback(ctx.txn); /* after a failed notify; nothing once commit ended it */
        model_effects_abandon(svc, scope, &ctx.fx);
        rc = -1;
    } else {
        model_effects_apply(svc, scope, &ctx.fx);
    }
    rc_clear(&s);
    return rc;
}
