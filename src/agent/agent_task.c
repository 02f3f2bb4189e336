#include "agent/agent_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_awsvpc.h"
#include "common/cleanup.h"
#include "common/clock.h"

#define REASON_SENT_MAX 255 /* the ECS agent truncates reasons to this */

const char *agent_status_name(agent_cstatus_t s)
{
    return s == AGENT_STOPPED ? "STOPPED" : s == AGENT_RUNNING ? "RUNNING" : "PENDING";
}

const char *agent_health_name(agent_health_t h)
{
    return h == AGENT_HEALTH_HEALTHY ? "HEALTHY" : h == AGENT_HEALTH_UNHEALTHY ? "UNHEALTHY" : "UNKNOWN";
}

agent_health_t agent_health_from_docker(const char *status)
{
    if (status != NULL && strcmp(status, "healthy") == 0)
        return AGENT_HEALTH_HEALTHY;
    if (status != NULL && strcmp(status, "unhealthy") == 0)
        return AGENT_HEALTH_UNHEALTHY;
    return AGENT_HEALTH_UNKNOWN;
}

static agent_cstatus_t status_from_name(const char *s)
{
    if (s != NULL && strcmp(s, "RUNNING") == 0)
        return AGENT_RUNNING;
    if (s != NULL && strcmp(s, "STOPPED") == 0)
        return AGENT_STOPPED;
    return AGENT_NONE;
}

static void set_id(agent_task_t *t)
{
    const char *slash = strrchr(t->arn, '/');
    snprintf(t->id, sizeof t->id, "%s", slash ? slash + 1 : t->arn);
}

static agent_task_t *task_alloc(const char *arn, size_t n)
{
    agent_task_t *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->arn = strdup(arn);
    t->c = calloc(n ? n : 1, sizeof *t->c);
    t->order = calloc(n ? n : 1, sizeof *t->order);
    if (t->arn == NULL || t->c == NULL || t->order == NULL) {
        agent_task_free(t);
        return NULL;
    }
    t->n = n;
    for (size_t i = 0; i < n; i++)
        t->order[i] = i;
    set_id(t);
    return t;
}

void agent_task_fail(agent_task_t *t, const char *reason)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->c[i].name);
        free(t->c[i].reason);
        free(t->c[i].arn);
        json_decref(t->c[i].bindings);
        json_decref(t->c[i].inspect);
    }
    t->n = 0;
    t->desired_stopped = true;
    free(t->stop_reason);
    t->stop_reason = strdup(reason);
}

/* A task the agent cannot make sense of. */
static agent_task_t *unrunnable(agent_task_t *t, const char *reason)
{
    char full[ECS_ERROR_MESSAGE_MAX + 32];
    snprintf(full, sizeof full, "UnrecognizedTaskError: %s", reason);
    agent_task_fail(t, full);
    return t;
}

agent_task_t *agent_task_from_poll(const json_t *entry)
{
    const char *arn = json_string_value(json_object_get(entry, "taskArn"));
    json_t *td = json_object_get(entry, "taskDefinition");
    json_t *defs = json_object_get(td, "containerDefinitions");
    agent_task_t *t = task_alloc(arn ? arn : "", json_array_size(defs));
    if (t == NULL)
        return NULL;
    const char *desired = json_string_value(json_object_get(entry, "desiredStatus"));
    t->desired_stopped = desired != NULL && strcmp(desired, "STOPPED") == 0;
    t->running_sent = status_from_name(json_string_value(json_object_get(entry, "lastStatus"))) == AGENT_RUNNING;
    t->in_poll = true;
    const char *family = json_string_value(json_object_get(td, "family"));
    t->family = strdup(family ? family : "");
    t->revision = json_integer_value(json_object_get(td, "revision"));
    t->taskdef = json_incref(td);
    t->overrides = json_incref(json_object_get(entry, "overrides"));
    const char *net = json_string_value(json_object_get(td, "networkMode"));
    t->awsvpc = net != NULL && strcmp(net, "awsvpc") == 0;
    const char *eni = agent_awsvpc_eni_id(entry);
    snprintf(t->eni_id, sizeof t->eni_id, "%s", eni ? eni : "");
    if (t->family == NULL) {
        agent_task_free(t);
        return NULL;
    }
    if (!json_is_object(td) || t->n == 0)
        return unrunnable(t, "the task came without its task definition");
    size_t i;
    json_t *def;
    json_array_foreach(defs, i, def) {
        agent_container_t *c = &t->c[i];
        const char *name = json_string_value(json_object_get(def, "name"));
        c->name = strdup(name ? name : "");
        if (c->name == NULL) {
            agent_task_free(t);
            return NULL;
        }
        c->def = def;
        json_t *ess = json_object_get(def, "essential");
        c->essential = ess == NULL || json_is_true(ess);
        json_t *check = json_object_get(json_object_get(def, "healthCheck"), "command");
        c->health = json_array_size(check) > 0 ? AGENT_HEALTH_UNKNOWN : AGENT_HEALTH_NONE;
        agent_map_docker_name(t->family, t->revision, c->name, t->arn, c->docker_name);
        size_t k;
        json_t *reported;
        json_array_foreach(json_object_get(entry, "containers"), k, reported) {
            const char *n = json_string_value(json_object_get(reported, "name"));
            if (n != NULL && strcmp(n, c->name) == 0)
                c->sent = status_from_name(json_string_value(json_object_get(reported, "lastStatus")));
        }
    }
    ecs_error_t err;
    if (agent_map_start_order(defs, t->order, &err) < 0)
        return unrunnable(t, err.message);
    return t;
}

