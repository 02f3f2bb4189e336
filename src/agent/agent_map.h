/* agent_map.h - a container definition as Docker wants it (pure: no I/O).
 *
 * ecs-behavior.md §8.6: cpu -> HostConfig.CpuShares (0: Docker's default;
 * 1 becomes 2, the kernel's minimum), memory (MiB) -> HostConfig.Memory in
 * bytes (at least Docker's 6 MiB), links -> HostConfig.Links
 * "<docker name>:<alias>", portMappings -> ExposedPorts + PortBindings
 * (hostPort 0 or absent: Docker chooses), entryPoint, command (a
 * containerOverrides command wins), environment (override entries replace
 * or add), mountPoints + task volumes -> Binds "<host>:<path>[:ro]" (a
 * volume without host.sourcePath gets a folder of the agent's),
 * volumesFrom -> HostConfig.VolumesFrom "<docker name>[:ro]", and the
 * labels the ECS agent sets. The newer members (health check, ulimits,
 * linuxParameters, log configuration, network mode, ...) are mapped by
 * agent_map_host.c, named Docker volumes and the checks of what the agent
 * cannot do by agent_map_task.c.
 */
#ifndef ECSD_AGENT_MAP_H
#define ECSD_AGENT_MAP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/agent_caps.h"
#include "common/error.h"

#define AGENT_DOCKER_NAME_MAX 256

/* Labels on every container the agent makes. */
#define AGENT_LABEL_TASK_ARN "com.amazonaws.ecs.task-arn"
#define AGENT_LABEL_CONTAINER "com.amazonaws.ecs.container-name"
#define AGENT_LABEL_CLUSTER "com.amazonaws.ecs.cluster"
#define AGENT_LABEL_FAMILY "com.amazonaws.ecs.task-definition-family"
#define AGENT_LABEL_REVISION "com.amazonaws.ecs.task-definition-version"

/* ecs-<family>-<revision>-<container>-<first 20 hex digits of the task id>:
 * the same task and container always give the same name, so a create
 * repeated after a crash meets the first one (409) instead of making a
 * second copy. Characters Docker does not allow are left out. */
void agent_map_docker_name(const char *family, long long revision, const char *container, const char *task_arn,
                           char out[AGENT_DOCKER_NAME_MAX]);

typedef struct agent_map_task {
    const char *task_arn;
    const char *cluster;
    const json_t *taskdef;            /* family, revision, containerDefinitions, volumes */
    const json_t *overrides;          /* the task's {"containerOverrides": [...]}, or NULL */
    const char *const *docker_names;  /* docker name of each container definition, by index */
    const char *volumes_dir;          /* <folder>/<volume name> for volumes without sourcePath */
    const char *cgroup_parent;        /* the task's cgroup (HostConfig.CgroupParent), or NULL */
    const json_t *agent_env;          /* the agent's own variables [{name, value}] (agent_meta_env), or NULL;
                                       * the definition's and the override's win */
    /* What agent_secrets_task() fetched, by container name: "files"
     * (environment files' [name, value] pairs: after an explicit
     * environment entry of the same name), "secrets" (win over both),
     * "log" (log driver options). NULL: none. */
    const json_t *injected;
} agent_map_task_t;

/* The body of POST /containers/create for container definition i. */
json_t *agent_map_create_body(const agent_map_task_t *t, size_t i, ecs_error_t *err);

/* agent_map_host.c: the newer members of container definition def onto
 * the create body's Config (config) and HostConfig (host). */
int agent_map_extras(const agent_map_task_t *t, const json_t *def, json_t *config, json_t *host, ecs_error_t *err);
/* The task's networkMode: "bridge" (also when absent), "host", "none", "awsvpc". */
const char *agent_map_network_mode(const json_t *taskdef);

/* Index of the definition named name (len bytes), or -1. */
int agent_map_find(const json_t *defs, const char *name, size_t len);

/* A start order: every container after the ones it links to, takes
 * volumes from or dependsOn; otherwise definition order. order gets n
 * indices. -1 (with a reason) on a cycle or an unknown name. */
int agent_map_start_order(const json_t *defs, size_t *order, ecs_error_t *err);

/* networkBindings (ECS form) from `docker inspect`'s NetworkSettings.Ports:
 * one per container port and protocol (an IPv6 twin of an IPv4 binding is
 * left out). Always an array. */
json_t *agent_map_bindings(const json_t *inspect);
/* networkBindings of container definition def once running: from inspect
 * in bridge mode; in host mode each port mapping binds its containerPort
 * on the host; none in mode none. Always an array. */
json_t *agent_map_container_bindings(const json_t *taskdef, const json_t *def, const json_t *inspect);

/* ---- agent_map_task.c: the task as a whole ---- */

/* What the agent cannot do for this task, found before any Docker call:
 * 0, or -1 with reason "ResourceInitializationError: <field>: <why>"
 * (secrets, environmentFiles, awslogs and other log drivers the engine
 * lacks, FireLens, EFS/FSx volumes, awsvpc, GPUs, task-level limits
 * without cgroupfs, ...). */
int agent_map_task_check(const json_t *taskdef, const agent_caps_t *caps, char *reason, size_t size);

/* The task-level cpu (units) and memory (MiB), 0 when not set. -1 with
 * reason when malformed or when a container's memory exceeds the task's. */
int agent_map_task_limits(const json_t *taskdef, int64_t *cpu_units, int64_t *mem_mib, char *reason, size_t size);

/* The Docker name of task volume vol (one with dockerVolumeConfiguration):
 * its own name for scope shared; for scope task (the default) a name of
 * this task's, ecs-<family>-<revision>-<volume>-<task id hex>, the same
 * after a restart. */
void agent_map_volume_name(const json_t *taskdef, const json_t *vol, const char *task_arn,
                           char out[AGENT_DOCKER_NAME_MAX]);
/* True for a volume of scope task (removed with the task). */
bool agent_map_volume_task_scoped(const json_t *vol);
/* The body of POST /volumes/create for vol: driver (default local),
 * driverOpts, labels (plus the task's labels for a task-scoped one). */
json_t *agent_map_volume_body(const json_t *taskdef, const json_t *vol, const char *task_arn, const char *cluster);

#endif
