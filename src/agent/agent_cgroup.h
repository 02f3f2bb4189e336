/* agent_cgroup.h - a cgroup per task holding its task-level cpu and
 * memory, as the ECS agent makes one: the task's containers are created
 * with HostConfig.CgroupParent "/ecs/<task id>", so the limits hold for
 * all of them together. Only with Docker's cgroupfs driver (the systemd
 * driver wants slices made through systemd).
 *
 *   cgroup v1: <root>/cpu/ecs/<id>: cpu.cfs_period_us 100000 and
 *              cpu.cfs_quota_us = units x 100000 / 1024 (task cpu set), else
 *              cpu.shares = the containers' cpu summed (at least 2);
 *              <root>/memory/ecs/<id>: memory.limit_in_bytes (task memory set).
 *   cgroup v2: <root>/ecs/<id> with cpu and memory enabled on the way down:
 *              cpu.max "<quota> 100000", memory.max.
 *
 * root is /sys/fs/cgroup (tests give a folder of their own). */
#ifndef ECSD_AGENT_CGROUP_H
#define ECSD_AGENT_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define AGENT_CGROUP_PREFIX "/ecs"
#define AGENT_CGROUP_PERIOD_US 100000
#define AGENT_CGROUP_PARENT_MAX 128

/* Makes the task's cgroup with its limits (cpu_units, mem_mib: 0 for
 * none; shares: used when cpu_units is 0) and fills parent with the
 * CgroupParent to give Docker. Making it again is harmless. -1 with err
 * (CgroupError) when a folder or a limit cannot be written. */
int agent_cgroup_create(const char *root, int version, const char *task_id, int64_t cpu_units, int64_t shares,
                        int64_t mem_mib, char parent[AGENT_CGROUP_PARENT_MAX], ecs_error_t *err);
/* Removes the task's cgroup folders in every hierarchy (once its
 * containers are removed they are empty). -1 when one is still busy. */
int agent_cgroup_remove(const char *root, int version, const char *task_id);

#endif
