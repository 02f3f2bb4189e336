#include "agent/agent_caps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP "com.amazonaws.ecs.capability."
#define ATTR "ecs.capability."
#define API_OLDEST 17 /* the ECS agent lists docker-remote-api.1.17 and up */
#define API_NEWEST 44 /* ... to the newest it knows */

/* "none" is always there; the engine does not list it among its plugins. */
const char *const agent_log_drivers[] = {"json-file", "local",  "syslog",  "journald", "gelf",
                                         "fluentd",   "splunk", "awslogs", "none",     NULL};

static int driver_bit(const char *name)
{
    for (int i = 0; agent_log_drivers[i] != NULL; i++)
        if (strcmp(agent_log_drivers[i], name) == 0)
            return i;
    return -1;
}

void agent_caps_from_docker(const json_t *version, const json_t *info, agent_caps_t *out)
{
    memset(out, 0, sizeof *out);
    /* awslogs: the agent ships it itself (agent_logs.h), whatever the engine has. */
    out->log_drivers = 1u << driver_bit("none") | 1u << driver_bit("awslogs");
    const char *api = json_string_value(json_object_get(version, "ApiVersion"));
    int major = 0, minor = 0;
    if (api != NULL && sscanf(api, "%d.%d", &major, &minor) == 2 && major == 1)
        out->api_minor = minor;
    const char *driver = json_string_value(json_object_get(info, "CgroupDriver"));
    const char *cgv = json_string_value(json_object_get(info, "CgroupVersion"));
    out->cgroupfs = driver != NULL && strcmp(driver, "cgroupfs") == 0;
    out->cgroup_version = cgv ? atoi(cgv) : (driver ? 1 : 0); /* engines before 20.10 do not say: v1 */
    size_t i;
    json_t *d;
    json_array_foreach(json_object_get(json_object_get(info, "Plugins"), "Log"), i, d)
    {
        int bit = json_is_string(d) ? driver_bit(json_string_value(d)) : -1;
        if (bit >= 0)
            out->log_drivers |= 1u << bit;
    }
    json_array_foreach(json_object_get(info, "SecurityOptions"), i, d)
    {
        /* "name=apparmor", "name=seccomp,profile=builtin", "name=selinux" */
        const char *opt = json_is_string(d) ? json_string_value(d) : "";
        size_t len = strcspn(opt, ",");
        if (len == 13 && strncmp(opt, "name=apparmor", len) == 0)
            out->apparmor = true;
        else if (len == 12 && strncmp(opt, "name=selinux", len) == 0)
            out->selinux = true;
    }
    json_array_foreach(json_object_get(json_object_get(info, "Plugins"), "Volume"), i, d)
    {
        const char *name = json_is_string(d) ? json_string_value(d) : "local";
        if (strcmp(name, "local") != 0 && strlen(name) < sizeof out->volume_drivers[0] &&
            out->n_volume_drivers < AGENT_CAPS_VOLUME_DRIVERS)
            snprintf(out->volume_drivers[out->n_volume_drivers++], sizeof out->volume_drivers[0], "%s", name);
    }
    const char *arch = json_string_value(json_object_get(info, "Architecture"));
    if (arch == NULL)
        arch = json_string_value(json_object_get(version, "Arch"));
    if (arch == NULL)
        arch = "";
    if (strcmp(arch, "aarch64") == 0 || strcmp(arch, "arm64") == 0)
        arch = "arm64";
    else if (strcmp(arch, "amd64") == 0)
        arch = "x86_64";
    snprintf(out->arch, sizeof out->arch, "%s", arch);
}

bool agent_caps_log_driver(const agent_caps_t *c, const char *driver)
{
    int bit = driver ? driver_bit(driver) : -1;
    return bit >= 0 && (c->log_drivers & (1u << bit)) != 0;
}

bool agent_caps_task_limits(const agent_caps_t *c)
{
    return c->cgroupfs && (c->cgroup_version == 1 || c->cgroup_version == 2);
}

static void add(json_t *list, const char *prefix, const char *name, const char *value)
{
    char full[160];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    json_t *a = json_pack("{s:s}", "name", full);
    if (a != NULL && value != NULL)
        json_object_set_new(a, "value", json_string(value));
    json_array_append_new(list, a);
}

json_t *agent_caps_attributes(const agent_caps_t *c)
{
    json_t *list = json_array();
    add(list, "ecs.", "os-type", "linux");
    add(list, "ecs.", "os-family", "LINUX");
    if (c->arch[0] != '\0')
        add(list, "ecs.", "cpu-architecture", c->arch);
    add(list, CAP, "privileged-container", NULL);
    int newest = c->api_minor > API_NEWEST ? API_NEWEST : c->api_minor;
    for (int v = API_OLDEST; v <= newest; v++) {
        char name[48];
        snprintf(name, sizeof name, "docker-remote-api.1.%d", v);
        add(list, CAP, name, NULL);
    }
    for (int i = 0; agent_log_drivers[i] != NULL; i++) {
        if ((c->log_drivers & (1u << i)) == 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "logging-driver.%s", agent_log_drivers[i]);
        add(list, CAP, name, NULL);
    }
    if (c->api_minor >= 24)
        add(list, ATTR, "container-health-check", NULL);
    add(list, ATTR, "container-ordering", NULL);
    add(list, ATTR, "execution-role-awslogs", NULL); /* awslogs with an executionRoleArn: the agent's keys */
    add(list, ATTR, "container-restart-policy", NULL);
    add(list, ATTR, "network.container-port-range", NULL);
    add(list, ATTR, "docker-plugin.local", NULL);
    add(list, ATTR, "pid-ipc-namespace-sharing", NULL);
    for (int i = 0; i < c->n_volume_drivers; i++) {
        char name[96];
        snprintf(name, sizeof name, "docker-plugin.%s", c->volume_drivers[i]);
        add(list, ATTR, name, NULL);
    }
    /* Secrets from the server's Parameter Store and Secrets Manager, and
     * environment files (from --env-files-dir; without it such a task
     * fails with a reason that says so): agent/agent_secrets.h. */
    add(list, ATTR, "secrets.ssm.environment-variables", NULL);
    add(list, ATTR, "secrets.asm.environment-variables", NULL);
    add(list, ATTR, "secrets.ssm.bootstrap.log-driver", NULL);
    add(list, ATTR, "secrets.asm.bootstrap.log-driver", NULL);
    add(list, ATTR, "env-files.s3", NULL);
    if (c->selinux)
        add(list, CAP, "selinux", NULL);
    if (c->apparmor)
        add(list, CAP, "apparmor", NULL);
    if (agent_caps_task_limits(c)) {
        add(list, ATTR, "task-cpu-mem-limit", NULL);
        add(list, ATTR, "increased-task-cpu-limit", NULL);
    }
    return list;
}
