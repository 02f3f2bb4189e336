#include "agent/agent_host.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent_fs.h"
#include "common/cleanup.h"

static const uint16_t reserved_ports[] = {22, 2375, 2376, 51678, 51679};

int agent_host_parse_meminfo(const char *text, int64_t *mib)
{
    const char *p = text;
    while (p != NULL && *p != '\0') {
        long long kb;
        if (sscanf(p, "MemTotal: %lld kB", &kb) == 1 && kb > 0) {
            *mib = kb / 1024;
            return 0;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

static void add_port(json_t *list, uint16_t port)
{
    char s[8];
    snprintf(s, sizeof s, "%u", port);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
        if (strcmp(json_string_value(v), s) == 0)
            return;
    json_array_append_new(list, json_string(s));
}

json_t *agent_host_total_resources(long cpus, int64_t memory_mib, const uint16_t *extra_ports, size_t n_extra)
{
    json_t *ports = json_array();
    for (size_t i = 0; i < sizeof reserved_ports / sizeof reserved_ports[0]; i++)
        add_port(ports, reserved_ports[i]);
    for (size_t i = 0; i < n_extra; i++)
        add_port(ports, extra_ports[i]);
    return json_pack("[{s:s, s:s, s:I}, {s:s, s:s, s:I}, {s:s, s:s, s:o}, {s:s, s:s, s:[]}]", "name", "CPU", "type",
                     "INTEGER", "integerValue", (json_int_t)cpus * 1024, "name", "MEMORY", "type", "INTEGER",
                     "integerValue", (json_int_t)memory_mib, "name", "PORTS", "type", "STRINGSET", "stringSetValue",
                     ports, "name", "PORTS_UDP", "type", "STRINGSET", "stringSetValue");
}

int agent_host_resources(int64_t reserved_mib, const uint16_t *extra_ports, size_t n_extra, json_t **out,
                         ecs_error_t *err)
{
    cleanup_free char *meminfo = agent_fs_read("/proc/meminfo", NULL);
    int64_t mib;
    if (meminfo == NULL || agent_host_parse_meminfo(meminfo, &mib) < 0)
        return ecs_server_err(err, "cannot read MemTotal from /proc/meminfo");
    if (reserved_mib >= mib)
        return ecs_invalid_param(err, "--reserved-memory %lld MiB leaves no memory of the host's %lld MiB",
                                 (long long)reserved_mib, (long long)mib);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    *out = agent_host_total_resources(cpus > 0 ? cpus : 1, mib - reserved_mib, extra_ports, n_extra);
    return *out ? 0 : ecs_server_err(err, "out of memory");
}
