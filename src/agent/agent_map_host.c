/* agent_map_host.c - the newer members of a container definition as
 * Docker's create body wants them (pure, like agent_map.c):
 *
 *   hostname -> Config.Hostname, user -> Config.User, workingDirectory ->
 *   Config.WorkingDir, interactive -> Config.OpenStdin, pseudoTerminal ->
 *   Config.Tty, disableNetworking -> Config.NetworkDisabled, stopTimeout ->
 *   Config.StopTimeout, healthCheck -> Config.Healthcheck (seconds -> ns;
 *   ECS's defaults interval 30, timeout 5, retries 3);
 *   privileged, readonlyRootFilesystem, extraHosts ("host:ip"), dnsServers,
 *   dnsSearchDomains, dockerSecurityOptions, systemControls (Sysctls),
 *   memoryReservation (MiB -> bytes), ulimits, logConfiguration (LogConfig),
 *   linuxParameters (CapAdd/CapDrop, Devices, Init, ShmSize, Tmpfs,
 *   MemorySwap = memory + maxSwap, MemorySwappiness, default 60 as ECS),
 *   the task's networkMode host/none, pidMode/ipcMode host and its cgroup
 *   (CgroupParent) -> HostConfig.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent_logs.h"
#include "agent/agent_map.h"

#define MIB (1024LL * 1024)
#define MIN_MEMORY_BYTES (6 * MIB) /* Docker refuses less, also for a reservation */
#define NS_PER_S 1000000000LL

const char *agent_map_network_mode(const json_t *taskdef)
{
    const char *m = json_string_value(json_object_get(taskdef, "networkMode"));
    return m != NULL && m[0] != '\0' ? m : "bridge";
}

static void copy_str(const json_t *def, const char *member, json_t *to, const char *key)
{
    json_t *v = json_object_get(def, member);
    if (json_is_string(v))
        json_object_set(to, key, v);
}

static void copy_bool(const json_t *def, const char *member, json_t *to, const char *key)
{
    json_t *v = json_object_get(def, member);
    if (json_is_boolean(v))
        json_object_set(to, key, v);
}

static void copy_strings(const json_t *def, const char *member, json_t *to, const char *key)
{
    json_t *v = json_object_get(def, member);
    if (json_is_array(v) && json_array_size(v) > 0)
        json_object_set(to, key, v);
}

static json_int_t int_or(const json_t *obj, const char *member, json_int_t dflt)
{
    json_t *v = json_object_get(obj, member);
    return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static void healthcheck(const json_t *def, json_t *config)
{
    const json_t *hc = json_object_get(def, "healthCheck");
    json_t *cmd = json_object_get(hc, "command");
    if (!json_is_array(cmd) || json_array_size(cmd) == 0)
        return;
    json_t *h =
        json_pack("{s:O, s:I, s:I, s:I}", "Test", cmd, "Interval", (json_int_t)(int_or(hc, "interval", 30) * NS_PER_S),
                  "Timeout", (json_int_t)(int_or(hc, "timeout", 5) * NS_PER_S), "Retries", int_or(hc, "retries", 3));
    json_int_t start = int_or(hc, "startPeriod", 0);
    if (h != NULL && start > 0)
        json_object_set_new(h, "StartPeriod", json_integer(start * NS_PER_S));
    json_object_set_new(config, "Healthcheck", h);
}

static void extra_hosts(const json_t *def, json_t *host)
{
    json_t *list = json_object_get(def, "extraHosts");
    if (json_array_size(list) == 0)
        return;
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *name = json_string_value(json_object_get(e, "hostname"));
        const char *ip = json_string_value(json_object_get(e, "ipAddress"));
        if (name == NULL || ip == NULL)
            continue;
        char s[512];
        snprintf(s, sizeof s, "%s:%s", name, ip);
        json_array_append_new(out, json_string(s));
    }
    json_object_set_new(host, "ExtraHosts", out);
}

static void sysctls(const json_t *def, json_t *host)
{
    json_t *list = json_object_get(def, "systemControls");
    if (json_array_size(list) == 0)
        return;
    json_t *out = json_object();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *ns = json_string_value(json_object_get(e, "namespace"));
        json_t *v = json_object_get(e, "value");
        if (ns != NULL && json_is_string(v))
            json_object_set(out, ns, v);
    }
    json_object_set_new(host, "Sysctls", out);
}

