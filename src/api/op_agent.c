/* op_agent.c - the agent's operations: DiscoverPollEndpoint,
 * SubmitContainerStateChange, SubmitTaskStateChange (ecs-behavior.md
 * §4.24-4.26; docs/agent-protocol.md).
 *
 * Reports are idempotent: states only move forward, and a report about an
 * unknown cluster, task or container is acknowledged and ignored, because
 * agents retry a report until it is acknowledged. A container report may
 * carry ecsd's members healthStatus (the container's) and taskHealthStatus
 * (the task's, which the agent derives from its essential containers):
 * stored on the container and the task until the task stops.
 * SubmitTaskStateChange may carry its containers' changes in `containers`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/fargate.h"
#include "model/instance.h"
#include "api/ops.h"
#include "model/params.h"
#include "model/task.h"
#include "common/clock.h"

#define REASON_MAX 1024

static json_t *ack(void) { return json_pack("{s:s}", "acknowledgment", "ACK"); }

int op_discover_poll_endpoint(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    (void)in, (void)err;
    char url[512], base[512];
    snprintf(url, sizeof url, "%s/v1/poll", ctx->svc->advertise_url);
    /* ecsd has no telemetry (TCS) or Service Connect session of its own:
     * both name the server itself, as agents expect a URL in each */
    snprintf(base, sizeof base, "%s/", ctx->svc->advertise_url);
    *out = json_pack("{s:s, s:s, s:s}", "endpoint", url, "telemetryEndpoint", base, "serviceConnectEndpoint", base);
    return 0;
}

/* Loads the task a report is about. 1 found, 0 ignore the report, -1 error. */
static int load_reported_task(model_ctx_t *ctx, const json_t *in, store_record_t *task, ecs_error_t *err)
{
    ecs_error_t ignored;
    char cluster[API_NAME_MAX + 1], id[TASK_ID_MAX + 1];
    const char *c = param_str(in, "cluster"), *t = param_str(in, "task");
    if (t == NULL || api_resolve_name(ctx, "cluster", "cluster", c ? c : "default", cluster, NULL, &ignored) < 0 ||
        task_id_from_param(ctx, "task", t, cluster, id, &ignored) < 0)
        return 0;
    int found = store_get(ctx->txn, STORE_TASK, ctx->scope, id, task, err);
    if (found == 1 && strcmp(task->cluster, cluster) != 0) {
        store_record_clear(task);
        return 0;
    }
    return found;
}

static void set_last_status(store_record_t *task, const char *status)
{
    char *copy = strdup(status); /* status may be task->status itself */
    free(task->status);
    task->status = copy;
    json_object_set_new(task->doc, "lastStatus", json_string(copy));
    json_t *v = json_object_get(task->doc, "version");
    json_object_set_new(task->doc, "version", json_integer(json_integer_value(v) + 1));
}

static void mark_running(model_ctx_t *ctx, store_record_t *task)
{
    set_last_status(task, "RUNNING");
    ctx->fx.sched_wake = true; /* a rollout may now stop old tasks */
    if (json_object_get(task->doc, "startedAt") == NULL)
        json_object_set_new(task->doc, "startedAt", json_timestamp(ctx->now_ms));
}

/* Host ports Docker chose for dynamic mappings become used on the instance
 * and held by the task until it stops. */