agent_task_t *agent_task_orphan(const char *arn, size_t n, const char *const *names)
{
    agent_task_t *t = task_alloc(arn, n);
    if (t == NULL)
        return NULL;
    t->family = strdup("");
    t->silent = true;
    t->desired_stopped = true;
    for (size_t i = 0; i < n; i++) {
        t->c[i].name = strdup(names[i]);
        if (t->c[i].name == NULL || t->family == NULL) {
            agent_task_free(t);
            return NULL;
        }
    }
    return t;
}

void agent_task_free(agent_task_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; t->c != NULL && i < t->n; i++) {
        free(t->c[i].name);
        free(t->c[i].reason);
        free(t->c[i].arn);
        json_decref(t->c[i].bindings);
        json_decref(t->c[i].inspect);
    }
    json_decref(t->role_creds);
    json_decref(t->exec_creds);
    json_decref(t->info);
    free(t->c);
    free(t->order);
    free(t->arn);
    free(t->family);
    free(t->stop_reason);
    json_decref(t->taskdef);
    json_decref(t->overrides);
    json_decref(t->injected);
    free(t);
}

int agent_task_find(const agent_task_t *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->c[i].name, name) == 0)
            return (int)i;
    return -1;
}

agent_container_t *agent_task_by_docker_id(agent_task_t *t, const char *id)
{
    size_t len = strlen(id);
    if (len < 12)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (t->c[i].docker_id[0] != '\0' && strncmp(t->c[i].docker_id, id, len) == 0)
            return &t->c[i];
    return NULL;
}

agent_health_t agent_task_health(const agent_task_t *t)
{
    size_t checked = 0, healthy = 0;
    for (size_t i = 0; i < t->n; i++) {
        const agent_container_t *c = &t->c[i];
        if (!c->essential || c->health == AGENT_HEALTH_NONE)
            continue;
        if (c->health == AGENT_HEALTH_UNHEALTHY)
            return AGENT_HEALTH_UNHEALTHY;
        checked++;
        healthy += c->health == AGENT_HEALTH_HEALTHY;
    }
    return checked > 0 && healthy == checked ? AGENT_HEALTH_HEALTHY : AGENT_HEALTH_UNKNOWN;
}

/* What changed of container c since its last report, as one item of
 * SubmitTaskStateChange's `containers` (the members of a
 * SubmitContainerStateChange without cluster and task); marks it sent. */
static json_t *container_change(agent_task_t *t, agent_container_t *c)
{
    c->sent = c->known;
    if (c->known == AGENT_RUNNING && c->health != AGENT_HEALTH_NONE) {
        c->health_sent = c->health;
        t->health_sent = agent_task_health(t);
    }
    json_t *ch = json_pack("{s:s, s:s}", "containerName", c->name, "status", agent_status_name(c->known));
    if (ch == NULL)
        return NULL;
    if (c->known == AGENT_RUNNING && json_array_size(c->bindings) > 0)
        json_object_set(ch, "networkBindings", c->bindings);
    if (c->known == AGENT_RUNNING && c->health != AGENT_HEALTH_NONE) { /* ecsd's own members */
        json_object_set_new(ch, "healthStatus", json_string(agent_health_name(c->health)));
        json_object_set_new(ch, "taskHealthStatus", json_string(agent_health_name(t->health_sent)));
    }
    if (c->known == AGENT_STOPPED) {
        if (c->has_exit_code)
            json_object_set_new(ch, "exitCode", json_integer(c->exit_code));
        if (c->reason != NULL)
            json_object_set_new(ch, "reason", json_stringn(c->reason, strnlen(c->reason, REASON_SENT_MAX)));
    }
    return ch;
}