static void ulimits(const json_t *def, json_t *host)
{
    json_t *list = json_object_get(def, "ulimits");
    if (json_array_size(list) == 0)
        return;
    json_t *out = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(list, i, u)
    {
        const char *name = json_string_value(json_object_get(u, "name"));
        if (name != NULL)
            json_array_append_new(out, json_pack("{s:s, s:I, s:I}", "Name", name, "Soft",
                                                 json_integer_value(json_object_get(u, "softLimit")), "Hard",
                                                 json_integer_value(json_object_get(u, "hardLimit"))));
    }
    json_object_set_new(host, "Ulimits", out);
}

/* The driver's options, and the secretOptions fetched for them. */
static void log_config(const agent_map_task_t *t, const json_t *def, const json_t *secret_opts, json_t *config, json_t *host)
{
    const json_t *lc = json_object_get(def, "logConfiguration");
    const char *driver = json_string_value(json_object_get(lc, "logDriver"));
    if (driver == NULL)
        return;
    if (strcmp(driver, "awslogs") == 0) { /* the agent ships it (agent_logs.h) */
        agent_logs_map(t->task_arn, json_string_value(json_object_get(def, "name")),
                       json_object_get(lc, "options"), json_object_get(config, "Labels"), host);
        return;
    }
    json_t *opts = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(lc, "options"), key, v) if (json_is_string(v)) json_object_set(opts, key, v);
    json_object_foreach((json_t *)secret_opts, key, v) json_object_set(opts, key, v);
    json_object_set_new(host, "LogConfig", json_pack("{s:s, s:o}", "Type", driver, "Config", opts));
}

/* "rwm" from ECS's permissions ["read", "write", "mknod"] (all when none). */
static void device_perms(const json_t *perms, char out[4])
{
    size_t n = 0, i;
    json_t *p;
    if (json_array_size(perms) == 0) {
        snprintf(out, 4, "rwm");
        return;
    }
    bool r = false, w = false, m = false;
    json_array_foreach(perms, i, p)
    {
        const char *s = json_string_value(p);
        r = r || (s && strcmp(s, "read") == 0);
        w = w || (s && strcmp(s, "write") == 0);
        m = m || (s && strcmp(s, "mknod") == 0);
    }
    if (r)
        out[n++] = 'r';
    if (w)
        out[n++] = 'w';
    if (m)
        out[n++] = 'm';
    out[n] = '\0';
}

static void devices(const json_t *lp, json_t *host)
{
    json_t *list = json_object_get(lp, "devices");
    if (json_array_size(list) == 0)
        return;
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(list, i, d)
    {
        const char *hp = json_string_value(json_object_get(d, "hostPath"));
        const char *cp = json_string_value(json_object_get(d, "containerPath"));
        char perms[4];
        device_perms(json_object_get(d, "permissions"), perms);
        if (hp != NULL)
            json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "PathOnHost", hp, "PathInContainer", cp ? cp : hp,
                                                 "CgroupPermissions", perms));
    }
    json_object_set_new(host, "Devices", out);
}

static void tmpfs(const json_t *lp, json_t *host)
{
    json_t *list = json_object_get(lp, "tmpfs");
    if (json_array_size(list) == 0)
        return;
    json_t *out = json_object();
    size_t i, k;
    json_t *t, *o;
    json_array_foreach(list, i, t)
    {
        const char *path = json_string_value(json_object_get(t, "containerPath"));
        if (path == NULL)
            continue;
        char opts[1024];
        size_t at = (size_t)snprintf(opts, sizeof opts, "size=%lldm",
                                     (long long)json_integer_value(json_object_get(t, "size")));
        json_array_foreach(json_object_get(t, "mountOptions"), k, o)
        {
            const char *s = json_string_value(o);
            if (s != NULL && at < sizeof opts)
                at += (size_t)snprintf(opts + at, sizeof opts - at, ",%s", s);
        }
        json_object_set_new(out, path, json_string(opts));
    }
    json_object_set_new(host, "Tmpfs", out);
}

