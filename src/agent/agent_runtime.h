/* agent_runtime.h - the container runtime as the task engine sees it: a
 * small table of functions (the Docker client behind it in production,
 * a fake in unit tests). Each function has the contract of its docker_*
 * namesake in agent/docker.h. */
#ifndef ECSD_AGENT_RUNTIME_H
#define ECSD_AGENT_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>

#include "agent/docker.h"
#include "common/error.h"

typedef struct agent_runtime {
    void *impl;
    int (*version)(void *impl, char *version, size_t size, ecs_error_t *err);
    int (*image_present)(void *impl, const char *image, ecs_error_t *err);
    int (*pull)(void *impl, const char *image, ecs_error_t *err);
    int (*create)(void *impl, const char *name, const json_t *body, char id[DOCKER_ID_MAX + 1], ecs_error_t *err);
    int (*start)(void *impl, const char *id, ecs_error_t *err);
    int (*stop)(void *impl, const char *id, int timeout_s, ecs_error_t *err);
    int (*remove)(void *impl, const char *id, ecs_error_t *err);
    int (*inspect)(void *impl, const char *id, json_t **out, ecs_error_t *err);
    int (*list)(void *impl, const char *label, json_t **out, ecs_error_t *err);
    int (*system)(void *impl, const char *what, json_t **out, ecs_error_t *err);
    int (*volume_create)(void *impl, const json_t *body, ecs_error_t *err);
    int (*volume_inspect)(void *impl, const char *name, json_t **out, ecs_error_t *err);
    int (*volume_remove)(void *impl, const char *name, ecs_error_t *err);
    /* awsvpc (agent_awsvpc.c); NULL in runtimes without networks */
    int (*image_import)(void *impl, const char *repo, const char *tag, const char *changes, const void *tar,
                        size_t len, ecs_error_t *err);
    int (*network_inspect)(void *impl, const char *name, json_t **out, ecs_error_t *err);
    int (*network_create)(void *impl, const json_t *body, ecs_error_t *err);
    int (*events)(void *impl, const char *label, volatile bool *stop, docker_event_fn fn, void *arg,
                  ecs_error_t *err);
} agent_runtime_t;

/* The runtime of a Docker client (which stays the caller's). */
agent_runtime_t agent_runtime_docker(docker_t *d);

#endif
