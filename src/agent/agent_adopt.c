/* agent_adopt.c - after a restart: the containers of the cluster that
 * Docker still has are taken over, never started a second time
 * (ecs-behavior.md §8.9). The scan runs before the first poll answer; that
 * answer then says which tasks they belong to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_engine_int.h"
#include "agent/agent_map.h"
#include "common/cleanup.h"
#include "common/log.h"

#define VANISHED "ContainerVanishedError: No container matching saved ID found"

/* What the first apply needs of one container. */
static json_t *container_info(const char *id, const json_t *inspect)
{
    json_t *state = json_object_get(inspect, "State");
    const char *status = json_string_value(json_object_get(state, "Status"));
    const char *name = json_string_value(json_object_get(inspect, "Name"));
    if (name != NULL && name[0] == '/')
        name++;
    return json_pack("{s:s, s:s, s:s, s:O*, s:b, s:o, s:O*}", "id", id, "name", name ? name : "", "state",
                     status ? status : "exited", "exitCode", json_object_get(state, "ExitCode"), "oom",
                     json_is_true(json_object_get(state, "OOMKilled")), "bindings", agent_map_bindings(inspect),
                     "inspect", inspect); /* for the metadata endpoint */
}

json_t *agent_adopt_scan(const agent_runtime_t *rt, const char *cluster, ecs_error_t *err)
{
    char label[400];
    snprintf(label, sizeof label, "%s=%s", AGENT_LABEL_CLUSTER, cluster);
    cleanup_json json_t *list = NULL;
    if (rt->list(rt->impl, label, &list, err) < 0)
        return NULL;
    cleanup_json json_t *found = json_object();
    size_t k;
    json_t *s;
    json_array_foreach(list, k, s) {
        const char *id = json_string_value(json_object_get(s, "Id"));
        json_t *labels = json_object_get(s, "Labels");
        const char *arn = json_string_value(json_object_get(labels, AGENT_LABEL_TASK_ARN));
        const char *name = json_string_value(json_object_get(labels, AGENT_LABEL_CONTAINER));
        if (id == NULL || arn == NULL || name == NULL)
            continue;
        cleanup_json json_t *inspect = NULL;
        int rc = rt->inspect(rt->impl, id, &inspect, err);
        if (rc < 0)
            return NULL;
        if (rc == 0)
            continue; /* removed meanwhile */
        json_t *of_task = json_object_get(found, arn);
        if (of_task == NULL) {
            of_task = json_object();
            json_object_set_new(found, arn, of_task);
        }
        json_object_set_new(of_task, name, container_info(id, inspect));
    }
    if (json_object_size(found) > 0)
        log_info("found the containers of %zu tasks in Docker", json_object_size(found));
    return steal_pointer(&found);
}

static bool is_running(const char *state)
{
    return strcmp(state, "running") == 0 || strcmp(state, "paused") == 0 || strcmp(state, "restarting") == 0;
}

/* Sets the container's id and name from info and its known status from
 * Docker's; reports what the server was not told (unless silent). */
static void take(agent_engine_t *e, agent_task_t *t, size_t i, const json_t *info)
{
    agent_container_t *c = &t->c[i];
    const char *state = json_string_value(json_object_get(info, "state"));
    snprintf(c->docker_id, sizeof c->docker_id, "%s", json_string_value(json_object_get(info, "id")));
    snprintf(c->docker_name, sizeof c->docker_name, "%s", json_string_value(json_object_get(info, "name")));
    json_decref(c->inspect);
    c->inspect = json_incref(json_object_get(info, "inspect"));
    c->known = AGENT_CREATED;
    if (is_running(state)) {
        agent_task_container_running(t, i, json_incref(json_object_get(info, "bindings")), &e->sink);
    } else if (strcmp(state, "created") != 0) {
        json_t *code = json_object_get(info, "exitCode");
        int exit_code = (int)json_integer_value(code);
        const char *reason = json_is_true(json_object_get(info, "oom"))
                                 ? "OutOfMemoryError: Container killed due to memory usage"
                                 : NULL;
        agent_task_container_stopped(t, i, json_is_integer(code) ? &exit_code : NULL, reason, false, &e->sink);
    }
}

void agent_adopt_task(agent_engine_t *e, agent_task_t *t, const json_t *found_for_task)
{
    size_t adopted = 0;
    for (size_t i = 0; i < t->n; i++) {
        agent_container_t *c = &t->c[i];
        const json_t *info = json_object_get(found_for_task, c->name);
        if (info != NULL) {
            take(e, t, i, info);
            adopted++;
        } else if (c->sent == AGENT_STOPPED) {
            c->known = AGENT_STOPPED; /* stopped and reported (and perhaps removed) */
        } else if (c->sent == AGENT_RUNNING) {
            agent_task_container_stopped(t, i, NULL, VANISHED, false, &e->sink);
        }
    }
    if (adopted > 0)
        log_info("task %s: took over %zu containers from Docker", t->arn, adopted);
}

static bool listed(const json_t *tasks, const char *arn)
{
    size_t k;
    json_t *entry;
    json_array_foreach(tasks, k, entry) {
        const char *a = json_string_value(json_object_get(entry, "taskArn"));
        if (a != NULL && strcmp(a, arn) == 0)
            return true;
    }
    return false;
}

void agent_adopt_orphans(agent_engine_t *e, const json_t *tasks)
{
    const char *arn;
    json_t *of_task;
    json_object_foreach(e->found, arn, of_task) {
        if (listed(tasks, arn))
            continue;
        size_t n = json_object_size(of_task), k = 0;
        cleanup_free const char **names = calloc(n ? n : 1, sizeof *names);
        if (names == NULL)
            continue;
        const char *name;
        json_t *info;
        json_object_foreach(of_task, name, info)
            names[k++] = name;
        agent_task_t *t = agent_task_orphan(arn, n, names);
        if (t == NULL)
            continue;
        for (k = 0; k < n; k++)
            take(e, t, k, json_object_get(of_task, names[k]));
        agent_task_check(t, &e->sink);
        t->next = e->tasks;
        e->tasks = t;
        log_info("task %s: not wanted by the server any more; its %zu containers are stopped and removed later",
                 arn, n);
    }
}