static int reserve_bound_ports(model_ctx_t *ctx, store_record_t *task, const json_t *bindings, ecs_error_t *err)
{
    json_t *ecsd = json_object_get(task->doc, "_ecsd");
    if (fargate_task_has_eni(task->doc))
        return 0; /* awsvpc: its ports are on the task's own address, not the host's */
    res_t need;
    res_from_json(json_object_get(ecsd, "need"), &need);
    store_record_t inst = {0};
    int found = task->instance ? store_get(ctx->txn, STORE_INSTANCE, ctx->scope, task->instance, &inst, err) : 0;
    if (found <= 0)
        return found;
    res_t avail;
    instance_get_avail(&inst, &avail);
    bool changed = false;
    size_t i;
    json_t *b;
    json_array_foreach(bindings, i, b) {
        json_int_t port = json_integer_value(json_object_get(b, "hostPort"));
        const char *proto = json_string_value(json_object_get(b, "protocol"));
        bool udp = proto != NULL && strcmp(proto, "udp") == 0;
        res_ports_t *used = udp ? &avail.udp : &avail.tcp, *held = udp ? &need.udp : &need.tcp;
        if (port <= 0 || port > 65535 || res_ports_has(held, (uint16_t)port) || res_ports_has(used, (uint16_t)port))
            continue;
        if (res_ports_add(used, (uint16_t)port) == 0 && res_ports_add(held, (uint16_t)port) == 0)
            changed = true;
    }
    int rc = 0;
    if (changed) {
        json_object_set_new(ecsd, "need", res_to_json(&need));
        instance_set_avail(&inst, &avail);
        rc = instance_put(ctx, &inst, err);
    }
    store_record_clear(&inst);
    return rc;
}

static json_t *normalise_bindings(const json_t *bindings)
{
    json_t *list = json_array();
    size_t i;
    json_t *b;
    json_array_foreach(bindings, i, b) {
        const char *ip = json_string_value(json_object_get(b, "bindIP"));
        const char *proto = json_string_value(json_object_get(b, "protocol"));
        json_array_append_new(list, json_pack("{s:s, s:I, s:I, s:s}", "bindIP", ip ? ip : "0.0.0.0", "containerPort",
                                              json_integer_value(json_object_get(b, "containerPort")), "hostPort",
                                              json_integer_value(json_object_get(b, "hostPort")), "protocol",
                                              proto ? proto : "tcp"));
    }
    return list;
}

static bool all_containers(const store_record_t *task, const char *status)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(task->doc, "containers"), i, c) {
        const char *s = json_string_value(json_object_get(c, "lastStatus"));
        if (s == NULL || strcmp(s, status) != 0)
            return false;
    }
    return true;
}

/* HEALTHY, UNHEALTHY or UNKNOWN, else NULL. */
static const char *health_value(const json_t *in, const char *member)
{
    const char *v = param_str(in, member);
    if (v != NULL && (strcmp(v, "HEALTHY") == 0 || strcmp(v, "UNHEALTHY") == 0 || strcmp(v, "UNKNOWN") == 0))
        return v;
    return NULL;
}

static bool set_health(json_t *obj, const char *v)
{
    const char *was = json_string_value(json_object_get(obj, "healthStatus"));
    if (v == NULL || (was != NULL && strcmp(was, v) == 0))
        return false;
    json_object_set_new(obj, "healthStatus", json_string(v));
    return true;
}

/* The health the agent saw (ecsd's members of the report: healthStatus of
 * the container, taskHealthStatus of the task); also in a report that is
 * otherwise a repeat, since health changes while a container runs. True
 * when something changed. */
static bool apply_health(store_record_t *task, json_t *container, const json_t *in)
{
    if (container == NULL || strcmp(task->status, "STOPPED") == 0)
        return false;
    bool c = set_health(container, health_value(in, "healthStatus"));
    bool t = set_health(task->doc, health_value(in, "taskHealthStatus"));
    return c || t;
}

/* Applies one container's change to the loaded task, in memory: a
 * SubmitContainerStateChange, or an item of SubmitTaskStateChange's
 * `containers` (the same members: containerName, status, exitCode, reason,
 * networkBindings, and ecsd's health members). *changed when the document
 * changed; only dynamic host ports are stored at once (on the instance). */
