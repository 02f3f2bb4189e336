#include "agent/agent_task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/clock.h"

#define REASON_SENT_MAX 255 /* the ECS agent truncates reasons to this */

const char *agent_status_name(agent_cstatus_t s)
{
    return s == AGENT_STOPPED ? "STOPPED" : s == AGENT_RUNNING ? "RUNNING" : "PENDING";
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

/* A task the agent cannot run: no containers, stopping with this reason. */
static agent_task_t *unrunnable(agent_task_t *t, const char *reason)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->c[i].name);
        json_decref(t->c[i].bindings);
    }
    t->n = 0;
    t->desired_stopped = true;
    free(t->stop_reason);
    size_t len = strlen(reason) + 32;
    t->stop_reason = malloc(len);
    if (t->stop_reason != NULL)
        snprintf(t->stop_reason, len, "UnrecognizedTaskError: %s", reason);
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
        json_decref(t->c[i].bindings);
    }
    free(t->c);
    free(t->order);
    free(t->arn);
    free(t->family);
    free(t->stop_reason);
    json_decref(t->taskdef);
    json_decref(t->overrides);
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

static void report_container(agent_task_t *t, agent_container_t *c, const agent_sink_t *s)
{
    c->sent = c->known;
    if (t->silent || s == NULL)
        return;
    json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "cluster", s->cluster, "task", t->arn, "containerName",
                             c->name, "status", agent_status_name(c->known));
    if (body == NULL)
        return;
    if (c->known == AGENT_RUNNING && json_array_size(c->bindings) > 0)
        json_object_set(body, "networkBindings", c->bindings);
    if (c->known == AGENT_STOPPED) {
        if (c->has_exit_code)
            json_object_set_new(body, "exitCode", json_integer(c->exit_code));
        if (c->reason != NULL)
            json_object_set_new(body, "reason", json_stringn(c->reason, strnlen(c->reason, REASON_SENT_MAX)));
    }
    s->fn(s->arg, "SubmitContainerStateChange", body);
}

static void report_task(agent_task_t *t, const char *status, const char *reason, const agent_sink_t *s)
{
    if (t->silent || s == NULL)
        return;
    json_t *body = json_pack("{s:s, s:s, s:s}", "cluster", s->cluster, "task", t->arn, "status", status);
    if (body == NULL)
        return;
    if (reason != NULL)
        json_object_set_new(body, "reason", json_stringn(reason, strnlen(reason, REASON_SENT_MAX)));
    s->fn(s->arg, "SubmitTaskStateChange", body);
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
    if (c->sent < AGENT_RUNNING)
        report_container(t, c, s);
    agent_task_check(t, s);
}

bool agent_task_container_stopped(agent_task_t *t, size_t i, const int *exit_code, const char *reason, bool failed,
                                  const agent_sink_t *s)
{
    agent_container_t *c = &t->c[i];
    if (c->known == AGENT_STOPPED)
        return false;
    c->known = AGENT_STOPPED;
    c->busy = false;
    if (exit_code != NULL) {
        c->has_exit_code = true;
        c->exit_code = *exit_code;
    }
    if (reason != NULL && c->reason == NULL)
        c->reason = strdup(reason);
    if (c->sent < AGENT_STOPPED)
        report_container(t, c, s);
    bool began = false;
    if (c->essential && !t->desired_stopped) {
        t->desired_stopped = true;
        began = true;
        if (failed && reason != NULL && t->stop_reason == NULL)
            t->stop_reason = strdup(reason);
    }
    agent_task_check(t, s);
    return began;
}

void agent_task_desire_stop(agent_task_t *t) { t->desired_stopped = true; }

agent_action_t agent_task_next(const agent_task_t *t, size_t *i)
{
    if (t->desired_stopped) {
        for (size_t k = 0; k < t->n; k++) {
            const agent_container_t *c = &t->c[k];
            if (c->known == AGENT_STOPPED || c->busy)
                continue;
            *i = k;
            return c->known == AGENT_RUNNING ? AGENT_ACT_STOP : AGENT_ACT_ABANDON;
        }
        return AGENT_ACT_NONE;
    }
    for (size_t k = 0; k < t->n; k++) {
        size_t j = t->order[k];
        switch (t->c[j].known) {
        case AGENT_NONE:
            *i = j;
            return AGENT_ACT_PULL;
        case AGENT_PULLED:
            *i = j;
            return AGENT_ACT_CREATE;
        case AGENT_CREATED:
            *i = j;
            return AGENT_ACT_START;
        default:
            break;
        }
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
        json_array_append_new(containers, json_pack("{s:s, s:s, s:s}", "DockerId", c->docker_id, "DockerName",
                                                    c->docker_name, "Name", c->name));
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
