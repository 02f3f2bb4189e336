/* agent_caps.h - what this host's Docker engine can do, read from its
 * /version and /info answers, and the attributes the agent registers the
 * instance with, named as the ECS agent names them (so that a task
 * definition's requiresAttributes, computed by ECS's rules, meets them):
 *
 *   ecs.os-type=linux, ecs.os-family=LINUX, ecs.cpu-architecture=x86_64|arm64,
 *   com.amazonaws.ecs.capability.privileged-container,
 *   com.amazonaws.ecs.capability.docker-remote-api.1.17 ... the engine's newest (at most 1.44),
 *   com.amazonaws.ecs.capability.logging-driver.<d> for each driver the engine has that the agent maps,
 *   and always logging-driver.awslogs with ecs.capability.execution-role-awslogs (the agent ships
 *   awslogs output itself with its own credentials, agent_logs.h),
 *   ecs.capability.container-health-check (API >= 1.24), ecs.capability.container-ordering,
 *   ecs.capability.container-restart-policy, ecs.capability.network.container-port-range,
 *   ecs.capability.docker-plugin.local, ecs.capability.pid-ipc-namespace-sharing,
 *   ecs.capability.task-cpu-mem-limit and ecs.capability.increased-task-cpu-limit
 *   (only with the cgroupfs driver: the agent makes each task's cgroup itself),
 *   com.amazonaws.ecs.capability.selinux / .apparmor when the engine's
 *   SecurityOptions have them (dockerSecurityOptions label:... / apparmor:...),
 *   ecs.capability.docker-plugin.<name> for each volume plugin of the engine
 *   (a dockerVolumeConfiguration driver other than local).
 *
 * Not advertised because the agent cannot do them yet: task IAM roles,
 * secrets, environment files, ECR authentication, awsvpc (task-eni), EFS,
 * FireLens, App Mesh, GPUs. */
#ifndef ECSD_AGENT_CAPS_H
#define ECSD_AGENT_CAPS_H

#include <jansson.h>
#include <stdbool.h>

/* The log drivers the agent maps, by bit index. */
extern const char *const agent_log_drivers[];

#define AGENT_CAPS_VOLUME_DRIVERS 8

typedef struct agent_caps {
    int api_minor;        /* the engine's newest API version is 1.<api_minor> */
    int cgroup_version;   /* 1 or 2 (0: unknown) */
    bool cgroupfs;        /* cgroup driver cgroupfs: task cgroups are possible */
    unsigned log_drivers; /* bit i: agent_log_drivers[i] is there */
    char arch[16];        /* ecs.cpu-architecture */
    bool apparmor, selinux; /* the engine's SecurityOptions have them */
    int n_volume_drivers;   /* the engine's volume plugins other than local */
    char volume_drivers[AGENT_CAPS_VOLUME_DRIVERS][64];
} agent_caps_t;

/* From Docker's GET /version and GET /info answers (either may be NULL:
 * what it would tell stays unknown). */
void agent_caps_from_docker(const json_t *version, const json_t *info, agent_caps_t *out);
/* True when the engine has this log driver and the agent maps it. */
bool agent_caps_log_driver(const agent_caps_t *c, const char *driver);
/* True when task-level cpu/memory can be enforced (a cgroup per task). */
bool agent_caps_task_limits(const agent_caps_t *c);
/* The attributes list of RegisterContainerInstance. */
json_t *agent_caps_attributes(const agent_caps_t *c);

#endif
