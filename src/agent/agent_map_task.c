/* agent_map_task.c - the task as a whole before its containers: what the
 * agent cannot do yet (the task fails at once with a reason that names the
 * field, never a silent pretend), its task-level limits, and the names and
 * create bodies of its named Docker volumes. Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_logs.h"
#include "agent/agent_map.h"
#include "agent/agent_pause.h"
#include "common/units.h"

#define PREFIX "ResourceInitializationError: "
#define NOT_YET "is not available on ecsd yet"

__attribute__((format(printf, 3, 4))) static int fail(char *reason, size_t size, const char *fmt, ...)
{
    int at = snprintf(reason, size, PREFIX);
    va_list ap;
    va_start(ap, fmt);
    if (at > 0 && (size_t)at < size)
        vsnprintf(reason + at, size - (size_t)at, fmt, ap);
    va_end(ap);
    return -1;
}

static bool non_empty(const json_t *v)
{
    return (json_is_array(v) && json_array_size(v) > 0) || (json_is_object(v) && json_object_size(v) > 0) ||
           (json_is_string(v) && json_string_length(v) > 0);
}

static int check_container(const json_t *c, const agent_caps_t *caps, char *reason, size_t size)
{
    const char *name = json_string_value(json_object_get(c, "name"));
    name = name ? name : "?";
    static const struct {
        const char *member, *what;
    } later[] = {
        {"repositoryCredentials", "repositoryCredentials (private registry authentication)"},
        {"firelensConfiguration", "firelensConfiguration (FireLens log routing)"},
        {"credentialSpecs", "credentialSpecs (gMSA)"},
    };
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++)
        if (non_empty(json_object_get(c, later[i].member)))
            return fail(reason, size, "container %s: %s: %s " NOT_YET, name, later[i].member, later[i].what);
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(c, "resourceRequirements"), i, r)
    {
        const char *type = json_string_value(json_object_get(r, "type"));
        return fail(reason, size, "container %s: resourceRequirements: %s " NOT_YET, name, type ? type : "?");
    }
    json_array_foreach(json_object_get(c, "dockerSecurityOptions"), i, r)
    {
        const char *opt = json_string_value(r);
        if (opt != NULL && strncmp(opt, "credentialspec", 14) == 0)
            return fail(reason, size, "container %s: dockerSecurityOptions: %.60s " NOT_YET, name, opt);
    }
    const json_t *lc = json_object_get(c, "logConfiguration");
    const char *driver = json_string_value(json_object_get(lc, "logDriver"));
    if (driver != NULL && strcmp(driver, "awslogs") == 0) { /* shipped by the agent itself */
        char why[300];
        if (agent_logs_check(json_object_get(lc, "options"), why, sizeof why) < 0)
            return fail(reason, size, "container %s: logConfiguration: %s", name, why);
        return 0;
    }
    if (driver != NULL && strcmp(driver, "awsfirelens") == 0)
        return fail(reason, size, "container %s: logConfiguration: the awsfirelens log driver " NOT_YET, name);
    if (driver != NULL && !agent_caps_log_driver(caps, driver))
        return fail(reason, size,
                    "container %s: logConfiguration: log driver '%.40s' is not available in this "
                    "host's Docker engine",
                    name, driver);
    return 0;
}

static int check_volumes(const json_t *taskdef, char *reason, size_t size)
{
    static const char *const later[] = {"efsVolumeConfiguration", "fsxWindowsFileServerVolumeConfiguration"};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(taskdef, "volumes"), i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        for (size_t k = 0; k < sizeof later / sizeof later[0]; k++)
            if (json_object_get(v, later[k]) != NULL)
                return fail(reason, size, "volume %s: %s: such volumes are not available on ecsd", name ? name : "?",
                            later[k]);
        if (json_is_true(json_object_get(v, "configuredAtLaunch")))
            return fail(reason, size, "volume %s: configuredAtLaunch: EBS volumes are not available on ecsd",
                        name ? name : "?");
    }
    return 0;
}