static int linux_parameters(const json_t *def, json_t *host, ecs_error_t *err)
{
    const json_t *lp = json_object_get(def, "linuxParameters");
    if (!json_is_object(lp))
        return 0;
    const json_t *caps = json_object_get(lp, "capabilities");
    copy_strings(caps, "add", host, "CapAdd");
    copy_strings(caps, "drop", host, "CapDrop");
    devices(lp, host);
    tmpfs(lp, host);
    if (json_is_true(json_object_get(lp, "initProcessEnabled")))
        json_object_set_new(host, "Init", json_true());
    json_int_t shm = int_or(lp, "sharedMemorySize", 0);
    if (shm > 0)
        json_object_set_new(host, "ShmSize", json_integer(shm * MIB));
    json_t *max_swap = json_object_get(lp, "maxSwap");
    if (json_is_integer(max_swap)) {
        json_int_t memory = json_integer_value(json_object_get(host, "Memory"));
        if (memory <= 0)
            return ecs_client_err(err, "linuxParameters.maxSwap needs the container's memory (a hard limit)");
        json_object_set_new(host, "MemorySwap", json_integer(memory + json_integer_value(max_swap) * MIB));
        json_object_set_new(host, "MemorySwappiness", json_integer(int_or(lp, "swappiness", 60)));
    }
    return 0;
}

/* The task's namespaces: networkMode host / none, pidMode / ipcMode host. */
static void task_modes(const json_t *taskdef, json_t *host)
{
    const char *net = agent_map_network_mode(taskdef);
    if (strcmp(net, "host") == 0 || strcmp(net, "none") == 0)
        json_object_set_new(host, "NetworkMode", json_string(net));
    const char *pid = json_string_value(json_object_get(taskdef, "pidMode"));
    if (pid != NULL && strcmp(pid, "host") == 0)
        json_object_set_new(host, "PidMode", json_string("host"));
    const char *ipc = json_string_value(json_object_get(taskdef, "ipcMode"));
    if (ipc != NULL && (strcmp(ipc, "host") == 0 || strcmp(ipc, "none") == 0))
        json_object_set_new(host, "IpcMode", json_string(ipc));
}

int agent_map_extras(const agent_map_task_t *t, const json_t *def, json_t *config, json_t *host, ecs_error_t *err)
{
    copy_str(def, "hostname", config, "Hostname");
    copy_str(def, "user", config, "User");
    copy_str(def, "workingDirectory", config, "WorkingDir");
    copy_bool(def, "interactive", config, "OpenStdin");
    copy_bool(def, "pseudoTerminal", config, "Tty");
    copy_bool(def, "disableNetworking", config, "NetworkDisabled");
    json_int_t stop = int_or(def, "stopTimeout", 0);
    if (stop > 0)
        json_object_set_new(config, "StopTimeout", json_integer(stop));
    healthcheck(def, config);
    copy_bool(def, "privileged", host, "Privileged");
    copy_bool(def, "readonlyRootFilesystem", host, "ReadonlyRootfs");
    copy_strings(def, "dnsServers", host, "Dns");
    copy_strings(def, "dnsSearchDomains", host, "DnsSearch");
    copy_strings(def, "dockerSecurityOptions", host, "SecurityOpt");
    extra_hosts(def, host);
    sysctls(def, host);
    ulimits(def, host);
    log_config(t, def,
               json_object_get(json_object_get(t->injected, json_string_value(json_object_get(def, "name"))), "log"),
               config, host);
    json_int_t reservation = int_or(def, "memoryReservation", 0);
    if (reservation > 0) {
        long long bytes = (long long)reservation * MIB;
        json_object_set_new(host, "MemoryReservation",
                            json_integer(bytes < MIN_MEMORY_BYTES ? MIN_MEMORY_BYTES : bytes));
    }
    task_modes(t->taskdef, host);
    if (t->cgroup_parent != NULL && t->cgroup_parent[0] != '\0')
        json_object_set_new(host, "CgroupParent", json_string(t->cgroup_parent));
    return linux_parameters(def, host, err);
}
