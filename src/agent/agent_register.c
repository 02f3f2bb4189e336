/* agent_register.c - the host's identity: RegisterContainerInstance with
 * the ARN kept in the data folder (re-attach), or anew when the server no
 * longer knows it; DiscoverPollEndpoint (docs/agent-protocol.md §1-2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent_fs.h"
#include "agent/agent_host.h"
#include "agent/agent_int.h"
#include "common/cleanup.h"
#include "common/log.h"

#define INSTANCE_FILE "agent-instance.json"

static void instance_path(const agent_t *a, char *path, size_t size)
{
    snprintf(path, size, "%s/" INSTANCE_FILE, a->data_dir);
}

/* The ARN saved for this cluster, or "". */
static void load_arn(const agent_t *a, char arn[AGENT_ARN_MAX])
{
    char path[4200];
    instance_path(a, path, sizeof path);
    arn[0] = '\0';
    cleanup_free char *text = agent_fs_read(path, NULL);
    cleanup_json json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    const char *cluster = json_string_value(json_object_get(j, "cluster"));
    const char *saved = json_string_value(json_object_get(j, "containerInstanceArn"));
    if (saved == NULL)
        return;
    if (cluster == NULL || strcmp(cluster, a->opts.cluster) != 0) {
        log_warn("the data folder knows instance %s of cluster %s, not of %s: registering anew", saved,
                 cluster ? cluster : "?", a->opts.cluster);
        return;
    }
    snprintf(arn, AGENT_ARN_MAX, "%s", saved);
}

static int save_arn(const agent_t *a, const char *arn, ecs_error_t *err)
{
    char path[4200];
    instance_path(a, path, sizeof path);
    cleanup_json json_t *j = json_pack("{s:s, s:s}", "cluster", a->opts.cluster, "containerInstanceArn", arn);
    cleanup_free char *text = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (text == NULL)
        return ecs_server_err(err, "out of memory");
    return agent_fs_write_atomic(path, text, strlen(text), err);
}

void agent_forget_instance(agent_t *a)
{
    char path[4200];
    instance_path(a, path, sizeof path);
    if (unlink(path) < 0 && errno != ENOENT)
        log_warn("cannot remove %s: %s", path, strerror(errno));
    pthread_mutex_lock(&a->lock);
    a->instance_arn[0] = '\0';
    pthread_mutex_unlock(&a->lock);
}

static int call(agent_t *a, const char *op, json_t *in, json_t **out, ecs_error_t *err)
{
    cleanup_json json_t *owned = in;
    cleanup_free char *body = in ? json_dumps(in, JSON_COMPACT) : NULL;
    if (body == NULL)
        return ecs_server_err(err, "out of memory");
    return agent_client_call(a->client, op, body, out, err);
}

static int create_cluster(agent_t *a, ecs_error_t *err)
{
    cleanup_json json_t *out = NULL;
    log_info("creating cluster %s", a->opts.cluster);
    return call(a, "CreateCluster", json_pack("{s:s}", "clusterName", a->opts.cluster), &out, err);
}

int agent_read_caps(agent_t *a, ecs_error_t *err)
{
    cleanup_json json_t *version = NULL, *info = NULL;
    if (a->rt.system(a->rt.impl, "version", &version, err) < 0 || a->rt.system(a->rt.impl, "info", &info, err) < 0)
        return -1;
    agent_caps_from_docker(version, info, &a->caps);
    agent_engine_set_caps(a->engine, &a->caps);
    log_info("Docker API 1.%d, cgroup v%d with the %s driver%s", a->caps.api_minor, a->caps.cgroup_version,
             a->caps.cgroupfs ? "cgroupfs" : "systemd (or another)",
             agent_caps_task_limits(&a->caps) ? "" : ": no task-level cpu/memory limits");
    return 0;
}

int agent_register(agent_t *a, const char *docker_version, ecs_error_t *err)
{
    char arn[AGENT_ARN_MAX], dv[160];
    load_arn(a, arn);
    snprintf(dv, sizeof dv, "DockerVersion: %s", docker_version);
    json_t *resources = NULL;
    if (agent_host_resources(a->opts.reserved_memory_mib, a->opts.extra_ports, a->opts.n_extra_ports, &resources,
                             err) < 0)
        return -1;
    cleanup_json json_t *res = resources;
    cleanup_json json_t *attrs = agent_caps_attributes(&a->caps);
    agent_opts_attributes(&a->opts, attrs);
    static const char *const iam[] = {"com.amazonaws.ecs.capability.task-iam-role",
                                       "com.amazonaws.ecs.capability.task-iam-role-network-host"};
    for (size_t i = 0; a->tmds != NULL && i < 2; i++) /* the task endpoint serves roles' credentials */
        json_array_append_new(attrs, json_pack("{s:s}", "name", iam[i]));
    bool created = false;
    for (;;) {
        json_t *in = json_pack("{s:s, s:O, s:O, s:{s:s, s:s, s:s}}", "cluster", a->opts.cluster, "totalResources",
                               res, "attributes", attrs, "versionInfo", "agentVersion", a->opts.version,
                               "agentHash", a->opts.hash, "dockerVersion", dv);
        if (in != NULL && arn[0] != '\0')
            json_object_set_new(in, "containerInstanceArn", json_string(arn));
        cleanup_json json_t *out = NULL;
        if (call(a, "RegisterContainerInstance", in, &out, err) == 0) {
            const char *got = json_string_value(
                json_object_get(json_object_get(out, "containerInstance"), "containerInstanceArn"));
            if (got == NULL)
                return ecs_server_err(err, "RegisterContainerInstance answered without an ARN");
            log_info("%s container instance %s", arn[0] != '\0' ? "re-attached to" : "registered as", got);
            if (strcmp(got, arn) != 0 && save_arn(a, got, err) < 0)
                return -1;
            pthread_mutex_lock(&a->lock);
            snprintf(a->instance_arn, sizeof a->instance_arn, "%s", got);
            pthread_mutex_unlock(&a->lock);
            return 0;
        }
        if (arn[0] != '\0' && err->status == 400 &&
            (strcmp(err->type, "ClientException") == 0 || strcmp(err->type, "InvalidParameterException") == 0)) {
            log_warn("instance %s cannot be re-attached (%s): registering anew", arn, err->message);
            arn[0] = '\0';
            continue;
        }
        if (a->opts.create_cluster && !created && strcmp(err->type, "ClusterNotFoundException") == 0) {
            created = true;
            if (create_cluster(a, err) < 0)
                return -1;
            continue;
        }
        return -1;
    }
}

int agent_discover(agent_t *a, char *url, size_t size, ecs_error_t *err)
{
    char arn[AGENT_ARN_MAX];
    pthread_mutex_lock(&a->lock);
    snprintf(arn, sizeof arn, "%s", a->instance_arn);
    pthread_mutex_unlock(&a->lock);
    cleanup_json json_t *out = NULL;
    if (call(a, "DiscoverPollEndpoint", json_pack("{s:s, s:s}", "cluster", a->opts.cluster, "containerInstance", arn),
             &out, err) < 0)
        return -1;
    const char *endpoint = json_string_value(json_object_get(out, "endpoint"));
    if (endpoint == NULL || strncmp(endpoint, "http", 4) != 0)
        return ecs_server_err(err, "DiscoverPollEndpoint answered no endpoint");
    snprintf(url, size, "%s", endpoint);
    return 0;
}