int agent_map_task_check(const json_t *taskdef, const agent_caps_t *caps, char *reason, size_t size)
{
    const char *net = agent_map_network_mode(taskdef);
    if (strcmp(net, "bridge") != 0 && strcmp(net, "host") != 0 && strcmp(net, "none") != 0 &&
        strcmp(net, "awsvpc") != 0)
        return fail(reason, size, "networkMode %.20s " NOT_YET " (bridge, host, none and awsvpc are)", net);
    if (strcmp(net, "awsvpc") == 0 && !agent_pause_supported())
        return fail(reason, size, "networkMode awsvpc: the agent's pause container runs on x86-64 hosts only");
    static const char *const modes[] = {"pidMode", "ipcMode"};
    for (size_t i = 0; i < 2; i++) {
        const char *m = json_string_value(json_object_get(taskdef, modes[i]));
        if (m != NULL && strcmp(m, "task") == 0)
            return fail(reason, size, "%s task (a namespace shared by the task's containers) " NOT_YET " (host is)",
                        modes[i]);
    }
    static const char *const later[] = {"proxyConfiguration", "inferenceAccelerators"};
    for (size_t i = 0; i < 2; i++)
        if (non_empty(json_object_get(taskdef, later[i])))
            return fail(reason, size, "%s " NOT_YET, later[i]);
    if (check_volumes(taskdef, reason, size) < 0)
        return -1;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i,
                       c) if (check_container(c, caps, reason, size) < 0) return -1;
    int64_t cpu, mem;
    if (agent_map_task_limits(taskdef, &cpu, &mem, reason, size) < 0)
        return -1;
    if ((cpu > 0 || mem > 0) && !agent_caps_task_limits(caps))
        return fail(reason, size,
                    "task-level cpu/memory need a cgroup per task, which the agent makes only "
                    "with Docker's cgroupfs driver (this engine uses another)");
    return 0;
}

/* A task-level value: a JSON string ("256", "1 vCPU") or, from older
 * documents, a number. 0 when absent. */
static int task_value(const json_t *v, int (*parse)(const char *, int64_t *), int64_t *out)
{
    *out = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *out = json_integer_value(v);
        return 0;
    }
    return json_is_string(v) ? parse(json_string_value(v), out) : -1;
}

int agent_map_task_limits(const json_t *taskdef, int64_t *cpu_units, int64_t *mem_mib, char *reason, size_t size)
{
    json_t *cpu = json_object_get(taskdef, "cpu"), *mem = json_object_get(taskdef, "memory");
    if (task_value(cpu, units_task_cpu, cpu_units) < 0)
        return fail(reason, size, "cpu '%.40s' is not a task-level cpu",
                    json_is_string(cpu) ? json_string_value(cpu) : "?");
    if (task_value(mem, units_task_memory, mem_mib) < 0)
        return fail(reason, size, "memory '%.40s' is not a task-level memory",
                    json_is_string(mem) ? json_string_value(mem) : "?");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c)
    {
        json_int_t m = json_integer_value(json_object_get(c, "memory"));
        if (*mem_mib > 0 && m > *mem_mib) /* as the ECS agent refuses it */
            return fail(reason, size, "container %s: memory %lld MiB is more than the task's %lld MiB",
                        json_string_value(json_object_get(c, "name")), (long long)m, (long long)*mem_mib);
    }
    return 0;
}

bool agent_map_volume_task_scoped(const json_t *vol)
{
    const char *scope = json_string_value(json_object_get(json_object_get(vol, "dockerVolumeConfiguration"), "scope"));
    return scope == NULL || strcmp(scope, "shared") != 0;
}

void agent_map_volume_name(const json_t *taskdef, const json_t *vol, const char *task_arn,
                           char out[AGENT_DOCKER_NAME_MAX])
{
    const char *name = json_string_value(json_object_get(vol, "name"));
    if (!agent_map_volume_task_scoped(vol)) {
        snprintf(out, AGENT_DOCKER_NAME_MAX, "%s", name ? name : "");
        return;
    }
    const char *family = json_string_value(json_object_get(taskdef, "family"));
    agent_map_docker_name(family ? family : "", (long long)json_integer_value(json_object_get(taskdef, "revision")),
                          name ? name : "", task_arn, out);
}

json_t *agent_map_volume_body(const json_t *taskdef, const json_t *vol, const char *task_arn, const char *cluster)
{
    const json_t *dvc = json_object_get(vol, "dockerVolumeConfiguration");
    char name[AGENT_DOCKER_NAME_MAX];
    agent_map_volume_name(taskdef, vol, task_arn, name);
    const char *driver = json_string_value(json_object_get(dvc, "driver"));
    json_t *opts = json_object_get(dvc, "driverOpts"), *labels = json_object_get(dvc, "labels");
    json_t *body = json_pack("{s:s, s:s, s:o, s:o}", "Name", name, "Driver", driver && driver[0] ? driver : "local",
                             "DriverOpts", json_is_object(opts) ? json_copy(opts) : json_object(), "Labels",
                             json_is_object(labels) ? json_copy(labels) : json_object());
    if (body != NULL && agent_map_volume_task_scoped(vol)) { /* found again (and removed) by these */
        json_t *l = json_object_get(body, "Labels");
        json_object_set_new(l, AGENT_LABEL_TASK_ARN, json_string(task_arn));
        json_object_set_new(l, AGENT_LABEL_CLUSTER, json_string(cluster));
    }
    return body;
}
