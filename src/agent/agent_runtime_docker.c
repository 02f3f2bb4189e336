/* agent_runtime_docker.c - agent_runtime_t over the Docker client. */
#include "agent/agent_runtime.h"

static int version(void *d, char *v, size_t n, ecs_error_t *e) { return docker_version(d, v, n, e); }
static int present(void *d, const char *image, ecs_error_t *e) { return docker_image_present(d, image, e); }
static int pull(void *d, const char *image, ecs_error_t *e) { return docker_pull(d, image, e); }
static int create(void *d, const char *name, const json_t *body, char id[DOCKER_ID_MAX + 1], ecs_error_t *e)
{
    return docker_create(d, name, body, id, e);
}
static int start(void *d, const char *id, ecs_error_t *e) { return docker_start(d, id, e); }
static int stop(void *d, const char *id, int t, ecs_error_t *e) { return docker_stop(d, id, t, e); }
static int rm(void *d, const char *id, ecs_error_t *e) { return docker_remove(d, id, e); }
static int inspect(void *d, const char *id, json_t **out, ecs_error_t *e) { return docker_inspect(d, id, out, e); }
static int list(void *d, const char *label, json_t **out, ecs_error_t *e) { return docker_list(d, label, out, e); }
static int sys(void *d, const char *what, json_t **out, ecs_error_t *e) { return docker_system(d, what, out, e); }
static int vcreate(void *d, const json_t *body, ecs_error_t *e) { return docker_volume_create(d, body, e); }
static int vinspect(void *d, const char *name, json_t **out, ecs_error_t *e)
{
    return docker_volume_inspect(d, name, out, e);
}
static int vremove(void *d, const char *name, ecs_error_t *e) { return docker_volume_remove(d, name, e); }
static int import(void *d, const char *repo, const char *tag, const char *changes, const void *tar, size_t len,
                  ecs_error_t *e)
{
    return docker_image_import(d, repo, tag, changes, tar, len, e);
}
static int ninspect(void *d, const char *name, json_t **out, ecs_error_t *e)
{
    return docker_network_inspect(d, name, out, e);
}
static int ncreate(void *d, const json_t *body, ecs_error_t *e) { return docker_network_create(d, body, e); }
static int events(void *d, const char *label, volatile bool *s, docker_event_fn fn, void *arg, ecs_error_t *e)
{
    return docker_events(d, label, s, fn, arg, e);
}

agent_runtime_t agent_runtime_docker(docker_t *d)
{
    return (agent_runtime_t){.impl = d, .version = version, .image_present = present, .pull = pull,
                             .create = create, .start = start, .stop = stop, .remove = rm, .inspect = inspect,
                             .list = list, .system = sys, .volume_create = vcreate,
                             .volume_inspect = vinspect, .volume_remove = vremove, .events = events,
                             .image_import = import, .network_inspect = ninspect, .network_create = ncreate};
}
