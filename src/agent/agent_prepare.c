/* agent_prepare.c - a task's own resources, made before its first
 * container step (the ECS agent's "task resources"): its cgroup with the
 * task-level cpu and memory, and its named Docker volumes
 * (dockerVolumeConfiguration): scope task made for it (and removed at its
 * cleanup), scope shared used when it exists, made when autoprovision
 * says so, refused when it exists with another driver. A failure stops
 * the whole task with the reason. Then its secrets and environment files
 * (agent_secrets.c), fetched once, before any container exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_awsvpc.h"
#include "agent/agent_cgroup.h"
#include "agent/agent_engine_int.h"
#include "agent/agent_secrets.h"
#include "common/cleanup.h"
#include "common/log.h"

#define FAILED "ResourceInitializationError: "

/* One named volume; lock released. */
static int ensure_volume(agent_engine_t *e, const json_t *taskdef, const json_t *vol, const char *arn, ecs_error_t *err)
{
    const json_t *dvc = json_object_get(vol, "dockerVolumeConfiguration");
    char name[AGENT_DOCKER_NAME_MAX];
    agent_map_volume_name(taskdef, vol, arn, name);
    cleanup_json json_t *body = agent_map_volume_body(taskdef, vol, arn, e->cluster);
    if (body == NULL)
        return ecs_server_err(err, "out of memory");
    if (e->rt.volume_create == NULL || e->rt.volume_inspect == NULL)
        return ecs_server_err(err, "this runtime has no volumes");
    if (!agent_map_volume_task_scoped(vol)) {
        cleanup_json json_t *info = NULL;
        int found = e->rt.volume_inspect(e->rt.impl, name, &info, err);
        if (found < 0)
            return -1;
        if (found == 1) {
            const char *want = json_string_value(json_object_get(body, "Driver"));
            const char *have = json_string_value(json_object_get(info, "Driver"));
            if (have != NULL && strcmp(have, want) != 0)
                return ecs_client_err(err, "volume %s: the shared Docker volume exists with driver %s, not %s", name,
                                      have, want);
            return 0;
        }
        if (!json_is_true(json_object_get(dvc, "autoprovision")))
            return ecs_client_err(err,
                                  "volume %s: the shared Docker volume does not exist and autoprovision is "
                                  "false",
                                  name);
    }
    log_info("task %s: creating Docker volume %s", arn, name);
    return e->rt.volume_create(e->rt.impl, body, err);
}

/* The cgroup, when the task sets task-level cpu or memory; lock released. */
static int make_cgroup(agent_engine_t *e, const json_t *taskdef, const char *task_id, int version,
                       char parent[AGENT_CGROUP_PARENT_MAX], ecs_error_t *err)
{
    int64_t cpu, mem, shares = 0;
    char why[512];
    parent[0] = '\0';
    if (agent_map_task_limits(taskdef, &cpu, &mem, why, sizeof why) < 0)
        return ecs_client_err(err, "%s", why + strlen(FAILED));
    if (cpu == 0 && mem == 0)
        return 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c) shares +=
        json_integer_value(json_object_get(c, "cpu"));
    return agent_cgroup_create(e->cgroup_root, version, task_id, cpu, shares, mem, parent, err);
}

void agent_prepare_task(agent_engine_t *e, agent_task_t *t)
{
    cleanup_json json_t *taskdef = json_incref(t->taskdef);
    cleanup_free char *arn = strdup(t->arn);
    char id[sizeof t->id], parent[AGENT_CGROUP_PARENT_MAX];
    snprintf(id, sizeof id, "%s", t->id);
    int version = e->caps.cgroup_version;
    bool awsvpc = t->awsvpc;
    agent_netns_t ns = {0};
    pthread_mutex_unlock(&e->lock);
    ecs_error_t err = {0};
    int rc = arn == NULL ? ecs_server_err(&err, "out of memory") : make_cgroup(e, taskdef, id, version, parent, &err);
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(taskdef, "volumes"), k,
                       v) if (rc == 0 && json_is_object(json_object_get(v, "dockerVolumeConfiguration"))) rc =
        ensure_volume(e, taskdef, v, arn, &err);
    if (rc == 0 && awsvpc) /* its network namespace, before any container joins it */
        rc = agent_awsvpc_setup(&e->rt, e->awsvpc_subnet, e->cluster, arn, id, parent, &ns, &err);
    cleanup_json json_t *injected = NULL;
    if (rc == 0)
        rc = agent_secrets_task(e->client, e->env_files_dir, taskdef, &injected, &err);
    pthread_mutex_lock(&e->lock);
    if (rc == 0 && awsvpc) {
        snprintf(t->ip, sizeof t->ip, "%s", ns.ip);
        log_info("task %s: its network namespace has the address %s", t->arn, ns.ip);
        json_t *report = agent_awsvpc_report(e->cluster, t->arn, t->eni_id, e->region, &ns);
        if (report != NULL && !t->silent)
            e->sink.fn(e->sink.arg, "SubmitAttachmentStateChanges", report);
        else
            json_decref(report);
    }
    if (rc == 0) {
        json_decref(t->injected);
        t->injected = json_incref(injected);
        t->prepared = true;
        snprintf(t->cgroup_parent, sizeof t->cgroup_parent, "%s", parent);
        if (parent[0] != '\0')
            log_info("task %s: cgroup %s holds its cpu and memory", t->arn, parent);
        return;
    }
    char reason[ECS_ERROR_MESSAGE_MAX + 64];
    snprintf(reason, sizeof reason, FAILED "%s", err.message);
    log_warn("task %s: %s", t->arn, reason);
    if (t->stop_reason == NULL)
        t->stop_reason = strdup(reason);
    agent_task_desire_stop(t); /* its containers never start: STOPPED without Docker calls */
    t->prepared = true;
}
