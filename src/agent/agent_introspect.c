/* agent_introspect.c - the introspection API of the ECS agent
 * (ecs-behavior.md §8.11) on --introspection (127.0.0.1:51678):
 *   GET /             {"AvailableCommands": [...]}
 *   GET /v1/metadata  {"Cluster", "ContainerInstanceArn", "Version"}
 *   GET /v1/tasks     {"Tasks": [{"Arn", "DesiredStatus", "KnownStatus",
 *                      "Family", "Version", "Containers": [{"DockerId",
 *                      "DockerName", "Name"}]}]}
 *   GET /v1/tasks?taskarn=ARN or ?dockerid=ID   one task (400 when none)
 * libmicrohttpd with its own thread; the answers read the engine under its
 * mutex and the instance ARN under the agent's. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_int.h"
#include "common/cleanup.h"

struct introspect {
    struct MHD_Daemon *daemon;
};

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, json_t *doc)
{
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (body == NULL)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static json_t *metadata(agent_t *a)
{
    char version[200];
    snprintf(version, sizeof version, "ecsd Agent - v%s (%s)", a->opts.version, a->opts.hash);
    pthread_mutex_lock(&a->lock);
    json_t *arn = a->instance_arn[0] != '\0' ? json_string(a->instance_arn) : json_null();
    pthread_mutex_unlock(&a->lock);
    return json_pack("{s:s, s:o, s:s}", "Cluster", a->opts.cluster, "ContainerInstanceArn", arn, "Version", version);
}

/* The task with this ARN or one of whose containers has this Docker id
 * (full or a prefix of at least 12). */
static json_t *one_task(agent_t *a, const char *arn, const char *docker_id)
{
    cleanup_json json_t *all = agent_engine_tasks_json(a->engine);
    size_t i, k;
    json_t *t, *c;
    json_array_foreach(json_object_get(all, "Tasks"), i, t) {
        if (arn != NULL && strcmp(json_string_value(json_object_get(t, "Arn")), arn) == 0)
            return json_incref(t);
        json_array_foreach(json_object_get(t, "Containers"), k, c) {
            const char *id = json_string_value(json_object_get(c, "DockerId"));
            if (docker_id != NULL && strlen(docker_id) >= 12 && id != NULL &&
                strncmp(id, docker_id, strlen(docker_id)) == 0)
                return json_incref(t);
        }
    }
    return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version, (void)upload, (void)con_cls;
    agent_t *a = cls;
    if (*upload_size != 0)
        *upload_size = 0;
    if (strcmp(method, "GET") != 0)
        return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, json_pack("{s:s}", "error", "GET only"));
    if (strcmp(url, "/") == 0)
        return answer(conn, MHD_HTTP_OK,
                      json_pack("{s:[s, s]}", "AvailableCommands", "/v1/metadata", "/v1/tasks"));
    if (strcmp(url, "/v1/metadata") == 0)
        return answer(conn, MHD_HTTP_OK, metadata(a));
    if (strcmp(url, "/v1/tasks") == 0) {
        const char *arn = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "taskarn");
        const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "dockerid");
        if (arn == NULL && id == NULL)
            return answer(conn, MHD_HTTP_OK, agent_engine_tasks_json(a->engine));
        json_t *t = arn != NULL && id != NULL ? NULL : one_task(a, arn, id);
        return t ? answer(conn, MHD_HTTP_OK, t) : answer(conn, MHD_HTTP_BAD_REQUEST, json_object());
    }
    return answer(conn, MHD_HTTP_NOT_FOUND, json_pack("{s:s}", "error", "no such path"));
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, ecs_error_t *err)
{
    char host[128];
    const char *colon = strrchr(s, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || (size_t)(colon - s) >= sizeof host || *end != '\0' || port < 0 || port > 65535)
        return ecs_invalid_param(err, "--introspection '%.200s' is not ADDR:PORT", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    memset(ss, 0, sizeof *ss);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1)
            return 0;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1)
            return 0;
    }
    return ecs_invalid_param(err, "--introspection '%.200s': not an IP address", s);
}

int agent_introspect_start(agent_t *a, const char *addr, ecs_error_t *err)
{
    struct sockaddr_storage ss;
    if (parse_addr(addr, &ss, err) < 0)
        return -1;
    a->introspect = calloc(1, sizeof *a->introspect);
    if (a->introspect == NULL)
        return ecs_server_err(err, "out of memory");
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    a->introspect->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, a, MHD_OPTION_SOCK_ADDR, &ss,
                                             MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (a->introspect->daemon == NULL) {
        free(a->introspect);
        a->introspect = NULL;
        return ecs_server_err(err, "introspection: cannot listen on %.200s (address in use?)", addr);
    }
    return 0;
}

void agent_introspect_stop(agent_t *a)
{
    if (a->introspect == NULL)
        return;
    MHD_stop_daemon(a->introspect->daemon);
    free(a->introspect);
    a->introspect = NULL;
}