static int apply_container(model_ctx_t *ctx, store_record_t *task, const json_t *ch, bool *changed,
                           ecs_error_t *err)
{
    const char *name = param_str(ch, "containerName"), *status = param_str(ch, "status");
    json_t *container = NULL, *c;
    size_t i;
    json_array_foreach(json_object_get(task->doc, "containers"), i, c) {
        const char *n = json_string_value(json_object_get(c, "name"));
        if (name != NULL && n != NULL && strcmp(n, name) == 0)
            container = c;
    }
    if (apply_health(task, container, ch))
        *changed = true;
    int to = task_status_rank(status);
    if (container == NULL || to <= task_status_rank(json_string_value(json_object_get(container, "lastStatus"))) ||
        strcmp(task->status, "STOPPED") == 0)
        return 0; /* unknown, late or repeated: acknowledged, nothing else changes */
    *changed = true;
    json_object_set_new(container, "lastStatus", json_string(status));
    json_t *bindings = json_object_get(ch, "networkBindings");
    if (json_is_array(bindings) && json_array_size(bindings) > 0) {
        json_object_set_new(container, "networkBindings", normalise_bindings(bindings));
        if (strcmp(status, "RUNNING") == 0 && reserve_bound_ports(ctx, task, bindings, err) < 0)
            return -1;
    }
    json_t *exit_code = json_object_get(ch, "exitCode");
    if (json_is_integer(exit_code))
        json_object_set(container, "exitCode", exit_code);
    const char *reason = param_str(ch, "reason");
    if (reason != NULL)
        json_object_set_new(container, "reason", json_stringn(reason, strnlen(reason, REASON_MAX)));
    return 0;
}

/* After container changes: the task is RUNNING once all its containers
 * are; else its version moves on. Stored. */
static int put_changed(model_ctx_t *ctx, store_record_t *task, ecs_error_t *err)
{
    if (strcmp(task->status, "PENDING") == 0 && all_containers(task, "RUNNING"))
        mark_running(ctx, task);
    else
        set_last_status(task, task->status); /* bumps the version */
    return task_put(ctx, task, err); /* an UNHEALTHY verdict is noted on its service there */
}

int op_submit_container_state_change(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t task = {0};
    int found = load_reported_task(ctx, in, &task, err);
    bool changed = false;
    if (found == 1 && apply_container(ctx, &task, in, &changed, err) < 0)
        found = -1;
    if (found == 1 && changed && put_changed(ctx, &task, err) < 0)
        found = -1;
    store_record_clear(&task);
    if (found < 0)
        return -1;
    *out = ack();
    return 0;
}

/* A task's report, with the changes of its containers in `containers` (as
 * the ECS agent sends them: one report for a task's start or stop, not one
 * per container); each item is applied as a SubmitContainerStateChange,
 * then the task's own status. */
int op_submit_task_state_change(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    store_record_t task = {0};
    int found = load_reported_task(ctx, in, &task, err);
    const char *status = param_str(in, "status");
    bool changed = false;
    size_t i;
    json_t *ch;
    /* the task's ENI attachment, reported with it (model/fargate.h) */
    json_array_foreach(found == 1 && strcmp(task.status, "STOPPED") != 0 ? json_object_get(in, "attachments") : NULL,
                       i, ch) changed |= fargate_apply_attachment(task.doc, ch);
    json_array_foreach(found == 1 ? json_object_get(in, "containers") : NULL, i, ch)
        if (json_is_object(ch) && apply_container(ctx, &task, ch, &changed, err) < 0) {
            found = -1;
            goto answer;
        }
    if (found <= 0)
        goto answer;
    if (task_status_rank(status) <= task_status_rank(task.status)) { /* late or repeated */
        if (changed && put_changed(ctx, &task, err) < 0)
            found = -1;
        goto answer;
    }
    if (strcmp(status, "RUNNING") == 0) {
        mark_running(ctx, &task);
        found = task_put(ctx, &task, err) < 0 ? -1 : found;
    } else {
        /* STOPPED: containers the agent did not report are stopped with it */
        json_t *c;
        json_array_foreach(json_object_get(task.doc, "containers"), i, c)
            json_object_set_new(c, "lastStatus", json_string("STOPPED"));
        const char *reason = param_str(in, "reason");
        if (reason == NULL || reason[0] == '\0')
            reason = "Essential container in task exited";
        found = task_mark_stopped(ctx, &task, reason, err) < 0 ? -1 : found;
    }
answer:
    store_record_clear(&task);
    if (found < 0)
        return -1;
    *out = ack();
    return 0;
}