static void report_container(agent_task_t *t, agent_container_t *c, const agent_sink_t *s)
{
    json_t *body = container_change(t, c);
    if (body == NULL || t->silent || s == NULL) {
        json_decref(body);
        return;
    }
    json_object_set_new(body, "cluster", json_string(s->cluster));
    json_object_set_new(body, "task", json_string(t->arn));
    s->fn(s->arg, "SubmitContainerStateChange", body);
}

/* The task's report carries every container change not yet sent: a task
 * that starts or stops costs one report, not one per container. */
static void report_task(agent_task_t *t, const char *status, const char *reason, const agent_sink_t *s)
{
    json_t *changes = json_array();
    for (size_t i = 0; i < t->n; i++)
        if (t->c[i].sent < t->c[i].known)
            json_array_append_new(changes, container_change(t, &t->c[i]));
    if (t->silent || s == NULL) {
        json_decref(changes);
        return;
    }
    json_t *body = json_pack("{s:s, s:s, s:s}", "cluster", s->cluster, "task", t->arn, "status", status);
    if (body == NULL) {
        json_decref(changes);
        return;
    }
    if (json_array_size(changes) > 0)
        json_object_set_new(body, "containers", changes);
    else
        json_decref(changes);
    if (reason != NULL)
        json_object_set_new(body, "reason", json_stringn(reason, strnlen(reason, REASON_SENT_MAX)));
    s->fn(s->arg, "SubmitTaskStateChange", body);
}

/* The task's RUNNING report has gone, or its containers' reports go on
 * their own (a task that is stopping). */
static bool task_started(const agent_task_t *t) { return t->running_sent || t->desired_stopped; }

/* While the task starts, a container's RUNNING waits for the task's own
 * report, which comes when the last container runs: unless its health is
 * to be told as it changes, or a dependsOn condition may hold the others
 * back for long (startTimeout). */
static bool holds_report(const agent_task_t *t, const agent_container_t *c)
{
    if (c->health != AGENT_HEALTH_NONE)
        return false;
    for (size_t i = 0; i < t->n; i++)
        if (json_array_size(json_object_get(t->c[i].def, "dependsOn")) > 0)
            return false;
    return true;
}

void agent_task_check(agent_task_t *t, const agent_sink_t *s)
{
    bool all_stopped = true, all_running = t->n > 0;
    for (size_t i = 0; i < t->n; i++) {
        all_stopped = all_stopped && t->c[i].known == AGENT_STOPPED;
        all_running = all_running && t->c[i].known >= AGENT_RUNNING;
    }
    if (all_stopped) {
        if (t->stopped_ms == 0)
            t->stopped_ms = clock_now_ms();
        if (!t->stopped_sent) {
            t->stopped_sent = true;
            report_task(t, "STOPPED", t->stop_reason, s);
        }
    } else if (all_running && !t->running_sent && !t->desired_stopped) {
        t->running_sent = true;
        report_task(t, "RUNNING", NULL, s);
    }
}

void agent_task_container_running(agent_task_t *t, size_t i, json_t *bindings, const agent_sink_t *s)
{
    agent_container_t *c = &t->c[i];
    if (c->known >= AGENT_RUNNING) {
        json_decref(bindings);
        return;
    }
    c->known = AGENT_RUNNING;
    json_decref(c->bindings);
    c->bindings = bindings ? bindings : json_array();
    agent_task_check(t, s); /* the task's report carries it when the task is now RUNNING */
    if (c->sent < AGENT_RUNNING && (task_started(t) || !holds_report(t, c)))
        report_container(t, c, s);
}

