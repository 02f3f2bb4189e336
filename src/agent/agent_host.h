/* agent_host.h - what the host offers, as RegisterContainerInstance's
 * totalResources (ecs-behavior.md §8.3): CPU = logical CPUs x 1024,
 * MEMORY = MemTotal in MiB less the reserve, PORTS = the ports the ECS
 * agent reserves (22, 2375, 2376, 51678, 51679) plus extra ones,
 * PORTS_UDP empty. */
#ifndef ECSD_AGENT_HOST_H
#define ECSD_AGENT_HOST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* MemTotal of /proc/meminfo's text, in MiB. -1 when absent. */
int agent_host_parse_meminfo(const char *text, int64_t *mib);

/* totalResources for these numbers (pure). Duplicate ports are listed once. */
json_t *agent_host_total_resources(long cpus, int64_t memory_mib, const uint16_t *extra_ports, size_t n_extra);

/* totalResources of this host. -1 when /proc/meminfo cannot be read or the
 * reserve is not smaller than the memory. */
int agent_host_resources(int64_t reserved_mib, const uint16_t *extra_ports, size_t n_extra, json_t **out,
                         ecs_error_t *err);

#endif
