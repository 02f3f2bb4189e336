/* agent_opts.h - the agent's settings, read once from the config table
 * (common/config.h) into typed values: durations, port lists, credentials
 * with their AWS_* fallbacks. */
#ifndef ECSD_AGENT_OPTS_H
#define ECSD_AGENT_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/config.h"
#include "common/error.h"

#define AGENT_EXTRA_PORTS_MAX 100
#define AGENT_DEFAULT_DOCKER_HOST "unix:///var/run/docker.sock"

typedef struct agent_opts {
    /* Borrowed from the config (or the caller): live as long as the agent. */
    const char *cluster;
    const char *endpoint;       /* http://HOST:PORT of the server */
    const char *logs_endpoint;  /* where awslogs output goes, "" for endpoint (agent_logs.h) */
    const char *data_dir;       /* the agent's own folder */
    const char *docker_host;    /* unix:///PATH */
    const char *region;         /* signing region */
    const char *introspection;  /* ADDR:PORT, "" for none */
    const char *env_files_dir;  /* environmentFiles' folder (agent/agent_envfile.h), "" for none */
    const char *access_key, *secret_key;
    const char *version;        /* agentVersion: ecsd's */
    const char *hash;           /* agentHash: the build's git hash */
    int stop_timeout_s;         /* SIGTERM -> SIGKILL grace */
    int64_t reserved_memory_mib;
    int64_t cleanup_delay_ms;   /* stopped containers are removed after this */
    uint16_t extra_ports[AGENT_EXTRA_PORTS_MAX];
    size_t n_extra_ports;
    bool create_cluster;        /* `ecsd dev`: create the cluster when it is missing */
    const char *availability_zone; /* "" for none */
    const char *instance_type;     /* "" for none */
    const char *capacity_provider; /* "" for none */
    const char *instance_attributes; /* JSON object text, "" for none (checked by agent_opts_from_config) */
    const char *fargate;        /* "also", "only" or "no" */
    const char *awsvpc_subnet;  /* IPv4 CIDR */
    const char *task_endpoint;  /* ADDR:PORT of the task metadata endpoint, "" for none */
    bool task_endpoint_setup;   /* make its address local when it is not (and remove it at exit) */
} agent_opts_t;

/* Fills o from cfg (and the DOCKER_HOST / AWS_* environment where the
 * options are empty). -1 with a message naming the bad option. */
int agent_opts_from_config(const ecsd_config_t *cfg, agent_opts_t *o, ecs_error_t *err);

#define AGENT_CUSTOM_ATTRS_MAX 10

/* The attributes the agent registers besides its capabilities: awsvpc's
 * ecs.capability.task-eni, the Fargate capacity ones (model/fargate.h),
 * the zone, the instance type and the custom ones, appended to list. */
void agent_opts_attributes(const agent_opts_t *o, json_t *list);

/* "90", "90s", "15m", "3h", "500ms" -> milliseconds. -1 when malformed. */
int agent_parse_duration(const char *s, int64_t *ms);
/* "8080,9000 9001" (commas and/or spaces) -> ports. -1 when malformed
 * (not 1..65535) or more than max. */
int agent_parse_ports(const char *s, uint16_t *ports, size_t max, size_t *n);

#endif
