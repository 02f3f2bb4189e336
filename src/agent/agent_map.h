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
 * labels the ECS agent sets.
 */
#ifndef ECSD_AGENT_MAP_H
#define ECSD_AGENT_MAP_H

#include <jansson.h>
#include <stddef.h>

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
} agent_map_task_t;

/* The body of POST /containers/create for container definition i. */
json_t *agent_map_create_body(const agent_map_task_t *t, size_t i, ecs_error_t *err);

/* Index of the definition named name (len bytes), or -1. */
int agent_map_find(const json_t *defs, const char *name, size_t len);

/* A start order: every container after the ones it links to or takes
 * volumes from; otherwise definition order. order gets n indices. -1 (with
 * a reason) on a cycle or an unknown name. */
int agent_map_start_order(const json_t *defs, size_t *order, ecs_error_t *err);

/* networkBindings (ECS form) from `docker inspect`'s NetworkSettings.Ports:
 * one per container port and protocol (an IPv6 twin of an IPv4 binding is
 * left out). Always an array. */
json_t *agent_map_bindings(const json_t *inspect);

#endif