bool agent_task_container_stopped(agent_task_t *t, size_t i, const int *exit_code, const char *reason, bool failed,
                                  const agent_sink_t *s)
{
    agent_container_t *c = &t->c[i];
    if (c->known == AGENT_STOPPED)
        return false;
    c->known = AGENT_STOPPED;
    c->busy = false;
    c->restart_due = false;
    if (exit_code != NULL) {
        c->has_exit_code = true;
        c->exit_code = *exit_code;
    }
    if (reason != NULL && c->reason == NULL)
        c->reason = strdup(reason);
    bool began = false;
    if (c->essential && !t->desired_stopped) {
        t->desired_stopped = true;
        began = true;
        if (failed && reason != NULL && t->stop_reason == NULL)
            t->stop_reason = strdup(reason);
    }
    agent_task_check(t, s); /* the task's STOPPED report carries it when it was the last */
    if (c->sent < AGENT_STOPPED)
        report_container(t, c, s); /* others still run: on its own */
    return began;
}

void agent_task_desire_stop(agent_task_t *t) { t->desired_stopped = true; }

void agent_task_container_health(agent_task_t *t, size_t i, agent_health_t h, const agent_sink_t *s)
{
    agent_container_t *c = &t->c[i];
    if (c->health == AGENT_HEALTH_NONE || h == AGENT_HEALTH_NONE || c->health == h)
        return;
    c->health = h;
    if (c->known == AGENT_RUNNING && c->sent == AGENT_RUNNING && !t->desired_stopped &&
        (c->health_sent != h || t->health_sent != agent_task_health(t)))
        report_container(t, c, s); /* RUNNING again, with the new health */
}

agent_action_t agent_task_next(const agent_task_t *t, int64_t now_ms, size_t *i)
{
    if (t->desired_stopped) {
        for (size_t k = 0; k < t->n; k++) {
            const agent_container_t *c = &t->c[k];
            if (c->known == AGENT_STOPPED || c->busy)
                continue;
            if (c->known != AGENT_RUNNING) {
                *i = k;
                return AGENT_ACT_ABANDON;
            }
            if (agent_order_may_stop(t, k)) {
                *i = k;
                return AGENT_ACT_STOP;
            }
        }
        bool all_stopped = true;
        for (size_t k = 0; k < t->n; k++)
            all_stopped = all_stopped && t->c[k].known == AGENT_STOPPED;
        if (t->awsvpc && !t->net_released && all_stopped)
            return AGENT_ACT_RELEASE;
        return AGENT_ACT_NONE;
    }
    for (size_t k = 0; k < t->n; k++) {
        size_t j = t->order[k];
        const agent_container_t *c = &t->c[j];
        if (c->restart_due && !c->busy) {
            *i = j;
            return AGENT_ACT_RESTART;
        }
        if (c->known >= AGENT_RUNNING)
            continue;
        agent_dep_t dep = agent_order_ready(t, j, now_ms, NULL, 0);
        if (dep == AGENT_DEP_WAIT)
            continue;
        *i = j;
        if (dep == AGENT_DEP_FAILED)
            return AGENT_ACT_DEPFAIL;
        if (!t->prepared)
            return AGENT_ACT_PREPARE;
        return c->known == AGENT_NONE ? AGENT_ACT_PULL : c->known == AGENT_PULLED ? AGENT_ACT_CREATE : AGENT_ACT_START;
    }
    return AGENT_ACT_NONE;
}

json_t *agent_task_view(const agent_task_t *t)
{
    bool all_stopped = true, all_running = t->n > 0;
    json_t *containers = json_array();
    for (size_t i = 0; i < t->n; i++) {
        const agent_container_t *c = &t->c[i];
        all_stopped = all_stopped && c->known == AGENT_STOPPED;
        all_running = all_running && c->known >= AGENT_RUNNING;
        json_t *view = json_pack("{s:s, s:s, s:s}", "DockerId", c->docker_id, "DockerName", c->docker_name, "Name",
                                 c->name);
        if (view != NULL && c->health != AGENT_HEALTH_NONE)
            json_object_set_new(view, "HealthStatus", json_string(agent_health_name(c->health)));
        if (view != NULL && c->restarts > 0)
            json_object_set_new(view, "RestartCount", json_integer(c->restarts));
        json_array_append_new(containers, view);
    }
    const char *known = all_stopped ? "STOPPED" : all_running ? "RUNNING" : "PENDING";
    char version[24];
    snprintf(version, sizeof version, "%lld", t->revision);
    json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:o}", "Arn", t->arn, "KnownStatus", known, "Family", t->family,
                          "Version", version, "Containers", containers);
    if (v != NULL)
        json_object_set_new(v, "DesiredStatus", json_string(t->desired_stopped ? "STOPPED" : "RUNNING"));
    return v;
}
